using System.Buffers.Binary;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Netstack;

namespace Sandbox.Sentry.Net.Netlink;

/// <summary>
/// NETLINK_ROUTE requests over the sandbox's stack (rtnetlink(7)): RTM_GETLINK, RTM_GETADDR
/// and RTM_GETROUTE dumps, RTM_GETLINK of one interface, NLMSG_ERROR acknowledgements as
/// netlink_rcv_skb sends them. Changes (RTM_NEW*/DEL*/SET* of links, addresses and routes,
/// RouteNetlink.Change.cs) are EPERM without CAP_NET_ADMIN; other changes are EOPNOTSUPP.
/// </summary>
internal static partial class RouteNetlink
{
    /// <summary>NLMSG_GOODSIZE on 4 KiB pages: how much of a dump goes in one datagram (glibc reads 4 KiB at a time).</summary>
    private const int DumpChunk = 3776;

    /// <summary>Answers every message of one datagram; the answers go out as datagrams into <paramref name="replies"/>.</summary>
    public static void Process(NetStack stack, ReadOnlySpan<byte> req, uint portid, bool capAck, bool netAdmin, List<byte[]> replies)
    {
        var w = new NetlinkWriter();
        while (req.Length >= NetlinkAbi.HeaderSize)
        {
            int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(req);
            if (len < NetlinkAbi.HeaderSize || len > req.Length) break;
            var msg = req[..len];
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(msg[4..]);
            ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(msg[6..]);
            uint seq = BinaryPrimitives.ReadUInt32LittleEndian(msg[8..]);
            int err = 0;
            bool acked = false;
            if ((flags & NetlinkAbi.NLM_F_REQUEST) != 0 && type >= NetlinkAbi.NLMSG_MIN_TYPE)
                err = Handle(stack, msg, type, flags, seq, portid, netAdmin, replies, out acked);
            if (!acked && ((flags & NetlinkAbi.NLM_F_ACK) != 0 || err != 0))
            {
                w.Clear();
                Ack(w, msg, err, seq, portid, capAck);
                replies.Add(w.Written.ToArray());
            }
            int step = (len + 3) & ~3;
            if (step >= req.Length) break;
            req = req[step..];
        }
    }

    /// <summary>netlink_ack: NLMSG_ERROR with the error and the request's header (its whole body too on errors, unless NETLINK_CAP_ACK).</summary>
    private static void Ack(NetlinkWriter w, ReadOnlySpan<byte> msg, int err, uint seq, uint portid, bool capAck)
    {
        bool capped = err == 0 || capAck;
        int at = w.Begin(NetlinkAbi.NLMSG_ERROR, capped ? NetlinkAbi.NLM_F_CAPPED : (ushort)0, seq, portid);
        var quoted = capped ? msg[..NetlinkAbi.HeaderSize] : msg;
        var body = w.Body(4 + quoted.Length);
        BinaryPrimitives.WriteInt32LittleEndian(body, err);
        quoted.CopyTo(body[4..]);
        w.End(at);
    }

