using System.Buffers.Binary;
using System.Text;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Netstack;

namespace Sandbox.Sentry.Net.Netlink;

/// <summary>
/// rtnetlink changes (the caller checked CAP_NET_ADMIN and holds the stack's lock): links
/// (rtnl_newlink / rtnl_setlink / rtnl_dellink: IFF_UP through ifi_flags and ifi_change,
/// IFLA_MTU, IFLA_MASTER, bridges made with IFLA_LINKINFO kind "bridge"), addresses
/// (inet_rtm_newaddr / inet6_rtm_newaddr and their deletes) and main-table unicast routes
/// (inet_rtm_newroute / inet6_rtm_newroute and their deletes), with Linux's errors.
/// </summary>
internal static partial class RouteNetlink
{
    private static int Change(NetStack stack, ushort type, ushort flags, byte family, ReadOnlySpan<byte> body)
    {
        switch (type)
        {
            case Rtnl.RTM_NEWLINK: return NewLink(stack, flags, body, create: true);
            case Rtnl.RTM_SETLINK: return NewLink(stack, flags, body, create: false);
            case Rtnl.RTM_DELLINK: return DelLink(stack, body);
            case Rtnl.RTM_NEWADDR or Rtnl.RTM_DELADDR:
                if (family != SocketDomain.AF_INET && family != SocketDomain.AF_INET6) return -(int)Errno.EOPNOTSUPP;
                return ChangeAddr(stack, type == Rtnl.RTM_NEWADDR, flags, body);
            case Rtnl.RTM_NEWROUTE or Rtnl.RTM_DELROUTE:
                if (family != SocketDomain.AF_INET && family != SocketDomain.AF_INET6) return -(int)Errno.EOPNOTSUPP;
                return ChangeRoute(stack, type == Rtnl.RTM_NEWROUTE, flags, body);
            default: return -(int)Errno.EOPNOTSUPP;
        }
    }

    private static string? Str(byte[] v)
    {
        int n = Array.IndexOf(v, (byte)0);
        return Encoding.ASCII.GetString(v, 0, n < 0 ? v.Length : n);
    }

