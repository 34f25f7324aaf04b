namespace Sandbox.Linux.Abi;

/// <summary>Netlink (netlink(7), linux/netlink.h): header, message types and flags.</summary>
public static class NetlinkAbi
{
    public const int NETLINK_ROUTE = 0, MAX_LINKS = 32, SOL_NETLINK = 270;
    /// <summary>struct nlmsghdr: len, type, flags, seq, pid (16 bytes); struct sockaddr_nl is 12.</summary>
    public const int HeaderSize = 16, SockaddrNlSize = 12;
    public const ushort NLMSG_NOOP = 1, NLMSG_ERROR = 2, NLMSG_DONE = 3, NLMSG_MIN_TYPE = 0x10;
    public const ushort NLM_F_REQUEST = 1, NLM_F_MULTI = 2, NLM_F_ACK = 4, NLM_F_ROOT = 0x100, NLM_F_MATCH = 0x200,
        NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH, NLM_F_CAPPED = 0x100;
    // setsockopt(SOL_NETLINK) options.
    public const int NETLINK_ADD_MEMBERSHIP = 1, NETLINK_DROP_MEMBERSHIP = 2, NETLINK_PKTINFO = 3, NETLINK_BROADCAST_ERROR = 4,
        NETLINK_NO_ENOBUFS = 5, NETLINK_LISTEN_ALL_NSID = 8, NETLINK_CAP_ACK = 10, NETLINK_EXT_ACK = 11, NETLINK_GET_STRICT_CHK = 12;
}

/// <summary>rtnetlink (rtnetlink(7), linux/rtnetlink.h, if_link.h, if_addr.h).</summary>
public static class Rtnl
{
    public const ushort RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18, RTM_SETLINK = 19,
        RTM_NEWADDR = 20, RTM_DELADDR = 21, RTM_GETADDR = 22, RTM_NEWROUTE = 24, RTM_DELROUTE = 25, RTM_GETROUTE = 26,
        RTM_NEWNEIGH = 28, RTM_GETNEIGH = 30, RTM_NEWRULE = 32, RTM_GETRULE = 34, RTM_NEWQDISC = 36, RTM_MAX = 0x83;
    /// <summary>struct ifinfomsg 16, ifaddrmsg 8, rtmsg 12 bytes.</summary>
    public const int IfInfoSize = 16, IfAddrSize = 8, RtMsgSize = 12;
    public const ushort IFLA_ADDRESS = 1, IFLA_BROADCAST = 2, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_TXQLEN = 13,
        IFLA_OPERSTATE = 16, IFLA_LINKMODE = 17, IFLA_MIN_MTU = 50, IFLA_MAX_MTU = 51,
        IFLA_MASTER = 10, IFLA_LINKINFO = 18, IFLA_INFO_KIND = 1;
    /// <summary>nlmsghdr flags of new-object requests.</summary>
    public const ushort NLM_F_REPLACE = 0x100, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400, NLM_F_APPEND = 0x800;
    public const ushort IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_LABEL = 3, IFA_BROADCAST = 4, IFA_CACHEINFO = 6, IFA_FLAGS = 8;
    public const ushort RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_PRIORITY = 6, RTA_PREFSRC = 7, RTA_TABLE = 15, RTA_PREF = 20;
    public const uint IFF_UP = 1, IFF_BROADCAST = 2, IFF_LOOPBACK = 8, IFF_RUNNING = 0x40, IFF_MULTICAST = 0x1000, IFF_LOWER_UP = 0x10000;
    public const byte IFA_F_PERMANENT = 0x80, IF_OPER_UNKNOWN = 0, IF_OPER_DOWN = 2, IF_OPER_UP = 6;
    public const byte RT_SCOPE_UNIVERSE = 0, RT_SCOPE_LINK = 253, RT_SCOPE_HOST = 254, RT_TABLE_MAIN = 254, RT_TABLE_LOCAL = 255;
    public const byte RTPROT_KERNEL = 2, RTPROT_BOOT = 3, RTN_UNICAST = 1, RTN_LOCAL = 2, RT_SCOPE_NOWHERE = 255;
    public const uint RTM_F_CLONED = 0x200;
    public const ushort ARPHRD_ETHER = 1, ARPHRD_LOOPBACK = 772;
}
