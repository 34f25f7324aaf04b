using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Sandbox.Netstack;

/// <summary>A host interface's configuration as the kernel had it before the stack took over.</summary>
public sealed record HostInterfaceConfig(
    string Name, int Index, IReadOnlyList<(Address Addr, int Prefix)> Addresses,
    IReadOnlyList<(Address Destination, int Prefix, Address Gateway)> Routes);

/// <summary>
/// Taking over a host interface in the sandbox's network namespace, as gVisor does: its addresses
/// and routes are read over rtnetlink (rtnetlink(7)), the addresses removed from the kernel (and
/// its IPv6 disabled) so the kernel no longer answers for them, and the stack configured instead.
/// </summary>
public static unsafe partial class HostInterface
{
    private const int AF_NETLINK = 16, NETLINK_ROUTE = 0, AF_INET = 2, AF_INET6 = 10;
    private const ushort RTM_NEWLINK = 16, RTM_GETLINK = 18, IFLA_IFNAME = 3;
    private const uint IFF_LOOPBACK = 8;
    private const ushort RTM_NEWADDR = 20, RTM_DELADDR = 21, RTM_GETADDR = 22, RTM_NEWROUTE = 24, RTM_GETROUTE = 26;
    private const ushort NLMSG_ERROR = 2, NLMSG_DONE = 3, NLM_F_REQUEST = 1, NLM_F_ACK = 4, NLM_F_DUMP = 0x300;
    private const ushort IFA_ADDRESS = 1, IFA_LOCAL = 2, RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_TABLE = 15;
    private const byte RT_TABLE_MAIN = 254, RTN_UNICAST = 1;

    [LibraryImport("libc", SetLastError = true)] private static partial nint send(int fd, void* buf, nint len, int flags);
    [LibraryImport("libc", SetLastError = true)] private static partial nint recv(int fd, void* buf, nint len, int flags);

    /// <summary>
    /// Reads <paramref name="ifname"/>'s addresses and main-table routes in the namespace at
    /// <paramref name="netnsPath"/> (null: the caller's) and, when <paramref name="remove"/>, deletes
    /// the addresses from the kernel and disables its IPv6 there. Runs on a thread of its own.
    /// </summary>
    public static HostInterfaceConfig TakeOver(string ifname, string? netnsPath = null, bool remove = true)
    {
        return HostNative.InNetNamespace(netnsPath, () => TakeOverHere(ifname, remove));
    }

    /// <summary>
    /// The names of the interfaces other than loopback in the namespace at
    /// <paramref name="netnsPath"/> (null: the caller's), in index order (RTM_GETLINK dump).
    /// </summary>
    public static IReadOnlyList<string> ListInterfaces(string? netnsPath = null)
    {
        return HostNative.InNetNamespace(netnsPath, () =>
        {
            int fd = HostNative.Socket(AF_NETLINK, HostNative.SOCK_RAW | HostNative.SOCK_CLOEXEC, NETLINK_ROUTE);
            if (fd < 0) throw new IOException($"socket(AF_NETLINK): errno {-fd}");
            try
            {
                var names = new List<(int, string)>();
                foreach (var m in Dump(fd, RTM_GETLINK, 16))
                {
                    if (BinaryPrimitives.ReadUInt16LittleEndian(m.AsSpan(4)) != RTM_NEWLINK) continue;
                    // struct ifinfomsg: family, pad, type, index, flags, change.
                    var body = m.AsSpan(16);
                    int index = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
                    uint flags = BinaryPrimitives.ReadUInt32LittleEndian(body[8..]);
                    if ((flags & IFF_LOOPBACK) != 0) continue;
                    foreach (var (t, val) in NetlinkAttributes.Parse(body[16..]))
                        if (t == IFLA_IFNAME)
                            names.Add((index, System.Text.Encoding.ASCII.GetString(val).TrimEnd('\0')));
                }
                names.Sort((a, b) => a.Item1.CompareTo(b.Item1));
                return (IReadOnlyList<string>)names.Select(n => n.Item2).ToList();
            }
            finally { HostNative.Close(fd); }
        });
    }

