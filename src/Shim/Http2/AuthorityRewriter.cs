using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace Sandbox.Shim.Http2;

/// <summary>
/// Makes Kestrel accept gRPC-Go clients (the kubelet, crictl, critest) on a unix socket.
/// gRPC-Go sends the socket's path as the HTTP/2 <c>:authority</c>
/// ("/run/sandbox/cri.sock"), which Kestrel refuses as an invalid host with a PROTOCOL_ERROR
/// reset of every stream (dotnet/aspnetcore#47043; Kestrel has no switch to allow it).
/// This connection middleware sits between the socket and Kestrel's HTTP/2 parser: it passes
/// every frame through unchanged except header blocks, which it decodes (HPACK, keeping the
/// client's dynamic table), gives a "localhost" authority where the client's is not a valid
/// host, and re-encodes as literals that never touch Kestrel's dynamic table.
/// </summary>
internal sealed class AuthorityRewriter
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();
    private const int FrameHeaderLength = 9;
    private const byte Headers = 0x1, Continuation = 0x9;
    private const byte EndStream = 0x1, EndHeaders = 0x4, Padded = 0x8, Priority = 0x20;
    /// <summary>Kestrel's default SETTINGS_MAX_FRAME_SIZE; re-encoded blocks are cut to fit.</summary>
    private const int MaxFrame = 16384;

    public static readonly byte[] Localhost = "localhost"u8.ToArray();

    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware => next => async ctx =>
    {
        var original = ctx.Transport;
        var toKestrel = new Pipe();
        var pump = new AuthorityRewriter().RunAsync(original.Input, toKestrel.Writer);
        ctx.Transport = new DuplexPipe(toKestrel.Reader, original.Output);
        try { await next(ctx).ConfigureAwait(false); }
        finally
        {
            ctx.Transport = original;
            await toKestrel.Reader.CompleteAsync().ConfigureAwait(false);
            original.Input.CancelPendingRead();
            await pump.ConfigureAwait(false);
        }
    };

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }

    private readonly HpackDecoder _decoder = new();
    // A header block being gathered: HEADERS frame followed by CONTINUATION frames.
    private MemoryStream? _block;
    private int _blockStream;
    private byte _blockFlags;
    private byte[]? _blockPriority;

    public async Task RunAsync(PipeReader input, PipeWriter output)
    {
        Exception? error = null;
        try
        {
            bool prefaceSeen = false, passthrough = false;
            while (true)
            {
                var result = await input.ReadAsync().ConfigureAwait(false);
                var buf = result.Buffer;
                if (result.IsCanceled) break;
                if (!prefaceSeen && !passthrough)
                {
                    if (buf.Length < Preface.Length && !result.IsCompleted)
                    {
                        input.AdvanceTo(buf.Start, buf.End);
                        continue;
                    }
                    var head = buf.Slice(0, Math.Min(buf.Length, Preface.Length)).ToArray();
                    passthrough = !head.AsSpan().SequenceEqual(Preface);
                    prefaceSeen = !passthrough;
                    if (prefaceSeen)
                    {
                        output.Write(head);
                        buf = buf.Slice(Preface.Length);
                    }
                }
                if (passthrough)
                {
                    foreach (var seg in buf) output.Write(seg.Span);
                    buf = buf.Slice(buf.End);
                }
                else
                {
                    while (TryReadFrame(ref buf, out var header, out var payload)) Handle(header, payload, output);
                }
                input.AdvanceTo(buf.Start, buf.End);
                var flush = await output.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled || result.IsCompleted) break;
            }
        }
        catch (Exception e) when (e is HpackException or InvalidOperationException or IOException or ConnectionResetException)
        {
            error = e;
        }
        finally
        {
            await input.CompleteAsync().ConfigureAwait(false);
            await output.CompleteAsync(error).ConfigureAwait(false);
        }
    }

    private static bool TryReadFrame(ref ReadOnlySequence<byte> buf, out byte[] header, out byte[] payload)
    {
        header = payload = Array.Empty<byte>();
        if (buf.Length < FrameHeaderLength) return false;
        header = buf.Slice(0, FrameHeaderLength).ToArray();
        int length = (header[0] << 16) | (header[1] << 8) | header[2];
        if (buf.Length < FrameHeaderLength + length) return false;
        payload = buf.Slice(FrameHeaderLength, length).ToArray();
        buf = buf.Slice(FrameHeaderLength + length);
        return true;
    }

    private void Handle(byte[] header, byte[] payload, PipeWriter output)
    {
        byte type = header[3], flags = header[4];
        int stream = ((header[5] & 0x7F) << 24) | (header[6] << 16) | (header[7] << 8) | header[8];
        if (type == Headers)
        {
            if (_block != null) throw new InvalidOperationException("HEADERS while a header block is open");
            int pos = 0, end = payload.Length;
            if ((flags & Padded) != 0)
            {
                if (payload.Length < 1) throw new InvalidOperationException("bad padding");
                end -= payload[0];
                pos = 1;
            }
            if ((flags & Priority) != 0)
            {
                if (end - pos < 5) throw new InvalidOperationException("bad priority");
                _blockPriority = payload[pos..(pos + 5)];
                pos += 5;
            }
            else _blockPriority = null;
            if (end < pos) throw new InvalidOperationException("bad padding");
            _block = new MemoryStream();
            _block.Write(payload, pos, end - pos);
            _blockStream = stream;
            _blockFlags = flags;
            if ((flags & EndHeaders) != 0) FinishBlock(output);
            return;
        }
        if (type == Continuation && _block != null && stream == _blockStream)
        {
            _block.Write(payload);
            if ((flags & EndHeaders) != 0) FinishBlock(output);
            return;
        }
        if (_block != null) throw new InvalidOperationException("frame interleaved in a header block");
        output.Write(header);
        output.Write(payload);
    }

    private void FinishBlock(PipeWriter output)
    {
        var fields = _decoder.Decode(_block!.GetBuffer().AsSpan(0, (int)_block.Length));
        _block = null;
        for (int i = 0; i < fields.Count; i++)
        {
            var n = Encoding.ASCII.GetString(fields[i].Name);
            if ((n == ":authority" || n == "host") && !IsValidHost(fields[i].Value))
                fields[i] = fields[i] with { Value = Localhost };
        }
        var encoded = HpackLiteralEncoder.Encode(fields);
        var first = new MemoryStream();
        if (_blockPriority != null) first.Write(_blockPriority);
        int take = Math.Min(encoded.Length, MaxFrame - (int)first.Length);
        first.Write(encoded, 0, take);
        byte flags = (byte)((_blockFlags & EndStream) | (_blockPriority != null ? Priority : 0) | (take == encoded.Length ? EndHeaders : 0));
        WriteFrame(output, Headers, flags, _blockStream, first.ToArray());
        for (int at = take; at < encoded.Length;)
        {
            int n = Math.Min(MaxFrame, encoded.Length - at);
            WriteFrame(output, Continuation, at + n == encoded.Length ? EndHeaders : (byte)0, _blockStream, encoded[at..(at + n)]);
            at += n;
        }
    }

    private static void WriteFrame(PipeWriter output, byte type, byte flags, int stream, byte[] payload)
    {
        Span<byte> h = stackalloc byte[FrameHeaderLength];
        h[0] = (byte)(payload.Length >> 16); h[1] = (byte)(payload.Length >> 8); h[2] = (byte)payload.Length;
        h[3] = type; h[4] = flags;
        h[5] = (byte)(stream >> 24); h[6] = (byte)(stream >> 16); h[7] = (byte)(stream >> 8); h[8] = (byte)stream;
        output.Write(h);
        output.Write(payload);
    }

    /// <summary>A host as RFC 3986 allows it in Host/:authority: reg-name, IPv4 or [IPv6], optional port.</summary>
    internal static bool IsValidHost(byte[] v)
    {
        if (v.Length == 0) return false;
        foreach (byte c in v)
            if (!(c is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
                  or (byte)'.' or (byte)'-' or (byte)':' or (byte)'[' or (byte)']' or (byte)'_')) return false;
        return true;
    }
}
