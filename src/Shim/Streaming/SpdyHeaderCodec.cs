using System.IO.Compression;
using System.Text;

namespace Sandbox.Shim.Streaming;

/// <summary>
/// SPDY/3 header blocks: <c>u32 count, (u32 len, name, u32 len, value)*</c>, compressed with one
/// zlib stream per direction that spans the connection (each block ends with a sync flush).
/// The peer compresses with the SPDY dictionary; .NET's inflater takes no preset dictionary,
/// so the decoder feeds it a stored deflate block holding the dictionary first (which puts it
/// in the window) and drops those bytes from the output.
/// </summary>
internal sealed class SpdyHeaderDecoder : IDisposable
{
    private readonly Feed _feed = new();
    private DeflateStream? _inflate;
    private bool _started;

    public Dictionary<string, string> Decode(ReadOnlySpan<byte> compressed)
    {
        if (!_started)
        {
            if (compressed.Length < 2) throw new InvalidDataException("SPDY header block too short");
            bool fdict = (compressed[1] & 0x20) != 0;
            int skip = fdict ? 6 : 2;
            var dict = SpdyDictionary.Bytes;
            var stored = new byte[5 + dict.Length];
            stored[0] = 0x00; // BFINAL=0, BTYPE=00 (stored), padding
            stored[1] = (byte)dict.Length; stored[2] = (byte)(dict.Length >> 8);
            stored[3] = (byte)~dict.Length; stored[4] = (byte)(~dict.Length >> 8);
            dict.CopyTo(stored, 5);
            _feed.Add(stored);
            _feed.Add(compressed[skip..].ToArray());
            _inflate = new DeflateStream(_feed, CompressionMode.Decompress, leaveOpen: true);
            _inflate.ReadExactly(new byte[dict.Length]);
            _started = true;
        }
        else _feed.Add(compressed.ToArray());

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        int count = (int)ReadU32();
        if (count > 1024) throw new InvalidDataException("too many SPDY headers");
        for (int i = 0; i < count; i++)
        {
            string name = ReadString();
            string value = ReadString();
            headers[name] = value;
        }
        return headers;
    }

    private uint ReadU32()
    {
        Span<byte> b = stackalloc byte[4];
        _inflate!.ReadExactly(b);
        return (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
    }

    private string ReadString()
    {
        uint len = ReadU32();
        if (len > 1 << 20) throw new InvalidDataException("SPDY header too long");
        var b = new byte[len];
        _inflate!.ReadExactly(b);
        return Encoding.UTF8.GetString(b);
    }

    public void Dispose() => _inflate?.Dispose();

    /// <summary>A stream of the bytes added so far; reads what is there, 0 when nothing is.</summary>
    private sealed class Feed : Util.ReadOnlyStream
    {
        private readonly Queue<byte[]> _chunks = new();
        private int _offset;

        public void Add(byte[] chunk) { if (chunk.Length > 0) _chunks.Enqueue(chunk); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = 0;
            while (n < buffer.Length && _chunks.Count > 0)
            {
                var c = _chunks.Peek();
                int take = Math.Min(buffer.Length - n, c.Length - _offset);
                c.AsSpan(_offset, take).CopyTo(buffer[n..]);
                n += take;
                _offset += take;
                if (_offset == c.Length) { _chunks.Dequeue(); _offset = 0; }
            }
            return n;
        }

    }
}

/// <summary>
/// Compresses header blocks for the peer: one zlib stream, sync-flushed after each block. It
/// uses no dictionary (the peer's inflater is primed with it anyway, which is harmless).
/// </summary>
internal sealed class SpdyHeaderEncoder : IDisposable
{
    private readonly MemoryStream _out = new();
    private readonly ZLibStream _deflate;

    public SpdyHeaderEncoder() => _deflate = new ZLibStream(_out, CompressionLevel.Fastest, leaveOpen: true);

    public byte[] Encode(IReadOnlyDictionary<string, string> headers)
    {
        var block = new MemoryStream();
        WriteU32(block, (uint)headers.Count);
        foreach (var (k, v) in headers)
        {
            var kb = Encoding.UTF8.GetBytes(k.ToLowerInvariant());
            var vb = Encoding.UTF8.GetBytes(v);
            WriteU32(block, (uint)kb.Length); block.Write(kb);
            WriteU32(block, (uint)vb.Length); block.Write(vb);
        }
        _deflate.Write(block.GetBuffer(), 0, (int)block.Length);
        _deflate.Flush(); // Z_SYNC_FLUSH: the block is complete for the reader
        var bytes = _out.ToArray();
        _out.SetLength(0);
        return bytes;
    }

    private static void WriteU32(MemoryStream s, uint v)
    {
        s.WriteByte((byte)(v >> 24)); s.WriteByte((byte)(v >> 16)); s.WriteByte((byte)(v >> 8)); s.WriteByte((byte)v);
    }

    public void Dispose() => _deflate.Dispose();
}