    /// <summary>Adds <paramref name="link"/> to the stack with the taken-over addresses and routes.</summary>
    public static Nic Attach(NetStack stack, ILinkEndpoint link, HostInterfaceConfig cfg)
    {
        var nic = stack.AddNic(link, cfg.Name);
        foreach (var (a, p) in cfg.Addresses) stack.AddAddress(nic, a, p);
        foreach (var (d, p, g) in cfg.Routes)
            if (!g.IsUnspecified || p < (d.IsV6 ? 128 : 32)) stack.AddRoute(d, p, g, nic);
        return nic;
    }

    private static HostInterfaceConfig TakeOverHere(string ifname, bool remove)
    {
        int fd = HostNative.Socket(AF_NETLINK, HostNative.SOCK_RAW | HostNative.SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0) throw new IOException($"socket(AF_NETLINK): errno {-fd}");
        try
        {
            var req = HostNative.IfReq(ifname);
            int r = HostNative.Ioctl(fd, HostNative.SIOCGIFINDEX, req);
            if (r < 0)
            {
                // Netlink sockets do not take interface ioctls: ask through a datagram socket.
                int s = HostNative.Socket(AF_INET, 2 | HostNative.SOCK_CLOEXEC, 0);
                r = HostNative.Ioctl(s, HostNative.SIOCGIFINDEX, req);
                HostNative.Close(s);
                if (r < 0) throw new IOException($"no interface {ifname}: errno {-r}");
            }
            int index = BinaryPrimitives.ReadInt32LittleEndian(req.AsSpan(16));

            var addrs = new List<(Address, int)>();
            foreach (var m in Dump(fd, RTM_GETADDR, 8))
            {
                if (BinaryPrimitives.ReadUInt16LittleEndian(m.AsSpan(4)) != RTM_NEWADDR) continue;
                var body = m.AsSpan(16);
                byte family = body[0], prefix = body[1];
                if (BinaryPrimitives.ReadInt32LittleEndian(body[4..]) != index) continue;
                Address? local = null, address = null;
                foreach (var (type, val) in NetlinkAttributes.Parse(body[8..]))
                {
                    if (type == IFA_LOCAL) local = Read(family, val);
                    else if (type == IFA_ADDRESS) address = Read(family, val);
                }
                var a = local ?? address;
                if (a is { } x && !x.IsLinkLocalV6) addrs.Add((x, prefix));
            }

            var routes = new List<(Address, int, Address)>();
            foreach (var m in Dump(fd, RTM_GETROUTE, 12))
            {
                if (BinaryPrimitives.ReadUInt16LittleEndian(m.AsSpan(4)) != RTM_NEWROUTE) continue;
                var body = m.AsSpan(16);
                byte family = body[0], dstLen = body[1], type = body[7];
                int table = body[4];
                if (type != RTN_UNICAST || family is not (AF_INET or AF_INET6)) continue;
                Address dst = family == AF_INET ? Address.AnyV4 : Address.AnyV6, gw = dst;
                int oif = -1;
                foreach (var (t, val) in NetlinkAttributes.Parse(body[12..]))
                {
                    if (t == RTA_DST) dst = Read(family, val) ?? dst;
                    else if (t == RTA_GATEWAY) gw = Read(family, val) ?? gw;
                    else if (t == RTA_OIF && val.Length >= 4) oif = BinaryPrimitives.ReadInt32LittleEndian(val);
                    else if (t == RTA_TABLE && val.Length >= 4) table = BinaryPrimitives.ReadInt32LittleEndian(val);
                }
                if (oif != index || table != RT_TABLE_MAIN || dst.IsLinkLocalV6 || dst.IsMulticast) continue;
                routes.Add((dst, dstLen, gw));
            }

            if (remove)
            {
                foreach (var (a, p) in addrs) DeleteAddress(fd, index, a, p);
                try { File.WriteAllText($"/proc/sys/net/ipv6/conf/{ifname}/disable_ipv6", "1"); }
                catch (IOException) { } // no IPv6 in this kernel
            }
            return new HostInterfaceConfig(ifname, index, addrs, routes);
        }
        finally { HostNative.Close(fd); }
    }

