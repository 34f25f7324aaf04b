using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Net.Unix;

namespace Sandbox.Sentry.Net;

/// <summary>
/// Which address families the sandbox offers and how their sockets are made. AF_UNIX is built
/// in; a TCP/IP stack registers AF_INET/AF_INET6 here. Unregistered families are EAFNOSUPPORT.
/// </summary>
public static class SocketFamilies
{
    /// <summary>Makes a socket of a type (SOCK_NONBLOCK in flags). 0 or -errno (EPROTONOSUPPORT, ESOCKTNOSUPPORT, ...).</summary>
    public delegate long Factory(Task t, int type, int protocol, int flags, out Socket? socket);
    /// <summary>socketpair(2) where the family has it (EOPNOTSUPP otherwise).</summary>
    public delegate long PairFactory(Task t, int type, int protocol, int flags, out Socket? a, out Socket? b);

    private static readonly Factory?[] Factories = new Factory?[SocketDomain.AF_MAX];
    private static readonly PairFactory?[] PairFactories = new PairFactory?[SocketDomain.AF_MAX];

    static SocketFamilies()
    {
        Register(SocketDomain.AF_UNIX, CreateUnix, PairUnix);
        Register(SocketDomain.AF_INET, (Task t, int type, int protocol, int flags, out Socket? s) => CreateInet(t, SocketDomain.AF_INET, type, protocol, flags, out s));
        Register(SocketDomain.AF_INET6, (Task t, int type, int protocol, int flags, out Socket? s) => CreateInet(t, SocketDomain.AF_INET6, type, protocol, flags, out s));
        Register(SocketDomain.AF_NETLINK, CreateNetlink);
    }

    public static void Register(int family, Factory create, PairFactory? pair = null)
    {
        Factories[family] = create;
        PairFactories[family] = pair;
    }

    /// <summary>__sock_create's checks, then the family's.</summary>
    private const int AfPacket = 17;

    public static long Create(Task t, int family, int type, int protocol, int flags, out Socket? socket)
    {
        socket = null;
        if ((uint)family >= SocketDomain.AF_MAX) return -(long)Errno.EAFNOSUPPORT;
        if ((uint)type >= SockType.SOCK_MAX) return -(long)Errno.EINVAL;
        var f = Factories[family];
        // packet(7) sockets take CAP_NET_RAW before anything else is looked at.
        if (f == null && family == AfPacket && !t.Creds.Has(Linux.Abi.Cap.NET_RAW)) return -(long)Errno.EPERM;
        return f == null ? -(long)Errno.EAFNOSUPPORT : f(t, type, protocol, flags, out socket);
    }

    public static long CreatePair(Task t, int family, int type, int protocol, int flags, out Socket? a, out Socket? b)
    {
        a = b = null;
        if ((uint)family >= SocketDomain.AF_MAX) return -(long)Errno.EAFNOSUPPORT;
        if ((uint)type >= SockType.SOCK_MAX) return -(long)Errno.EINVAL;
        if (Factories[family] == null) return -(long)Errno.EAFNOSUPPORT;
        var p = PairFactories[family];
        if (p == null)
        {
            // The family exists but pairs nothing: create one to get its own errors first, as Linux does.
            long r = Factories[family]!(t, type, protocol, flags, out var s);
            if (r < 0) return r;
            s!.DecRef();
            return -(long)Errno.EOPNOTSUPP;
        }
        return p(t, type, protocol, flags, out a, out b);
    }

    /// <summary>The sandbox's own stack, or with --network=host the host's sockets.</summary>
    private static long CreateInet(Task t, int family, int type, int protocol, int flags, out Socket? socket) =>
        t.Kernel.Options.Network == Inet.NetworkMode.Host
            ? Host.HostSocket.Create(t, family, type, protocol, flags, out socket)
            : Inet.InetSocket.Create(t, family, type, protocol, flags, out socket);

    /// <summary>Routing netlink: the sandbox's stack, or the host's (read-only) with --network=host.</summary>
    private static long CreateNetlink(Task t, int type, int protocol, int flags, out Socket? socket)
    {
        socket = null;
        if (t.Kernel.Options.Network != Inet.NetworkMode.Host) return Netlink.NetlinkSocket.Create(t, type, protocol, flags, out socket);
        if (type is not (SockType.SOCK_RAW or SockType.SOCK_DGRAM)) return -(long)Errno.ESOCKTNOSUPPORT;
        return Host.HostSocket.Create(t, SocketDomain.AF_NETLINK, type, protocol, flags, out socket);
    }

    /// <summary>unix_create(): protocol 0 or PF_UNIX; SOCK_RAW is taken as SOCK_DGRAM.</summary>
    private static long UnixType(int type, int protocol, out int unixType)
    {
        unixType = type == SockType.SOCK_RAW ? SockType.SOCK_DGRAM : type;
        if (protocol != 0 && protocol != SocketDomain.AF_UNIX) return -(long)Errno.EPROTONOSUPPORT;
        return unixType is SockType.SOCK_STREAM or SockType.SOCK_DGRAM or SockType.SOCK_SEQPACKET ? 0 : -(long)Errno.ESOCKTNOSUPPORT;
    }

    private static long CreateUnix(Task t, int type, int protocol, int flags, out Socket? socket)
    {
        socket = null;
        long r = UnixType(type, protocol, out int ut);
        if (r < 0) return r;
        socket = new UnixSocket(ut, flags);
        return 0;
    }

    private static long PairUnix(Task t, int type, int protocol, int flags, out Socket? a, out Socket? b)
    {
        a = b = null;
        long r = UnixType(type, protocol, out int ut);
        if (r < 0) return r;
        (a, b) = UnixSocket.Pair(t, ut, flags);
        return 0;
    }
}