    private static int Handle(NetStack stack, ReadOnlySpan<byte> msg, ushort type, ushort flags, uint seq, uint portid,
        bool netAdmin, List<byte[]> replies, out bool acked)
    {
        acked = false;
        if (type > Rtnl.RTM_MAX) return -(int)Errno.EOPNOTSUPP;
        // rtnetlink_rcv_msg: too short for struct rtgenmsg is silently accepted.
        if (msg.Length < NetlinkAbi.HeaderSize + 1) return 0;
        byte family = msg[NetlinkAbi.HeaderSize];
        var body = msg[NetlinkAbi.HeaderSize..];
        int kind = (type - Rtnl.RTM_NEWLINK) & 3;
        if (kind != 2)
        {
            if (!netAdmin) return -(int)Errno.EPERM;
            lock (stack.Sync) return Change(stack, type, flags, family, body);
        }
        bool dump = (flags & NetlinkAbi.NLM_F_DUMP) == NetlinkAbi.NLM_F_DUMP;
        var w = new NetlinkWriter();
        lock (stack.Sync)
        {
            if (dump)
            {
                var messages = new List<byte[]>();
                switch (type)
                {
                    case Rtnl.RTM_GETLINK:
                        foreach (var nic in stack.Nics) messages.Add(Link(w, nic, NetlinkAbi.NLM_F_MULTI, seq, portid));
                        break;
                    case Rtnl.RTM_GETADDR:
                        // rtnl_dump_all: AF_INET's addresses, then AF_INET6's.
                        foreach (bool v6 in new[] { false, true })
                        {
                            if (family != 0 && family != (v6 ? SocketDomain.AF_INET6 : SocketDomain.AF_INET)) continue;
                            foreach (var nic in stack.Nics)
                                foreach (var (a, p) in nic.AddressList)
                                    if (a.IsV6 == v6) messages.Add(Addr(w, nic, a, p, seq, portid));
                        }
                        break;
                    case Rtnl.RTM_GETROUTE:
                        foreach (bool v6 in new[] { false, true })
                        {
                            if (family != 0 && family != (v6 ? SocketDomain.AF_INET6 : SocketDomain.AF_INET)) continue;
                            // In the FIB trie's order, as Linux dumps it: by destination, shorter prefixes first.
                            var routes = stack.Routes.Where(r => r.Destination.IsV6 == v6)
                                .OrderBy(r => SortKey(r.Destination), StringComparer.Ordinal).ThenBy(r => r.Prefix);
                            foreach (var r in routes) messages.Add(RouteMsg(w, stack, r, seq, portid));
                        }
                        break;
                    default:
                        return -(int)Errno.EOPNOTSUPP;
                }
                Pack(messages, seq, portid, replies);
                acked = true;  // a dump ends with NLMSG_DONE, not an acknowledgement
                return 0;
            }
            if (type == Rtnl.RTM_GETROUTE) return GetRoute(stack, body, seq, portid, replies);
            if (type != Rtnl.RTM_GETLINK) return -(int)Errno.EOPNOTSUPP;
            // rtnl_getlink: by ifi_index, else by IFLA_IFNAME.
            if (body.Length < Rtnl.IfInfoSize) return -(int)Errno.EINVAL;
            int index = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
            string? name = null;
            foreach (var (t, v) in NetlinkAttributes.Parse(body[Rtnl.IfInfoSize..]))
                if (t == Rtnl.IFLA_IFNAME) name = System.Text.Encoding.ASCII.GetString(v).TrimEnd('\0');
            Nic? found = null;
            foreach (var nic in stack.Nics)
                if (index > 0 ? nic.Id == index : name != null && nic.Name == name) { found = nic; break; }
            if (index <= 0 && name == null) return -(int)Errno.EINVAL;
            if (found == null) return -(int)Errno.ENODEV;
            replies.Add(Link(w, found, 0, seq, portid));
            return 0;
        }
    }

    /// <summary>Puts a dump's messages into datagrams of at most <see cref="DumpChunk"/> bytes, NLMSG_DONE after the last.</summary>
    private static void Pack(List<byte[]> messages, uint seq, uint portid, List<byte[]> replies)
    {
        var done = new NetlinkWriter();
        int at = done.Begin(NetlinkAbi.NLMSG_DONE, NetlinkAbi.NLM_F_MULTI, seq, portid);
        done.Body(4);
        done.End(at);
        messages.Add(done.Written.ToArray());
        var cur = new List<byte>();
        foreach (var m in messages)
        {
            if (cur.Count > 0 && cur.Count + m.Length > DumpChunk) { replies.Add(cur.ToArray()); cur.Clear(); }
            cur.AddRange(m);
        }
        if (cur.Count > 0) replies.Add(cur.ToArray());
    }

