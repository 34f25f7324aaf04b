using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Linux.Native;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Net.Host;

/// <summary>
/// --network=host: the network device ioctls (netdevice(7)) answer what the host's interfaces
/// are. Queries pass through with a struct ifreq copied in and out; SIOCGIFCONF's buffer is the
/// Sentry's and copied to the application's. Changes (SIOCSIF*, bridges, ethtool) are EPERM:
/// the host's network is shared, the sandbox may look at it but not reconfigure it.
/// </summary>
public static unsafe class HostInterfaceIoctl
{
    private static int _fd = -1;

    /// <summary>A host socket to ask on (any socket will do for these ioctls).</summary>
    private static int Fd
    {
        get
        {
            if (Volatile.Read(ref _fd) is var fd && fd >= 0) return fd;
            long s = Sys.Syscall(41 /* socket */, SocketDomain.AF_INET, SockType.SOCK_DGRAM | 0x80000 /* SOCK_CLOEXEC */, 0);
            if (s < 0) return (int)s;
            if (Interlocked.CompareExchange(ref _fd, (int)s, -1) != -1) Sys.Close((int)s);
            return _fd;
        }
    }

    public static long Handle(Task t, uint cmd, ulong arg)
    {
        switch (cmd)
        {
            case SockIoctl.SIOCGIFNAME or SockIoctl.SIOCGIFFLAGS or SockIoctl.SIOCGIFADDR or SockIoctl.SIOCGIFDSTADDR
                or SockIoctl.SIOCGIFBRDADDR or SockIoctl.SIOCGIFNETMASK or SockIoctl.SIOCGIFMETRIC or SockIoctl.SIOCGIFMTU
                or SockIoctl.SIOCGIFHWADDR or SockIoctl.SIOCGIFINDEX or SockIoctl.SIOCGIFTXQLEN or SockIoctl.SIOCGIFMAP:
            {
                byte* ifr = stackalloc byte[SockIoctl.IfreqSize];
                var span = new Span<byte>(ifr, SockIoctl.IfreqSize);
                if (t.MM.CopyIn(arg, span) < 0) return -(long)Errno.EFAULT;
                int fd = Fd;
                if (fd < 0) return fd;
                long r = Sys.Syscall(Sys.SYS_ioctl, fd, cmd, (long)ifr);
                if (r < 0) return r;
                return t.MM.CopyOut(arg, span) < 0 ? -(long)Errno.EFAULT : 0;
            }
            case SockIoctl.SIOCGIFCONF:
                return IfConf(t, arg);
            default:
                // 0x89xx: the set commands and the rest of sockios.h.
                return cmd is >= 0x8900 and <= 0x89ff ? -(long)Errno.EPERM : -(long)Errno.ENOTTY;
        }
    }

    /// <summary>struct ifconf { int ifc_len; char *ifc_buf; }: a null buffer asks for the length needed.</summary>
    private static long IfConf(Task t, ulong arg)
    {
        if (t.MM.Read(arg, out int len) < 0 || t.MM.Read(arg + 8, out ulong buf) < 0) return -(long)Errno.EFAULT;
        int fd = Fd;
        if (fd < 0) return fd;
        int room = buf == 0 ? 0 : Math.Clamp(len, 0, 64 * 1024);
        var data = new byte[Math.Max(room, 1)];
        long* conf = stackalloc long[2];
        fixed (byte* d = data)
        {
            *(int*)conf = room;
            conf[1] = buf == 0 ? 0 : (long)d;
            long r = Sys.Syscall(Sys.SYS_ioctl, fd, SockIoctl.SIOCGIFCONF, (long)conf);
            if (r < 0) return r;
        }
        int used = *(int*)conf;
        if (buf != 0 && used > 0 && t.MM.CopyOut(buf, data.AsSpan(0, used)) < 0) return -(long)Errno.EFAULT;
        return t.MM.Write(arg, used) < 0 ? -(long)Errno.EFAULT : 0;
    }
}
