using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;

namespace Sandbox.P9;

/// <summary>
/// A thread-safe 9P2000.L client over a connected stream socket. Any number of threads may call
/// it at once; each request gets its own tag and up to <c>maxInFlight</c> are outstanding.
/// Helpers throw <see cref="P9ErrorException"/> (with the errno) when the server answers
/// Rlerror, and <see cref="P9ConnectionException"/> once the connection is gone.
/// Fids are numbers the client picks: the helpers that create one return it; give it back with
/// <see cref="Clunk"/> (or <see cref="Remove"/>).
/// </summary>
public sealed partial class P9Client : IDisposable
{
    private readonly P9Transport _t;
    private int _nextFid;
    private readonly Stack<uint> _freeFids = new();

    /// <summary>The negotiated maximum frame size.</summary>
    public uint Msize { get; }
    /// <summary>The largest payload one Tread/Twrite carries.</summary>
    public int IoUnit => (int)Msize - P9.ReadWriteOverhead;

    private P9Client(P9Transport t, uint msize) { _t = t; Msize = msize; }

    /// <summary>Negotiates the version and msize on <paramref name="socket"/> (which the client then owns).</summary>
    public static P9Client Connect(Socket socket, uint msize = 1 << 20, int maxInFlight = 256)
    {
        if (msize < P9.MinMsize || msize > P9.MaxMsize) throw new ArgumentOutOfRangeException(nameof(msize));
        if (maxInFlight is < 1 or > 0xFFFF) throw new ArgumentOutOfRangeException(nameof(maxInFlight));
        var t = new P9Transport(socket, maxInFlight);
        try
        {
            t.Send(Codec.Encode(new Tversion(msize, P9.Version), P9.NoTag));
            var (tag, m) = Codec.Decode(t.ReceiveOneDirect());
            if (tag != P9.NoTag) throw new P9ConnectionException($"Rversion came with tag {tag}, not NOTAG");
            if (m is Rlerror e) throw new P9ErrorException((int)e.Ecode, MessageType.Tversion);
            if (m is not Rversion rv) throw new P9ConnectionException($"expected Rversion, got {m.Type}");
            if (rv.Version != P9.Version) throw new P9ConnectionException($"server speaks '{rv.Version}', not {P9.Version}");
            if (rv.Msize > msize || rv.Msize < P9.MinMsize) throw new P9ConnectionException($"server offered msize {rv.Msize} (asked {msize})");
            t.Msize = rv.Msize;
            t.StartReader();
            return new P9Client(t, rv.Msize);
        }
        catch
        {
            t.Dispose();
            throw;
        }
    }

    /// <summary>Connects to a Gofer listening on a unix socket path.</summary>
    public static P9Client Connect(string unixSocketPath, uint msize = 1 << 20)
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try { s.Connect(new UnixDomainSocketEndPoint(unixSocketPath)); }
        catch { s.Dispose(); throw; }
        return Connect(s, msize);
    }

    /// <summary>Takes ownership of a connected unix stream socket fd (e.g. one end of a socketpair).</summary>
    public static P9Client FromFd(int fd, uint msize = 1 << 20)
        => Connect(new Socket(new SafeSocketHandle((IntPtr)fd, ownsHandle: true)), msize);

    public bool IsConnected => _t.IsAlive;

    /// <summary>
    /// Sends any T-message and returns the reply as it came (Rlerror included, not thrown).
    /// Payloads of the reply are copied, so the result stays valid.
    /// </summary>
    public Message Call(Message request)
    {
        var p = Send(request);
        try
        {
            var (_, m) = Codec.Decode(p.Frame.AsMemory(0, p.Length), Msize);
            return m switch
            {
                Rread r => new Rread(r.Data.ToArray()),
                Rreaddir r => new Rreaddir(r.Data.ToArray()),
                _ => m,
            };
        }
        finally { _t.Release(p); }
    }

    private const int SmallFrame = 8192;

    private Pending Send(Message request)
    {
        var p = _t.Acquire();
        var buf = ArrayPool<byte>.Shared.Rent(SmallFrame);
        try
        {
            int n;
            try { n = Codec.Encode(request, p.Tag, buf.AsSpan(0, Math.Min(SmallFrame, (int)Msize))); }
            catch (P9FormatException) when (Msize > SmallFrame)
            {
                // Rare (a long walk or a Twrite through Call): encode again with msize room.
                ArrayPool<byte>.Shared.Return(buf);
                buf = ArrayPool<byte>.Shared.Rent((int)Msize);
                n = Codec.Encode(request, p.Tag, buf.AsSpan(0, (int)Msize));
            }
            Transmit(p, buf.AsSpan(0, n));
            return p;
        }
        catch
        {
            _t.Release(p);
            throw;
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }

    /// <summary>Sends an encoded frame carrying p's tag and waits for its reply (the caller releases p).</summary>
    private void Transmit(Pending p, ReadOnlySpan<byte> frame)
    {
        _t.Send(frame);
        _t.Wait(p);
    }

    /// <summary>Sends a request and decodes the reply, throwing on Rlerror or a wrong reply type.</summary>
    private T Rpc<T>(Message request) where T : Message
    {
        var m = Call(request);
        if (m is T t) return t;
        if (m is Rlerror e) throw new P9ErrorException((int)e.Ecode, request.Type);
        throw new P9ConnectionException($"{request.Type} answered with {m.Type}");
    }

    private static void CheckReplyHeader(Pending p, MessageType request, MessageType expected)
    {
        var f = p.Frame.AsSpan(0, p.Length);
        var t = (MessageType)f[4];
        if (t == MessageType.Rlerror)
        {
            if (p.Length != P9.HeaderSize + 4) throw new P9ConnectionException("malformed Rlerror");
            throw new P9ErrorException((int)BinaryPrimitives.ReadUInt32LittleEndian(f[P9.HeaderSize..]), request);
        }
        if (t != expected) throw new P9ConnectionException($"{request} answered with {t}");
    }

    // ---- fids ----

    /// <summary>A fid number not in use (the helpers that create fids call this).</summary>
    public uint AllocateFid()
    {
        lock (_freeFids)
        {
            if (_freeFids.Count > 0) return _freeFids.Pop();
            if (_nextFid == int.MaxValue) throw new InvalidOperationException("out of fids");
            return (uint)_nextFid++;
        }
    }

    private void FreeFid(uint fid) { lock (_freeFids) _freeFids.Push(fid); }

    public void Dispose() => _t.Dispose();
}