    private static int NewLink(NetStack stack, ushort flags, ReadOnlySpan<byte> body, bool create)
    {
        if (body.Length < Rtnl.IfInfoSize) return -(int)Errno.EINVAL;
        int index = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
        uint ifFlags = BinaryPrimitives.ReadUInt32LittleEndian(body[8..]);
        uint ifChange = BinaryPrimitives.ReadUInt32LittleEndian(body[12..]);
        string? name = null, kind = null;
        int mtu = -1;
        long master = -1;
        foreach (var (t, v) in NetlinkAttributes.Parse(body[Rtnl.IfInfoSize..]))
        {
            switch (t)
            {
                case Rtnl.IFLA_IFNAME: name = Str(v); break;
                // A MAC address of one's choosing is not offered (the taken-over devices keep the host's).
                case Rtnl.IFLA_ADDRESS: return -(int)Errno.EOPNOTSUPP;
                case Rtnl.IFLA_MTU when v.Length >= 4: mtu = BinaryPrimitives.ReadInt32LittleEndian(v); break;
                case Rtnl.IFLA_MASTER when v.Length >= 4: master = BinaryPrimitives.ReadUInt32LittleEndian(v); break;
                case Rtnl.IFLA_LINKINFO:
                    foreach (var (it, iv) in NetlinkAttributes.Parse(v))
                        if (it == Rtnl.IFLA_INFO_KIND) kind = Str(iv);
                    break;
            }
        }
        if (name != null && !Inet.InterfaceIoctl.ValidName(name)) return -(int)Errno.EINVAL;
        Nic? nic = index > 0 ? stack.FindNic(index) : name != null ? stack.FindNic(name) : null;
        if (!create)
        {
            // rtnl_setlink: by index, else by name.
            if (index <= 0 && name == null) return -(int)Errno.EINVAL;
            if (nic == null) return -(int)Errno.ENODEV;
        }
        else if (nic != null)
        {
            if ((flags & Rtnl.NLM_F_EXCL) != 0) return -(int)Errno.EEXIST;
            if ((flags & Rtnl.NLM_F_REPLACE) != 0) return -(int)Errno.EOPNOTSUPP;
            if (kind != null && kind != (nic.AsBridge != null ? "bridge" : null)) return -(int)Errno.EOPNOTSUPP;
        }
        else
        {
            if ((flags & Rtnl.NLM_F_CREATE) == 0 || index > 0) return -(int)Errno.ENODEV;
            // Only bridges can be made here ("Unknown device type" otherwise).
            if (kind != "bridge") return -(int)Errno.EOPNOTSUPP;
            if (name == null)
                for (int n = 0; name == null; n++) if (stack.FindNic($"bridge{n}") == null) name = $"bridge{n}";
            int e = stack.AddBridge(name, out nic);
            if (e != 0) return e;
        }
        // do_setlink: a rename is not offered.
        if (index > 0 && name != null && name != nic!.Name) return -(int)Errno.EOPNOTSUPP;
        if (mtu >= 0)
        {
            int e = stack.SetMtu(nic!, mtu);
            if (e != 0) return e;
        }
        if (ifFlags != 0 || ifChange != 0)
        {
            // rtnl_dev_combine_flags: ifi_change picks the bits ifi_flags sets (0: all of them).
            uint cur = LinkFlags(nic!);
            uint f = ifChange == 0 ? ifFlags : (ifFlags & ifChange) | (cur & ~ifChange);
            stack.SetUp(nic!, (f & Rtnl.IFF_UP) != 0);
        }
        if (master >= 0)
        {
            // do_set_master: 0 releases the port; another bridge takes it from the one it is in.
            var old = nic!.Master?.Device;
            if (old != null && old.Id != master) stack.RemoveBridgePort(old, nic);
            if (master > 0 && nic.Master == null)
            {
                var m = stack.FindNic((int)master);
                if (m == null) return -(int)Errno.EINVAL;
                if (m.AsBridge == null) return -(int)Errno.EOPNOTSUPP;
                return stack.AddBridgePort(m, nic);
            }
        }
        return 0;
    }

    /// <summary>rtnl_dellink: only bridges can go (a device without rtnl_link_ops is EOPNOTSUPP).</summary>
    private static int DelLink(NetStack stack, ReadOnlySpan<byte> body)
    {
        if (body.Length < Rtnl.IfInfoSize) return -(int)Errno.EINVAL;
        int index = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
        string? name = null;
        foreach (var (t, v) in NetlinkAttributes.Parse(body[Rtnl.IfInfoSize..]))
            if (t == Rtnl.IFLA_IFNAME) name = Str(v);
        if (index <= 0 && name == null) return -(int)Errno.EINVAL;
        var nic = index > 0 ? stack.FindNic(index) : stack.FindNic(name!);
        if (nic == null) return -(int)Errno.ENODEV;
        if (nic.AsBridge == null) return -(int)Errno.EOPNOTSUPP;
        stack.RemoveBridge(nic);
        return 0;
    }

    private static bool ReadAddr(byte[] v, bool v6, out Address a)
    {
        a = default;
        if (v.Length != (v6 ? 16 : 4)) return false;
        a = v6 ? Address.FromV6(v) : Address.FromV4(v);
        return true;
    }

