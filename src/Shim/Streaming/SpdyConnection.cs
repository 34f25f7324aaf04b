using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Threading.Channels;

namespace Sandbox.Shim.Streaming;

/// <summary>
/// The server side of a SPDY/3.1 connection, as far as the Kubernetes streaming protocols use
/// it: the client opens streams (SYN_STREAM, answered with SYN_REPLY), both sides send DATA
/// and close their half with FIN; PING is echoed; no server push, no priorities.
/// </summary>
internal sealed class SpdyConnection : IAsyncDisposable
{
    private const ushort Version = 3;
    private const ushort SynStream = 1, SynReply = 2, RstStream = 3, Settings = 4, Ping = 6, GoAway = 7, Headers = 8, WindowUpdate = 9;
    public const byte FlagFin = 0x01;
    private const int MaxData = 32 * 1024;

    private readonly Stream _io;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SpdyHeaderDecoder _decoder = new();
    private readonly SpdyHeaderEncoder _encoder = new();
    private readonly ConcurrentDictionary<uint, SpdyStream> _streams = new();
    private readonly Channel<SpdyStream> _accepted = Channel.CreateUnbounded<SpdyStream>();

    public SpdyConnection(Stream io) => _io = io;

    public ChannelReader<SpdyStream> Accepted => _accepted.Reader;

    /// <summary>Reads frames until the peer goes away or the connection breaks.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var head = new byte[8];
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await _io.ReadExactlyAsync(head, ct).ConfigureAwait(false);
                int length = head[5] << 16 | head[6] << 8 | head[7];
                byte flags = head[4];
                var payload = new byte[length];
                await _io.ReadExactlyAsync(payload, ct).ConfigureAwait(false);
                if ((head[0] & 0x80) == 0)
                {
                    uint id = BinaryPrimitives.ReadUInt32BigEndian(head) & 0x7fffffff;
                    if (!_streams.TryGetValue(id, out var s)) continue;
                    if (length > 0)
                    {
                        await s.Incoming.Writer.WriteAsync(payload, ct).ConfigureAwait(false);
                        await SendControlAsync(WindowUpdate, 0, U32(id), U32((uint)length)).ConfigureAwait(false);
                    }
                    if ((flags & FlagFin) != 0) await s.Incoming.Writer.CompleteAsync().ConfigureAwait(false);
                    continue;
                }
                ushort type = BinaryPrimitives.ReadUInt16BigEndian(head.AsSpan(2));
                switch (type)
                {
                    case SynStream:
                    {
                        uint id = BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7fffffff;
                        var headers = _decoder.Decode(payload.AsSpan(10));
                        var s = new SpdyStream(this, id, headers);
                        _streams[id] = s;
                        await SendSynReplyAsync(id).ConfigureAwait(false);
                        if ((flags & FlagFin) != 0) await s.Incoming.Writer.CompleteAsync().ConfigureAwait(false);
                        await _accepted.Writer.WriteAsync(s, ct).ConfigureAwait(false);
                        break;
                    }
                    case RstStream:
                    {
                        uint id = BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7fffffff;
                        if (_streams.TryGetValue(id, out var s)) { s.Reset = true; await s.Incoming.Writer.CompleteAsync().ConfigureAwait(false); }
                        break;
                    }
                    case Headers:
                        _decoder.Decode(payload.AsSpan(4)); // keep the zlib stream in step
                        break;
                    case Ping:
                        await SendControlAsync(Ping, 0, payload).ConfigureAwait(false);
                        break;
                    case GoAway:
                        return;
                    case Settings:
                    case WindowUpdate:
                    default:
                        break;
                }
            }
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or OperationCanceledException or InvalidDataException or ObjectDisposedException)
        {
        }
        finally
        {
            _accepted.Writer.TryComplete();
            foreach (var s in _streams.Values) s.Incoming.Writer.Complete();
        }
    }

    private static byte[] U32(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32BigEndian(b, v); return b; }

    private async Task SendSynReplyAsync(uint id)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            var block = _encoder.Encode(new Dictionary<string, string>());
            await WriteControlUnlockedAsync(SynReply, 0, U32(id), block).ConfigureAwait(false);
        }
        finally { _writeLock.Release(); }
    }

    private async Task SendControlAsync(ushort type, byte flags, params byte[][] parts)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try { await WriteControlUnlockedAsync(type, flags, parts).ConfigureAwait(false); }
        finally { _writeLock.Release(); }
    }

    private async Task WriteControlUnlockedAsync(ushort type, byte flags, params byte[][] parts)
    {
        int length = parts.Sum(p => p.Length);
        var frame = new byte[8 + length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, 0x8000 | Version);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), type);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), (uint)flags << 24 | (uint)length);
        int at = 8;
        foreach (var p in parts) { p.CopyTo(frame, at); at += p.Length; }
        await _io.WriteAsync(frame).ConfigureAwait(false);
        await _io.FlushAsync().ConfigureAwait(false);
    }

    internal async Task SendDataAsync(uint id, ReadOnlyMemory<byte> data, bool fin)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            do
            {
                int n = Math.Min(MaxData, data.Length);
                bool last = n == data.Length;
                var head = new byte[8];
                BinaryPrimitives.WriteUInt32BigEndian(head, id & 0x7fffffff);
                BinaryPrimitives.WriteUInt32BigEndian(head.AsSpan(4), (uint)(fin && last ? FlagFin : 0) << 24 | (uint)n);
                await _io.WriteAsync(head).ConfigureAwait(false);
                await _io.WriteAsync(data[..n]).ConfigureAwait(false);
                data = data[n..];
            } while (data.Length > 0);
            await _io.FlushAsync().ConfigureAwait(false);
        }
        finally { _writeLock.Release(); }
    }

    public Task GoAwayAsync() => SendControlAsync(GoAway, 0, U32(0), U32(0));

    public async ValueTask DisposeAsync()
    {
        _decoder.Dispose();
        _encoder.Dispose();
        await _io.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>One client-opened stream: its headers, the data the client sends, and a way to answer.</summary>
internal sealed class SpdyStream(SpdyConnection connection, uint id, Dictionary<string, string> headers) : IRemoteStream
{
    public uint Id { get; } = id;
    public IReadOnlyDictionary<string, string> Headers { get; } = headers;
    public Pipe Incoming { get; } = new();
    public bool Reset { get; set; }
    private bool _closed;

    public string Type => Headers.TryGetValue("streamtype", out var t) ? t : "";

    public Task WriteAsync(ReadOnlyMemory<byte> data) => _closed || data.Length == 0 ? Task.CompletedTask : connection.SendDataAsync(Id, data, fin: false);

    public Task CloseAsync()
    {
        if (_closed) return Task.CompletedTask;
        _closed = true;
        return connection.SendDataAsync(Id, ReadOnlyMemory<byte>.Empty, fin: true);
    }
}
