using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Linux.Native;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Net.Host;

public sealed unsafe partial class HostSocket
{
    /// <summary>
    /// Options the Sentry keeps (timeouts, which decide its own waits), options refused (values
    /// with pointers, zero-copy into the Sentry's buffers, TCP repair), and the rest passed to the
    /// host socket after the sandbox's own capability checks.
    /// </summary>
    private static long Vet(Task t, int level, int name, bool set)
    {
        switch (level)
        {
            case SocketLevel.SOL_SOCKET:
                switch (name)
                {
                    case SockOpt.SO_ATTACH_FILTER or SockOpt.SO_DETACH_FILTER or SockOpt.SO_LOCK_FILTER or SockOpt.SO_ATTACH_BPF
                        or SockOpt.SO_ATTACH_REUSEPORT_CBPF or SockOpt.SO_ATTACH_REUSEPORT_EBPF or SockOpt.SO_ZEROCOPY:
                        return -(long)Errno.ENOPROTOOPT;
                    case SockOpt.SO_SNDBUFFORCE or SockOpt.SO_RCVBUFFORCE or SockOpt.SO_MARK when set:
                        return t.Creds.Has(Cap.NET_ADMIN) ? 0 : -(long)Errno.EPERM;
                    case SockOpt.SO_BINDTODEVICE when set:
                        return t.Creds.Has(Cap.NET_RAW) ? 0 : -(long)Errno.EPERM;
                }
                return 0;
            case IpProto.SOL_TCP:
                return name is TcpOpt.TCP_ZEROCOPY_RECEIVE or TcpOpt.TCP_REPAIR ? -(long)Errno.ENOPROTOOPT : 0;
            case IpProto.SOL_IP:
                return set && name == IpOpt.IP_TRANSPARENT && !t.Creds.Has(Cap.NET_ADMIN) && !t.Creds.Has(Cap.NET_RAW) ? -(long)Errno.EPERM : 0;
            default:
                return 0;
        }
    }

    private static bool SentryOption(int level, int name) => level == SocketLevel.SOL_SOCKET
        && name is SockOpt.SO_RCVTIMEO_OLD or SockOpt.SO_SNDTIMEO_OLD or SockOpt.SO_RCVTIMEO_NEW or SockOpt.SO_SNDTIMEO_NEW;

    public override long GetSockOpt(Task t, int level, int name, Span<byte> val)
    {
        if (SentryOption(level, name)) return base.GetSockOpt(t, level, name, val);
        long v = Vet(t, level, name, set: false);
        if (v < 0) return v;
        int len = val.Length;
        fixed (byte* p = val)
        {
            long r = Sys.Syscall(SYS_getsockopt, _fd, level, name, (long)p, (long)&len);
            return r < 0 ? r : Math.Min(len, val.Length);
        }
    }

    public override long SetSockOpt(Task t, int level, int name, ReadOnlySpan<byte> val)
    {
        if (SentryOption(level, name)) return base.SetSockOpt(t, level, name, val);
        // SO_PRIORITY above 6 needs CAP_NET_ADMIN (sk_setsockopt); the host would grant it to the Sentry.
        if (level == SocketLevel.SOL_SOCKET && name == SockOpt.SO_PRIORITY && val.Length >= 4
            && (uint)System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(val) > 6 && !t.Creds.Has(Cap.NET_ADMIN))
            return -(long)Errno.EPERM;
        long v = Vet(t, level, name, set: true);
        if (v < 0) return v;
        fixed (byte* p = val)
        {
            long r = Sys.Syscall(SYS_setsockopt, _fd, level, name, (long)p, val.Length);
            if (r == 0) Queue.Notify(); // SO_RCVLOWAT and the like change readiness
            return r;
        }
    }

    private const uint SIOCATMARK = 0x8905;

    public override long Ioctl(Task task, uint cmd, ulong arg)
    {
        if (cmd != SIOCATMARK) return base.Ioctl(task, cmd, arg);
        int v = 0;
        long r = Sys.Syscall(Sys.SYS_ioctl, _fd, cmd, (long)&v);
        return r < 0 ? r : task.MM.Write(arg, v);
    }
}
