using System.Buffers.Binary;
using System.Text;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Net.Inet;

/// <summary>IPPROTO_TCP options (tcp(7)) and the SOL_SOCKET ones TCP acts on.</summary>
public sealed partial class TcpSocket
{
    // Options kept for getsockopt only: the stack has no use for them.
    private int _cork, _quickAck = 1, _deferAccept, _userTimeout, _synCount = 6, _linger2 = 60, _windowClamp;

    protected override void ApplySocketOption(int name, int value, ReadOnlySpan<byte> val)
    {
        switch (name)
        {
            case SockOpt.SO_SNDBUF or SockOpt.SO_SNDBUFFORCE: _tcp.SendBufferSize = SndBuf; break;
            case SockOpt.SO_RCVBUF or SockOpt.SO_RCVBUFFORCE: _tcp.ReceiveBufferSize = RcvBuf; break;
            case SockOpt.SO_KEEPALIVE: _tcp.KeepAlive = value != 0; break;
            case SockOpt.SO_LINGER:
                lock (Stack.Sync) _tcp.LingerSeconds = value != 0 ? Math.Max(BinaryPrimitives.ReadInt32LittleEndian(val.Slice(4)), 0) : null;
                break;
        }
    }

    public override long GetSockOpt(Task t, int level, int name, Span<byte> val)
    {
        // An accepted socket inherits the listener's keepalive from the stack, not these fields.
        if (level == SocketLevel.SOL_SOCKET && name == SockOpt.SO_KEEPALIVE)
        {
            BinaryPrimitives.WriteInt32LittleEndian(val, _tcp.KeepAlive ? 1 : 0);
            return 4;
        }
        if (level != IpProto.SOL_TCP) return base.GetSockOpt(t, level, name, val);
        int v;
        switch (name)
        {
            case TcpOpt.TCP_NODELAY: v = _tcp.NoDelay ? 1 : 0; break;
            case TcpOpt.TCP_MAXSEG:
            {
                if (_tcp.RemoteName == null) { v = _tcp.MaxSegmentOption != 0 ? _tcp.MaxSegmentOption : 536; break; }
                _tcp.GetInfo(out var info);
                v = (int)info.SndMss;
                break;
            }
            case TcpOpt.TCP_KEEPIDLE: v = _tcp.KeepIdleSeconds; break;
            case TcpOpt.TCP_KEEPINTVL: v = _tcp.KeepIntervalSeconds; break;
            case TcpOpt.TCP_KEEPCNT: v = _tcp.KeepCount; break;
            case TcpOpt.TCP_CORK: v = _cork; break;
            case TcpOpt.TCP_QUICKACK: v = _quickAck; break;
            case TcpOpt.TCP_DEFER_ACCEPT: v = _deferAccept; break;
            case TcpOpt.TCP_USER_TIMEOUT: v = _userTimeout; break;
            case TcpOpt.TCP_SYNCNT: v = _synCount; break;
            case TcpOpt.TCP_LINGER2: v = _linger2; break;
            case TcpOpt.TCP_WINDOW_CLAMP: v = _windowClamp; break;
            case TcpOpt.TCP_INFO:
            {
                _tcp.GetInfo(out var info);
                return info.WriteLinux(val);
            }
            case TcpOpt.TCP_CONGESTION:
            {
                var name16 = val.Slice(0, TcpOpt.CongestionNameMax);
                name16.Clear();
                Encoding.ASCII.GetBytes(_tcp.CongestionControlName, name16);
                return TcpOpt.CongestionNameMax;
            }
            default: return -(long)Errno.ENOPROTOOPT;
        }
        BinaryPrimitives.WriteInt32LittleEndian(val, v);
        return 4;
    }

    public override long SetSockOpt(Task t, int level, int name, ReadOnlySpan<byte> val)
    {
        if (level != IpProto.SOL_TCP) return base.SetSockOpt(t, level, name, val);
        if (name == TcpOpt.TCP_CONGESTION)
        {
            if (val.Length < 1) return -(long)Errno.EINVAL;
            var s = val.Slice(0, Math.Min(val.Length, TcpOpt.CongestionNameMax - 1));
            int nul = s.IndexOf((byte)0);
            if (nul >= 0) s = s.Slice(0, nul);
            return _tcp.SetCongestionControl(Encoding.ASCII.GetString(s));
        }
        if (val.Length < 4) return -(long)Errno.EINVAL;
        int v = BinaryPrimitives.ReadInt32LittleEndian(val);
        switch (name)
        {
            case TcpOpt.TCP_NODELAY:
                lock (Stack.Sync) _tcp.NoDelay = v != 0;
                break;
            case TcpOpt.TCP_MAXSEG:
                // TCP_MIN_MSS (88) .. MAX_TCP_WINDOW; 0 returns to the route's MSS.
                if (v != 0 && (v < 88 || v > 32767)) return -(long)Errno.EINVAL;
                lock (Stack.Sync) _tcp.MaxSegmentOption = v;
                break;
            case TcpOpt.TCP_KEEPIDLE or TcpOpt.TCP_KEEPINTVL:
                if (v < 1 || v > 32767) return -(long)Errno.EINVAL;
                lock (Stack.Sync)
                    if (name == TcpOpt.TCP_KEEPIDLE) _tcp.KeepIdleSeconds = v; else _tcp.KeepIntervalSeconds = v;
                break;
            case TcpOpt.TCP_KEEPCNT:
                if (v < 1 || v > 127) return -(long)Errno.EINVAL;
                lock (Stack.Sync) _tcp.KeepCount = v;
                break;
            case TcpOpt.TCP_CORK: _cork = v != 0 ? 1 : 0; break;
            case TcpOpt.TCP_QUICKACK: _quickAck = v != 0 ? 1 : 0; break;
            case TcpOpt.TCP_DEFER_ACCEPT: _deferAccept = Math.Max(v, 0); break;
            case TcpOpt.TCP_USER_TIMEOUT:
                if (v < 0) return -(long)Errno.EINVAL;
                _userTimeout = v; break;
            case TcpOpt.TCP_SYNCNT:
                if (v < 1 || v > 127) return -(long)Errno.EINVAL;
                _synCount = v; break;
            case TcpOpt.TCP_LINGER2: _linger2 = v; break;
            case TcpOpt.TCP_WINDOW_CLAMP: _windowClamp = v; break;
            default: return -(long)Errno.ENOPROTOOPT;
        }
        return 0;
    }
}
