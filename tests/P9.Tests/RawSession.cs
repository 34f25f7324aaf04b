using System.Buffers.Binary;
using System.Net.Sockets;

namespace Sandbox.P9.Tests;

/// <summary>A bare socket to a Gofer for sending arbitrary bytes and reading frames back.</summary>
public sealed class RawSession : IDisposable
{
    private readonly Socket _s = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

    public RawSession(string path, int receiveTimeoutMs = 10_000)
    {
        _s.Connect(new UnixDomainSocketEndPoint(path));
        _s.ReceiveTimeout = receiveTimeoutMs;
    }

    public void Send(ReadOnlySpan<byte> b) => _s.Send(b);

    /// <summary>The next frame, or null when the server closed the connection.</summary>
    public byte[]? ReceiveFrame()
    {
        var hdr = new byte[7];
        if (!ReceiveExactly(hdr)) return null;
        int size = BinaryPrimitives.ReadInt32LittleEndian(hdr);
        if (size < 7 || size > P9.MaxMsize) throw new InvalidDataException($"server sent a frame of {size} bytes");
        var frame = new byte[size];
        hdr.CopyTo(frame, 0);
        return ReceiveExactly(frame.AsSpan(7)) ? frame : null;
    }

    public Message Exchange(Message m, ushort tag = P9.NoTag)
    {
        Send(Codec.Encode(m, tag));
        var f = ReceiveFrame() ?? throw new IOException("connection closed");
        var (t, r) = Codec.Decode(f);
        if (t != tag) throw new InvalidDataException($"reply tag {t}, expected {tag}");
        return r;
    }

    private bool ReceiveExactly(Span<byte> b)
    {
        while (!b.IsEmpty)
        {
            int n;
            try { n = _s.Receive(b); }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset) { return false; }
            if (n == 0) return false;
            b = b[n..];
        }
        return true;
    }

    public void Dispose() => _s.Dispose();
}
