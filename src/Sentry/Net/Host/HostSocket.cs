using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Linux.Native;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Net.Host;

/// <summary>
/// --network=host: an AF_INET/AF_INET6 socket that is a socket of the host kernel, in the
/// Sentry's own network namespace (gVisor's hostinet). The host fd is always non-blocking;
/// blocking, SO_RCVTIMEO/SO_SNDTIMEO, signals and SIGPIPE stay the Sentry's, so a signal
/// interrupts a blocked call as on Linux. Addresses and option values have the same layout on
/// both sides and pass through unchanged; anything that carries a pointer is refused.
/// </summary>
public sealed unsafe partial class HostSocket : Socket
{
    private const int SYS_socket = 41, SYS_connect = 42, SYS_sendmsg = 46, SYS_recvmsg = 47, SYS_shutdown = 48,
        SYS_bind = 49, SYS_listen = 50, SYS_getsockname = 51, SYS_getpeername = 52, SYS_setsockopt = 54,
        SYS_getsockopt = 55, SYS_accept4 = 288;
    private const int SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    private const int NetlinkRoute = 0;

    private int _fd;
    private readonly long _watch;

    private HostSocket(int fd, int family, int type, int protocol, int flags) : base(family, type, protocol, flags)
    {
        _fd = fd;
        _watch = HostSocketWatcher.Add(fd, this);
    }

    /// <summary>socket(2) on the host, as the application asked (less its SOCK_NONBLOCK, which the Sentry keeps).</summary>
    public static long Create(Task t, int family, int type, int protocol, int flags, out Socket? socket)
    {
        socket = null;
        // Raw and packet access are the sandbox's capability to grant, not the Sentry's.
        if (type == SockType.SOCK_RAW && family != SocketDomain.AF_NETLINK && !t.Creds.Has(Cap.NET_RAW)) return -(long)Errno.EPERM;
        if (type is not (SockType.SOCK_STREAM or SockType.SOCK_DGRAM or SockType.SOCK_RAW or SockType.SOCK_SEQPACKET))
            return -(long)Errno.ESOCKTNOSUPPORT;
        // Netlink: the routing family only, and only to read (see SendMsg).
        if (family == SocketDomain.AF_NETLINK && protocol != NetlinkRoute) return -(long)Errno.EPROTONOSUPPORT;
        long fd = Sys.Syscall(SYS_socket, family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
        if (fd < 0) return fd;
        socket = new HostSocket((int)fd, family, type, protocol, flags);
        return 0;
    }

    public override int HostPollFd => _fd;

    public override short Readiness(short events)
    {
        short r = Sys.PollNow(_fd, events);
        if (HasRefusals) r |= (short)(events & (Poll.POLLIN | Poll.POLLRDNORM));
        return r;
    }

    /// <summary>Waits until the host fd is ready for <paramref name="events"/> (or has an error or hang-up).</summary>
    private long WaitFor(Task t, short events, long deadline)
    {
        short any = (short)(events | Poll.POLLERR | Poll.POLLHUP);
        var r = t.BlockUntil(() => (Readiness(any) & any) != 0, deadline, Queue, _fd, events);
        return r switch
        {
            BlockResult.Ready => 0,
            BlockResult.TimedOut => -(long)Errno.EAGAIN,
            _ => deadline < 0 ? -(long)Errno.ERESTARTSYS : -(long)Errno.EINTR,
        };
    }

    public override long Bind(Task t, ReadOnlySpan<byte> addr)
    {
        fixed (byte* p = addr) return Sys.Syscall(SYS_bind, _fd, (long)p, addr.Length);
    }

    public override long Listen(Task t, int backlog) => Sys.Syscall(SYS_listen, _fd, backlog);

    public override long Accept(Task t, out Socket? accepted)
    {
        accepted = null;
        while (true)
        {
            long fd = Sys.Syscall(SYS_accept4, _fd, 0, 0, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd >= 0)
            {
                // accept4's flags (SOCK_NONBLOCK for the new file) are applied by the caller.
                accepted = new HostSocket((int)fd, Family, Type, Protocol, 0);
                return 0;
            }
            if (fd != -(long)Errno.EAGAIN || NonBlocking) return fd;
            long w = WaitFor(t, Poll.POLLIN, RecvDeadline);
            if (w < 0) return w;
        }
    }

    public override long Connect(Task t, ReadOnlySpan<byte> addr)
    {
        long r;
        fixed (byte* p = addr) r = Sys.Syscall(SYS_connect, _fd, (long)p, addr.Length);
        // A blocking connect waits for the handshake; a restarted one finds it under way (EALREADY).
        if ((r != -(long)Errno.EINPROGRESS && r != -(long)Errno.EALREADY) || NonBlocking) return r;
        long w = WaitFor(t, Poll.POLLOUT, SendDeadline);
        if (w == -(long)Errno.EAGAIN) return -(long)Errno.EINPROGRESS; // SO_SNDTIMEO ran out: inet_stream_connect
        if (w < 0) return w;
        int err = 0, len = 4;
        long g = Sys.Syscall(SYS_getsockopt, _fd, SocketLevel.SOL_SOCKET, SockOpt.SO_ERROR, (long)&err, (long)&len);
        return g < 0 ? g : -err;
    }

    public override long Shutdown(Task t, int how)
    {
        long r = Sys.Syscall(SYS_shutdown, _fd, how);
        Queue.Notify();
        return r;
    }

    public override int GetName(Span<byte> addr) => Name(SYS_getsockname, addr);

    public override int GetPeerName(Span<byte> addr) => Name(SYS_getpeername, addr);

    private int Name(int nr, Span<byte> addr)
    {
        int len = addr.Length;
        fixed (byte* p = addr) { long r = Sys.Syscall(nr, _fd, (long)p, (long)&len); return r < 0 ? (int)r : Math.Min(len, addr.Length); }
    }

    public override long InQueue() => QueueIoctl(Linux.Abi.Ioctl.FIONREAD);
    public override long OutQueue() => QueueIoctl(0x5411 /* SIOCOUTQ */);

    private long QueueIoctl(uint cmd)
    {
        int v = 0;
        long r = Sys.Syscall(Sys.SYS_ioctl, _fd, cmd, (long)&v);
        return r < 0 ? r : v;
    }

    protected override bool IsListening
    {
        get
        {
            int v = 0, len = 4;
            return Sys.Syscall(SYS_getsockopt, _fd, SocketLevel.SOL_SOCKET, SockOpt.SO_ACCEPTCONN, (long)&v, (long)&len) >= 0 && v != 0;
        }
    }

    protected override void Release()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd < 0) return;
        HostSocketWatcher.Remove(_watch, fd);
        Sys.Close(fd);
        base.Release();
    }
}