    /// <summary>
    /// RTM_NEWADDR / RTM_DELADDR. New: EEXIST for an address the interface has, unless
    /// NLM_F_REPLACE without NLM_F_EXCL. Delete: IFA_LOCAL (IPv4) or IFA_ADDRESS must match, and
    /// the prefix too when IFA_ADDRESS is given; EADDRNOTAVAIL otherwise.
    /// </summary>
    private static int ChangeAddr(NetStack stack, bool add, ushort flags, ReadOnlySpan<byte> body)
    {
        if (body.Length < Rtnl.IfAddrSize) return -(int)Errno.EINVAL;
        bool v6 = body[0] == SocketDomain.AF_INET6;
        int prefix = body[1];
        int index = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
        Address? local = null, address = null;
        foreach (var (t, v) in NetlinkAttributes.Parse(body[Rtnl.IfAddrSize..]))
        {
            if (t == Rtnl.IFA_LOCAL && ReadAddr(v, v6, out var a)) local = a;
            else if (t == Rtnl.IFA_ADDRESS && ReadAddr(v, v6, out var b)) address = b;
        }
        if (prefix > (v6 ? 128 : 32)) return -(int)Errno.EINVAL;
        var addr = v6 ? address ?? local : local ?? address;
        if (add && addr == null) return -(int)Errno.EINVAL;
        var nic = stack.FindNic(index);
        if (nic == null) return -(int)Errno.ENODEV;
        if (add)
        {
            bool replace = (flags & Rtnl.NLM_F_REPLACE) != 0 && (flags & Rtnl.NLM_F_EXCL) == 0;
            return stack.AddInterfaceAddress(nic, addr!.Value, prefix, replace);
        }
        if (addr == null)
        {
            if (v6) return -(int)Errno.EINVAL;
            // inet_rtm_deladdr without addresses: the first IPv4 address goes.
            foreach (var (x, _) in nic.AddressList) if (!x.IsV6) { addr = x; break; }
            if (addr == null) return -(int)Errno.EADDRNOTAVAIL;
            return stack.RemoveInterfaceAddress(nic, addr.Value, -1);
        }
        return stack.RemoveInterfaceAddress(nic, addr.Value, v6 || address != null ? prefix : -1);
    }

    /// <summary>
    /// RTM_NEWROUTE / RTM_DELROUTE of main-table unicast routes (other tables and types are
    /// EOPNOTSUPP): RTA_DST with rtm_dst_len, RTA_GATEWAY, RTA_OIF.
    /// </summary>
    private static int ChangeRoute(NetStack stack, bool add, ushort flags, ReadOnlySpan<byte> body)
    {
        if (body.Length < Rtnl.RtMsgSize) return -(int)Errno.EINVAL;
        bool v6 = body[0] == SocketDomain.AF_INET6;
        int prefix = body[1];
        uint table = body[4];
        byte rtype = body[7];
        Address dst = v6 ? Address.AnyV6 : Address.AnyV4;
        Address? gw = null;
        int oif = 0;
        foreach (var (t, v) in NetlinkAttributes.Parse(body[Rtnl.RtMsgSize..]))
        {
            switch (t)
            {
                case Rtnl.RTA_DST: if (!ReadAddr(v, v6, out dst)) return -(int)Errno.EINVAL; break;
                case Rtnl.RTA_GATEWAY:
                    if (!ReadAddr(v, v6, out var g)) return -(int)Errno.EINVAL;
                    gw = g;
                    break;
                case Rtnl.RTA_OIF when v.Length >= 4: oif = BinaryPrimitives.ReadInt32LittleEndian(v); break;
                case Rtnl.RTA_TABLE when v.Length >= 4: table = BinaryPrimitives.ReadUInt32LittleEndian(v); break;
            }
        }
        if (prefix > (v6 ? 128 : 32)) return -(int)Errno.EINVAL;
        if (table != 0 && table != Rtnl.RT_TABLE_MAIN) return -(int)Errno.EOPNOTSUPP;
        if (add && rtype != Rtnl.RTN_UNICAST) return -(int)Errno.EOPNOTSUPP;
        Nic? nic = null;
        if (oif != 0 && (nic = stack.FindNic(oif)) == null) return -(int)Errno.ENODEV;
        if (!add) return stack.DeleteRoute(dst, prefix, gw, nic);
        return stack.AddRoute(dst, prefix, gw ?? (v6 ? Address.AnyV6 : Address.AnyV4), nic,
            create: (flags & Rtnl.NLM_F_CREATE) != 0, exclusive: (flags & Rtnl.NLM_F_EXCL) != 0,
            replace: (flags & Rtnl.NLM_F_REPLACE) != 0);
    }
}