    private static byte[] Link(NetlinkWriter w, Nic nic, ushort flags, uint seq, uint portid)
    {
        w.Clear();
        int at = w.Begin(Rtnl.RTM_NEWLINK, flags, seq, portid);
        var b = w.Body(Rtnl.IfInfoSize);
        BinaryPrimitives.WriteUInt16LittleEndian(b[2..], nic.IsLoopback ? Rtnl.ARPHRD_LOOPBACK : Rtnl.ARPHRD_ETHER);
        BinaryPrimitives.WriteInt32LittleEndian(b[4..], nic.Id);
        uint state = LinkFlags(nic);
        BinaryPrimitives.WriteUInt32LittleEndian(b[8..], state);
        w.AttrString(Rtnl.IFLA_IFNAME, nic.Name);
        w.AttrU32(Rtnl.IFLA_TXQLEN, 1000);
        w.AttrU8(Rtnl.IFLA_OPERSTATE, (state & Rtnl.IFF_LOWER_UP) == 0 ? Rtnl.IF_OPER_DOWN
            : nic.IsLoopback ? Rtnl.IF_OPER_UNKNOWN : Rtnl.IF_OPER_UP);
        w.AttrU8(Rtnl.IFLA_LINKMODE, 0);
        w.AttrU32(Rtnl.IFLA_MTU, (uint)nic.Mtu);
        Span<byte> mac = stackalloc byte[6];
        ulong m = nic.IsLoopback ? 0 : nic.Link.Mac.Value;
        for (int i = 0; i < 6; i++) mac[i] = (byte)(m >> (40 - 8 * i));
        w.Attr(Rtnl.IFLA_ADDRESS, mac);
        if (!nic.IsLoopback) mac.Fill(0xff);
        w.Attr(Rtnl.IFLA_BROADCAST, mac);
        if (nic.Master != null) w.AttrU32(Rtnl.IFLA_MASTER, (uint)nic.Master.Device.Id);
        if (nic.AsBridge != null)
        {
            // IFLA_LINKINFO { IFLA_INFO_KIND "bridge" }: one nested attribute.
            Span<byte> info = stackalloc byte[12];
            BinaryPrimitives.WriteUInt16LittleEndian(info, 11);
            BinaryPrimitives.WriteUInt16LittleEndian(info[2..], Rtnl.IFLA_INFO_KIND);
            "bridge\0"u8.CopyTo(info[4..]);
            w.Attr(Rtnl.IFLA_LINKINFO, info);
        }
        w.End(at);
        return w.Written.ToArray();
    }

    /// <summary>
    /// The flags SIOCGIFFLAGS and RTM_NEWLINK report: IFF_UP as set; running and lower up while
    /// up with a carrier (a bridge has one while some port is up).
    /// </summary>
    public static uint LinkFlags(Nic nic)
    {
        uint f = nic.IsLoopback ? Rtnl.IFF_LOOPBACK : Rtnl.IFF_BROADCAST | Rtnl.IFF_MULTICAST;
        if (!nic.Up) return f;
        f |= Rtnl.IFF_UP;
        if (nic.AsBridge is { HasCarrier: false }) return f;
        return f | Rtnl.IFF_RUNNING | Rtnl.IFF_LOWER_UP;
    }

    private static byte[] Addr(NetlinkWriter w, Nic nic, Address a, int prefix, uint seq, uint portid)
    {
        w.Clear();
        int at = w.Begin(Rtnl.RTM_NEWADDR, NetlinkAbi.NLM_F_MULTI, seq, portid);
        var b = w.Body(Rtnl.IfAddrSize);
        b[0] = (byte)(a.IsV6 ? SocketDomain.AF_INET6 : SocketDomain.AF_INET);
        b[1] = (byte)prefix;
        b[2] = Rtnl.IFA_F_PERMANENT;
        b[3] = a.IsLoopback ? Rtnl.RT_SCOPE_HOST : a.IsLinkLocalV6 ? Rtnl.RT_SCOPE_LINK : Rtnl.RT_SCOPE_UNIVERSE;
        BinaryPrimitives.WriteInt32LittleEndian(b[4..], nic.Id);
        Span<byte> raw = stackalloc byte[a.IsV6 ? 16 : 4];
        a.WriteTo(raw);
        w.Attr(Rtnl.IFA_ADDRESS, raw);
        if (!a.IsV6)
        {
            w.Attr(Rtnl.IFA_LOCAL, raw);
            if (!nic.IsLoopback && prefix < 31)
            {
                Address.FromV4(a.V4 | ~(0xffffffffu << (32 - prefix))).WriteTo(raw);
                w.Attr(Rtnl.IFA_BROADCAST, raw);
            }
            w.AttrString(Rtnl.IFA_LABEL, nic.Name);
        }
        w.AttrU32(Rtnl.IFA_FLAGS, Rtnl.IFA_F_PERMANENT);
        // struct ifa_cacheinfo: preferred and valid lifetimes (forever), created and updated stamps.
        Span<byte> ci = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(ci, uint.MaxValue);
        BinaryPrimitives.WriteUInt32LittleEndian(ci[4..], uint.MaxValue);
        w.Attr(Rtnl.IFA_CACHEINFO, ci);
        w.End(at);
        return w.Written.ToArray();
    }

