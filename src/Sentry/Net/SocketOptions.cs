using System.Buffers.Binary;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Net;

/// <summary>The SOL_SOCKET options (socket(7)) every family shares.</summary>
public abstract partial class Socket
{
    // net.core.{w,r}mem_default and _max as a fresh network namespace has them.
    public const int DefaultBuf = 212992, MaxBuf = 212992;
    // SOCK_MIN_SNDBUF / SOCK_MIN_RCVBUF (include/net/sock.h), for x86-64 sk_buff sizes.
    private const int MinSndBuf = 4608, MinRcvBuf = 2304;

    public int SndBuf = DefaultBuf, RcvBuf = DefaultBuf;
    /// <summary>SO_RCVTIMEO / SO_SNDTIMEO in ns; 0 waits forever.</summary>
    public long RcvTimeoNs, SndTimeoNs;
    public bool PassCred;
    public int RcvLowat = 1;
    private bool _reuseAddr, _reusePort, _keepAlive, _broadcast, _debug, _oobInline, _dontRoute;
    private int _priority, _lingerOn, _lingerSecs, _mark;

    /// <summary>SO_ACCEPTCONN.</summary>
    protected virtual bool IsListening => false;
    /// <summary>SO_ERROR: the pending error, cleared by reading it.</summary>
    protected virtual int TakeError() => 0;
    /// <summary>SO_PEERCRED.</summary>
    protected virtual Ucred PeerCred => Ucred.None;

    /// <summary>
    /// getsockopt(2): writes the value into <paramref name="val"/> (at least 64 bytes) and returns
    /// its natural length; the caller copies out min(that, optlen).
    /// </summary>
    public virtual long GetSockOpt(Task t, int level, int name, Span<byte> val)
    {
        if (level != SocketLevel.SOL_SOCKET) return -(long)Errno.EOPNOTSUPP;
        int v;
        switch (name)
        {
            case SockOpt.SO_TYPE: v = Type; break;
            case SockOpt.SO_DOMAIN: v = Family; break;
            case SockOpt.SO_PROTOCOL: v = Protocol; break;
            case SockOpt.SO_ACCEPTCONN: v = IsListening ? 1 : 0; break;
            case SockOpt.SO_ERROR: v = TakeError(); break;
            case SockOpt.SO_SNDBUF: v = SndBuf; break;
            case SockOpt.SO_RCVBUF: v = RcvBuf; break;
            case SockOpt.SO_PASSCRED: v = PassCred ? 1 : 0; break;
            case SockOpt.SO_REUSEADDR: v = _reuseAddr ? 1 : 0; break;
            case SockOpt.SO_REUSEPORT: v = _reusePort ? 1 : 0; break;
            case SockOpt.SO_KEEPALIVE: v = _keepAlive ? 1 : 0; break;
            case SockOpt.SO_BROADCAST: v = _broadcast ? 1 : 0; break;
            case SockOpt.SO_DEBUG: v = _debug ? 1 : 0; break;
            case SockOpt.SO_OOBINLINE: v = _oobInline ? 1 : 0; break;
            case SockOpt.SO_DONTROUTE: v = _dontRoute ? 1 : 0; break;
            case SockOpt.SO_PRIORITY: v = _priority; break;
            case SockOpt.SO_MARK: v = _mark; break;
            case SockOpt.SO_RCVLOWAT: v = RcvLowat; break;
            case SockOpt.SO_SNDLOWAT: v = 1; break;
            case SockOpt.SO_LINGER:
                BinaryPrimitives.WriteInt32LittleEndian(val, _lingerOn);
                BinaryPrimitives.WriteInt32LittleEndian(val.Slice(4), _lingerSecs);
                return 8;
            case SockOpt.SO_RCVTIMEO_OLD or SockOpt.SO_SNDTIMEO_OLD or SockOpt.SO_RCVTIMEO_NEW or SockOpt.SO_SNDTIMEO_NEW:
            {
                long ns = name is SockOpt.SO_RCVTIMEO_OLD or SockOpt.SO_RCVTIMEO_NEW ? RcvTimeoNs : SndTimeoNs;
                BinaryPrimitives.WriteInt64LittleEndian(val, ns / 1_000_000_000);
                BinaryPrimitives.WriteInt64LittleEndian(val.Slice(8), ns % 1_000_000_000 / 1000);
                return 16;
            }
            case SockOpt.SO_PEERCRED:
                PeerCred.WriteTo(val);
                return SocketAbi.UcredSize;
            default: return -(long)Errno.ENOPROTOOPT;
        }
        BinaryPrimitives.WriteInt32LittleEndian(val, v);
        return 4;
    }