    private static Address? Read(byte family, ReadOnlySpan<byte> v) =>
        family == AF_INET && v.Length >= 4 ? Address.FromV4(v) : family == AF_INET6 && v.Length >= 16 ? Address.FromV6(v) : null;


    private static void SendMessage(int fd, ReadOnlySpan<byte> msg)
    {
        fixed (byte* p = msg)
            if (send(fd, p, msg.Length, 0) < 0) throw new IOException($"netlink send: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>A dump request (family unspecified) and every message of its answer.</summary>
    private static List<byte[]> Dump(int fd, ushort type, int bodyLength)
    {
        var msg = new byte[16 + bodyLength];
        BinaryPrimitives.WriteUInt32LittleEndian(msg, (uint)msg.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(msg.AsSpan(4), type);
        BinaryPrimitives.WriteUInt16LittleEndian(msg.AsSpan(6), NLM_F_REQUEST | NLM_F_DUMP);
        BinaryPrimitives.WriteUInt32LittleEndian(msg.AsSpan(8), 1);
        SendMessage(fd, msg);
        var result = new List<byte[]>();
        var buf = new byte[65536];
        while (true)
        {
            long n;
            fixed (byte* p = buf) n = recv(fd, p, buf.Length, 0);
            if (n < 0) throw new IOException($"netlink recv: errno {Marshal.GetLastPInvokeError()}");
            int off = 0;
            while (off + 16 <= n)
            {
                int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(buf.AsSpan(off));
                ushort t = BinaryPrimitives.ReadUInt16LittleEndian(buf.AsSpan(off + 4));
                if (len < 16 || off + len > n) return result;
                if (t == NLMSG_DONE) return result;
                if (t == NLMSG_ERROR) throw new IOException("netlink dump failed");
                result.Add(buf.AsSpan(off, len).ToArray());
                off += (len + 3) & ~3;
            }
        }
    }

    private static void DeleteAddress(int fd, int index, Address a, int prefix)
    {
        int alen = a.Length;
        var msg = new byte[16 + 8 + 4 + alen];
        BinaryPrimitives.WriteUInt32LittleEndian(msg, (uint)msg.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(msg.AsSpan(4), RTM_DELADDR);
        BinaryPrimitives.WriteUInt16LittleEndian(msg.AsSpan(6), NLM_F_REQUEST | NLM_F_ACK);
        BinaryPrimitives.WriteUInt32LittleEndian(msg.AsSpan(8), 2);
        msg[16] = (byte)(a.IsV6 ? AF_INET6 : AF_INET);
        msg[17] = (byte)prefix;
        BinaryPrimitives.WriteInt32LittleEndian(msg.AsSpan(20), index);
        BinaryPrimitives.WriteUInt16LittleEndian(msg.AsSpan(24), (ushort)(4 + alen));
        BinaryPrimitives.WriteUInt16LittleEndian(msg.AsSpan(26), a.IsV6 ? IFA_ADDRESS : IFA_LOCAL);
        a.WriteTo(msg.AsSpan(28));
        SendMessage(fd, msg);
        var buf = new byte[4096];
        long n;
        fixed (byte* p = buf) n = recv(fd, p, buf.Length, 0);
        if (n >= 20 && BinaryPrimitives.ReadUInt16LittleEndian(buf.AsSpan(4)) == NLMSG_ERROR)
        {
            int err = BinaryPrimitives.ReadInt32LittleEndian(buf.AsSpan(16));
            if (err != 0) throw new IOException($"RTM_DELADDR {a}/{prefix}: errno {-err}");
        }
    }
}