    private static byte[] RouteMsg(NetlinkWriter w, NetStack stack, RouteEntry r, uint seq, uint portid)
    {
        w.Clear();
        bool v6 = r.Destination.IsV6, onLink = r.Gateway.IsUnspecified;
        int at = w.Begin(Rtnl.RTM_NEWROUTE, NetlinkAbi.NLM_F_MULTI, seq, portid);
        var b = w.Body(Rtnl.RtMsgSize);
        b[0] = (byte)(v6 ? SocketDomain.AF_INET6 : SocketDomain.AF_INET);
        b[1] = (byte)r.Prefix;
        b[4] = Rtnl.RT_TABLE_MAIN;
        b[5] = onLink && !r.Static ? Rtnl.RTPROT_KERNEL : Rtnl.RTPROT_BOOT;
        b[6] = onLink && !v6 ? Rtnl.RT_SCOPE_LINK : Rtnl.RT_SCOPE_UNIVERSE;
        b[7] = Rtnl.RTN_UNICAST;
        w.AttrU32(Rtnl.RTA_TABLE, Rtnl.RT_TABLE_MAIN);
        Span<byte> raw = stackalloc byte[v6 ? 16 : 4];
        if (r.Prefix > 0) { r.Destination.WriteTo(raw); w.Attr(Rtnl.RTA_DST, raw); }
        if (v6) w.AttrU32(Rtnl.RTA_PRIORITY, onLink ? 256u : 1024u);
        if (onLink && !v6 && !r.Static)
            foreach (var (a, p) in r.Nic.AddressList)
                if (!a.IsV6 && a.InPrefix(r.Destination, r.Prefix)) { a.WriteTo(raw); w.Attr(Rtnl.RTA_PREFSRC, raw); break; }
        if (!onLink) { r.Gateway.WriteTo(raw); w.Attr(Rtnl.RTA_GATEWAY, raw); }
        w.AttrU32(Rtnl.RTA_OIF, (uint)r.Nic.Id);
        w.End(at);
        return w.Written.ToArray();
    }

    /// <summary>
    /// inet_rtm_getroute / inet6_rtm_getroute: the route to RTA_DST as one RTM_NEWROUTE (a
    /// host route, RTM_F_CLONED; RTN_LOCAL in the local table for our own addresses).
    /// </summary>
    private static int GetRoute(NetStack stack, ReadOnlySpan<byte> body, uint seq, uint portid, List<byte[]> replies)
    {
        if (body.Length < Rtnl.RtMsgSize) return -(int)Errno.EINVAL;
        byte family = body[0];
        if (family != SocketDomain.AF_INET && family != SocketDomain.AF_INET6) return -(int)Errno.EOPNOTSUPP;
        bool v6 = family == SocketDomain.AF_INET6;
        Address dst = v6 ? Address.AnyV6 : Address.AnyV4;
        foreach (var (t, v) in NetlinkAttributes.Parse(body[Rtnl.RtMsgSize..]))
            if (t == Rtnl.RTA_DST && v.Length == (v6 ? 16 : 4)) dst = v6 ? Address.FromV6(v) : Address.FromV4(v);
        int e = stack.Lookup(dst, out var nic, out var src, out var hop);
        if (e != 0) return e;
        bool local = nic.IsLoopback;
        var w = new NetlinkWriter();
        int at = w.Begin(Rtnl.RTM_NEWROUTE, 0, seq, portid);
        var b = w.Body(Rtnl.RtMsgSize);
        b[0] = family;
        b[1] = (byte)(v6 ? 128 : 32);
        byte table = local ? Rtnl.RT_TABLE_LOCAL : Rtnl.RT_TABLE_MAIN;
        b[4] = table;
        b[6] = local ? Rtnl.RT_SCOPE_HOST : Rtnl.RT_SCOPE_UNIVERSE;
        b[7] = local ? Rtnl.RTN_LOCAL : Rtnl.RTN_UNICAST;
        BinaryPrimitives.WriteUInt32LittleEndian(b[8..], Rtnl.RTM_F_CLONED);
        w.AttrU32(Rtnl.RTA_TABLE, table);
        Span<byte> raw = stackalloc byte[v6 ? 16 : 4];
        dst.WriteTo(raw);
        w.Attr(Rtnl.RTA_DST, raw);
        w.AttrU32(Rtnl.RTA_OIF, (uint)nic.Id);
        src.WriteTo(raw);
        w.Attr(Rtnl.RTA_PREFSRC, raw);
        if (hop != dst) { hop.WriteTo(raw); w.Attr(Rtnl.RTA_GATEWAY, raw); }
        w.End(at);
        replies.Add(w.Written.ToArray());
        return 0;
    }

    /// <summary>The address's bytes in hex: ordinal order is numeric order.</summary>
    private static string SortKey(Address a)
    {
        Span<byte> b = stackalloc byte[16];
        a.WriteTo(b);
        return Convert.ToHexString(b[..(a.IsV6 ? 16 : 4)]);
    }

}