    /// <summary>setsockopt(2) with the option value already copied in.</summary>
    public virtual long SetSockOpt(Task t, int level, int name, ReadOnlySpan<byte> val)
    {
        if (level != SocketLevel.SOL_SOCKET) return -(long)Errno.EOPNOTSUPP;
        if (name is SockOpt.SO_RCVTIMEO_OLD or SockOpt.SO_SNDTIMEO_OLD or SockOpt.SO_RCVTIMEO_NEW or SockOpt.SO_SNDTIMEO_NEW)
        {
            if (val.Length < 16) return -(long)Errno.EINVAL;
            long sec = BinaryPrimitives.ReadInt64LittleEndian(val), usec = BinaryPrimitives.ReadInt64LittleEndian(val.Slice(8));
            if (usec < 0 || usec >= 1_000_000) return -(long)Errno.EDOM;
            // A negative time means "do not wait" in Linux; a nanosecond is as good as nothing here.
            long ns = sec < 0 ? 1 : sec > long.MaxValue / 2_000_000_000 ? 0 : sec * 1_000_000_000 + usec * 1000;
            if (name is SockOpt.SO_RCVTIMEO_OLD or SockOpt.SO_RCVTIMEO_NEW) RcvTimeoNs = ns; else SndTimeoNs = ns;
            return 0;
        }
        if (val.Length < 4) return -(long)Errno.EINVAL;
        int v = BinaryPrimitives.ReadInt32LittleEndian(val);
        bool on = v != 0;
        switch (name)
        {
            case SockOpt.SO_SNDBUF: SndBuf = Math.Max((int)Math.Min((uint)v, MaxBuf) * 2, MinSndBuf); break;
            case SockOpt.SO_RCVBUF: RcvBuf = Math.Max((int)Math.Min((uint)v, MaxBuf) * 2, MinRcvBuf); break;
            case SockOpt.SO_SNDBUFFORCE or SockOpt.SO_RCVBUFFORCE:
            {
                if (!t.Creds.Has(Cap.NET_ADMIN)) return -(long)Errno.EPERM;
                int b = (int)Math.Min((long)Math.Max(v, 0) * 2, int.MaxValue);
                if (name == SockOpt.SO_SNDBUFFORCE) SndBuf = Math.Max(b, MinSndBuf); else RcvBuf = Math.Max(b, MinRcvBuf);
                break;
            }
            case SockOpt.SO_PASSCRED: PassCred = on; break;
            case SockOpt.SO_REUSEADDR: _reuseAddr = on; break;
            case SockOpt.SO_REUSEPORT: _reusePort = on; break;
            case SockOpt.SO_KEEPALIVE: _keepAlive = on; break;
            case SockOpt.SO_BROADCAST: _broadcast = on; break;
            case SockOpt.SO_DEBUG: _debug = on; break;
            case SockOpt.SO_OOBINLINE: _oobInline = on; break;
            case SockOpt.SO_DONTROUTE: _dontRoute = on; break;
            case SockOpt.SO_PRIORITY:
                if ((v < 0 || v > 6) && !t.Creds.Has(Cap.NET_ADMIN)) return -(long)Errno.EPERM;
                _priority = v; break;
            case SockOpt.SO_MARK:
                if (!t.Creds.Has(Cap.NET_ADMIN)) return -(long)Errno.EPERM;
                _mark = v; break;
            case SockOpt.SO_RCVLOWAT: RcvLowat = v < 0 ? int.MaxValue : Math.Max(v, 1); break;
            case SockOpt.SO_LINGER:
                if (val.Length < 8) return -(long)Errno.EINVAL;
                _lingerOn = on ? 1 : 0;
                _lingerSecs = BinaryPrimitives.ReadInt32LittleEndian(val.Slice(4));
                break;
            case SockOpt.SO_TYPE or SockOpt.SO_DOMAIN or SockOpt.SO_PROTOCOL or SockOpt.SO_ACCEPTCONN or SockOpt.SO_ERROR
                or SockOpt.SO_PEERCRED or SockOpt.SO_SNDLOWAT:
                return -(long)Errno.ENOPROTOOPT;
            default: return -(long)Errno.ENOPROTOOPT;
        }
        return 0;
    }
}
