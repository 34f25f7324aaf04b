namespace Sandbox.Linux.Abi;

/// <summary>Address families (linux/socket.h).</summary>
public static class SocketDomain
{
    public const int AF_UNSPEC = 0, AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, AF_NETLINK = 16, AF_PACKET = 17;
    /// <summary>AF_MAX: families at or above it are EAFNOSUPPORT before anything else is looked at.</summary>
    public const int AF_MAX = 46;
}

/// <summary>Socket types and the flags socket(2)/socketpair(2)/accept4(2) take in the type argument.</summary>
public static class SockType
{
    public const int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_RDM = 4, SOCK_SEQPACKET = 5,
        SOCK_DCCP = 6, SOCK_PACKET = 10, SOCK_MAX = 11, SOCK_TYPE_MASK = 0xf,
        SOCK_NONBLOCK = OpenFlags.O_NONBLOCK, SOCK_CLOEXEC = OpenFlags.O_CLOEXEC;
}

/// <summary>send/recv flags (linux/socket.h).</summary>
public static class MsgFlags
{
    public const int MSG_OOB = 1, MSG_PEEK = 2, MSG_DONTROUTE = 4, MSG_CTRUNC = 8, MSG_PROXY = 0x10,
        MSG_TRUNC = 0x20, MSG_DONTWAIT = 0x40, MSG_EOR = 0x80, MSG_WAITALL = 0x100, MSG_FIN = 0x200,
        MSG_SYN = 0x400, MSG_CONFIRM = 0x800, MSG_RST = 0x1000, MSG_ERRQUEUE = 0x2000,
        MSG_NOSIGNAL = 0x4000, MSG_MORE = 0x8000, MSG_WAITFORONE = 0x10000, MSG_BATCH = 0x40000,
        MSG_ZEROCOPY = 0x4000000, MSG_FASTOPEN = 0x20000000, MSG_CMSG_CLOEXEC = 0x40000000;
}

public static class SocketLevel
{
    public const int SOL_SOCKET = 1;
}

/// <summary>SOL_SOCKET option names (asm-generic/socket.h).</summary>
public static class SockOpt
{
    public const int SO_DEBUG = 1, SO_REUSEADDR = 2, SO_TYPE = 3, SO_ERROR = 4, SO_DONTROUTE = 5,
        SO_BROADCAST = 6, SO_SNDBUF = 7, SO_RCVBUF = 8, SO_KEEPALIVE = 9, SO_OOBINLINE = 10,
        SO_NO_CHECK = 11, SO_PRIORITY = 12, SO_LINGER = 13, SO_BSDCOMPAT = 14, SO_REUSEPORT = 15,
        SO_PASSCRED = 16, SO_PEERCRED = 17, SO_RCVLOWAT = 18, SO_SNDLOWAT = 19, SO_RCVTIMEO_OLD = 20,
        SO_SNDTIMEO_OLD = 21, SO_BINDTODEVICE = 25, SO_TIMESTAMP_OLD = 29, SO_ACCEPTCONN = 30,
        SO_PEERSEC = 31, SO_SNDBUFFORCE = 32, SO_RCVBUFFORCE = 33, SO_PASSSEC = 34, SO_MARK = 36,
        SO_PROTOCOL = 38, SO_DOMAIN = 39, SO_PEEK_OFF = 42, SO_COOKIE = 57, SO_RCVTIMEO_NEW = 66,
        SO_SNDTIMEO_NEW = 67;
    /// <summary>Options whose values hold a pointer (a BPF program): a host socket never gets them.</summary>
    public const int SO_ATTACH_FILTER = 26, SO_DETACH_FILTER = 27, SO_LOCK_FILTER = 44, SO_ATTACH_BPF = 50,
        SO_ATTACH_REUSEPORT_CBPF = 51, SO_ATTACH_REUSEPORT_EBPF = 52, SO_ZEROCOPY = 60;
}

/// <summary>Control message types at SOL_SOCKET.</summary>
public static class Scm
{
    public const int SCM_RIGHTS = 1, SCM_CREDENTIALS = 2;
    /// <summary>SCM_MAX_FD: the most descriptors one SCM_RIGHTS message carries.</summary>
    public const int MaxFds = 253;
}

public static class ShutdownHow
{
    public const int SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2;
}

/// <summary>Sizes of the structures the socket calls exchange (x86-64).</summary>
public static class SocketAbi
{
    /// <summary>struct sockaddr_un: sa_family_t sun_family; char sun_path[108].</summary>
    public const int SockaddrUnSize = 110, SunPathOffset = 2;
    /// <summary>struct sockaddr_storage.</summary>
    public const int SockaddrStorageSize = 128;
    /// <summary>struct msghdr: name, namelen, iov, iovlen, control, controllen, flags.</summary>
    public const int MsghdrSize = 56;
    /// <summary>struct mmsghdr: a msghdr and an unsigned msg_len, padded.</summary>
    public const int MmsghdrSize = 64;
    /// <summary>struct cmsghdr: size_t cmsg_len; int cmsg_level; int cmsg_type.</summary>
    public const int CmsghdrSize = 16;
    /// <summary>struct ucred: pid, uid, gid.</summary>
    public const int UcredSize = 12;
    /// <summary>UIO_MAXIOV.</summary>
    public const int IovMax = 1024;

    public static int CmsgAlign(int len) => (len + 7) & ~7;
    public static int CmsgLen(int len) => CmsghdrSize + len;
    public static int CmsgSpace(int len) => CmsghdrSize + CmsgAlign(len);
}
