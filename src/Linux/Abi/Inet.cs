namespace Sandbox.Linux.Abi;

/// <summary>IP protocol numbers and option levels (netinet/in.h).</summary>
public static class IpProto
{
    public const int IPPROTO_IP = 0, IPPROTO_ICMP = 1, IPPROTO_TCP = 6, IPPROTO_UDP = 17, IPPROTO_IPV6 = 41, IPPROTO_ICMPV6 = 58;
    /// <summary>SOL_RAW (ICMP_FILTER) and SOL_ICMPV6 (ICMP6_FILTER) levels.</summary>
    public const int SOL_RAW = 255, SOL_ICMPV6 = 58;
    /// <summary>ICMP_FILTER (linux/icmp.h) and ICMP6_FILTER (linux/icmpv6.h): both 1.</summary>
    public const int ICMP_FILTER = 1, ICMP6_FILTER = 1;
    /// <summary>Option levels are the protocol numbers: SOL_IP 0, SOL_TCP 6, SOL_UDP 17, SOL_IPV6 41.</summary>
    public const int SOL_IP = 0, SOL_TCP = 6, SOL_UDP = 17, SOL_IPV6 = 41;
}

/// <summary>IPPROTO_IP options (linux/in.h).</summary>
public static class IpOpt
{
    public const int IP_TOS = 1, IP_TTL = 2, IP_RECVERR = 11, IP_MTU_DISCOVER = 10, IP_TRANSPARENT = 19, IP_MULTICAST_TTL = 33;
}

/// <summary>IPPROTO_IPV6 options (linux/in6.h).</summary>
public static class Ipv6Opt
{
    public const int IPV6_UNICAST_HOPS = 16, IPV6_V6ONLY = 26, IPV6_TCLASS = 67;
}

/// <summary>IPPROTO_TCP options (linux/tcp.h).</summary>
public static class TcpOpt
{
    public const int TCP_NODELAY = 1, TCP_MAXSEG = 2, TCP_CORK = 3, TCP_KEEPIDLE = 4, TCP_KEEPINTVL = 5,
        TCP_KEEPCNT = 6, TCP_SYNCNT = 7, TCP_LINGER2 = 8, TCP_DEFER_ACCEPT = 9, TCP_WINDOW_CLAMP = 10,
        TCP_INFO = 11, TCP_QUICKACK = 12, TCP_CONGESTION = 13, TCP_USER_TIMEOUT = 18, TCP_REPAIR = 19,
        TCP_ZEROCOPY_RECEIVE = 35;
    /// <summary>TCP_CA_NAME_MAX.</summary>
    public const int CongestionNameMax = 16;
}

/// <summary>struct sockaddr_in / sockaddr_in6 sizes (x86-64).</summary>
public static class InetAbi
{
    public const int SockaddrInSize = 16, SockaddrIn6Size = 28;
    /// <summary>SIN6_LEN_RFC2133: a sockaddr_in6 without sin6_scope_id, still accepted.</summary>
    public const int SockaddrIn6MinSize = 24;
}

/// <summary>Network device ioctls (linux/sockios.h) and struct ifreq (40 bytes on x86-64).</summary>
public static class SockIoctl
{
    public const uint SIOCGIFNAME = 0x8910, SIOCGIFCONF = 0x8912, SIOCGIFFLAGS = 0x8913, SIOCGIFADDR = 0x8915,
        SIOCGIFNETMASK = 0x891b, SIOCGIFMTU = 0x8921, SIOCGIFHWADDR = 0x8927, SIOCGIFINDEX = 0x8933;
    /// <summary>More read-only queries, each a struct ifreq in and out.</summary>
    public const uint SIOCGIFDSTADDR = 0x8917, SIOCGIFBRDADDR = 0x8919, SIOCGIFMETRIC = 0x891d,
        SIOCGIFTXQLEN = 0x8942, SIOCGIFMAP = 0x8970;
    /// <summary>Changes, CAP_NET_ADMIN only: struct ifreq in.</summary>
    public const uint SIOCSIFFLAGS = 0x8914, SIOCSIFADDR = 0x8916, SIOCSIFNETMASK = 0x891c, SIOCSIFMTU = 0x8922;
    /// <summary>Bridges (linux/sockios.h): SIOCBRADDBR/DELBR take a name, SIOCBRADDIF/DELIF an ifreq with ifr_ifindex.</summary>
    public const uint SIOCBRADDBR = 0x89a0, SIOCBRDELBR = 0x89a1, SIOCBRADDIF = 0x89a2, SIOCBRDELIF = 0x89a3;
    public const int IfreqSize = 40, IfNameSize = 16;
    public const int IFF_UP = 0x1, IFF_BROADCAST = 0x2, IFF_LOOPBACK = 0x8, IFF_RUNNING = 0x40, IFF_MULTICAST = 0x1000;
}
