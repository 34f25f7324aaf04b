using System.Buffers.Binary;
using System.Text;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Netstack;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Net.Inet;

/// <summary>
/// The network device ioctls (netdevice(7)) over the stack's interfaces: struct ifreq and
/// ifconf. Any socket takes them (glibc's if_nametoindex asks an AF_UNIX one). The SIOCS*
/// and bridge commands need CAP_NET_ADMIN (EPERM before anything else, as dev_ioctl checks).
/// </summary>
public static partial class InterfaceIoctl
{
    private const int ArphrdEther = 1, ArphrdLoopback = 772;

    public static long Handle(Task task, NetStack stack, uint cmd, ulong arg)
    {
        // Like dev_ioctl, other commands look the interface up too: ENODEV for an unknown name, else ENOTTY.
        if (cmd == SockIoctl.SIOCGIFCONF) return InterfaceConf(task, stack, arg);
        if (cmd is SockIoctl.SIOCBRADDBR or SockIoctl.SIOCBRDELBR) return BridgeAddDelete(task, stack, cmd, arg);
        bool change = cmd is SockIoctl.SIOCSIFFLAGS or SockIoctl.SIOCSIFMTU or SockIoctl.SIOCSIFADDR
            or SockIoctl.SIOCSIFNETMASK or SockIoctl.SIOCBRADDIF or SockIoctl.SIOCBRDELIF;
        if (change && !task.Creds.Has(Cap.NET_ADMIN)) return -(long)Errno.EPERM;
        Span<byte> req = stackalloc byte[SockIoctl.IfreqSize];
        if (task.MM.CopyIn(arg, req) < 0) return -(long)Errno.EFAULT;
        Nic? nic;
        if (cmd == SockIoctl.SIOCGIFNAME)
        {
            nic = FindNic(stack, BinaryPrimitives.ReadInt32LittleEndian(req.Slice(16)));
            if (nic == null) return -(long)Errno.ENODEV;
            req.Slice(0, SockIoctl.IfNameSize).Clear();
            Encoding.ASCII.GetBytes(nic.Name, req);
            return task.MM.CopyOut(arg, req) < 0 ? -(long)Errno.EFAULT : 0;
        }
        var nameBytes = req.Slice(0, SockIoctl.IfNameSize);
        int nul = nameBytes.IndexOf((byte)0);
        string name = Encoding.ASCII.GetString(nul < 0 ? nameBytes.Slice(0, SockIoctl.IfNameSize - 1) : nameBytes.Slice(0, nul));
        if (cmd is SockIoctl.SIOCSIFADDR or SockIoctl.SIOCSIFNETMASK
            && BinaryPrimitives.ReadUInt16LittleEndian(req.Slice(16)) != SocketDomain.AF_INET) return -(long)Errno.EINVAL;
        nic = FindNic(stack, name);
        if (nic == null) return -(long)Errno.ENODEV;
        if (change) return Change(task, stack, nic, cmd, req.Slice(16));
        var u = req.Slice(16);
        u.Clear();
        // Under the stack's lock: another thread may be changing the interface.
        lock (stack.Sync)
        {
            switch (cmd)
            {
                case SockIoctl.SIOCGIFINDEX: BinaryPrimitives.WriteInt32LittleEndian(u, nic.Id); break;
                case SockIoctl.SIOCGIFFLAGS:
                    // ifr_flags is a short: IFF_LOWER_UP (bit 16) does not show here.
                    BinaryPrimitives.WriteInt16LittleEndian(u, (short)Netlink.RouteNetlink.LinkFlags(nic));
                    break;
                case SockIoctl.SIOCGIFMTU: BinaryPrimitives.WriteInt32LittleEndian(u, nic.Mtu); break;
                // The stack has no transmit queue of its own; 1000 is what Linux gives veth and lo.
                case SockIoctl.SIOCGIFTXQLEN: BinaryPrimitives.WriteInt32LittleEndian(u, 1000); break;
                case SockIoctl.SIOCGIFADDR or SockIoctl.SIOCGIFNETMASK:
                {
                    if (!FirstV4(nic, out var a, out int prefix)) return -(long)Errno.EADDRNOTAVAIL;
                    var v = cmd == SockIoctl.SIOCGIFADDR ? a : Address.FromV4(prefix == 0 ? 0 : 0xffffffffu << (32 - prefix));
                    InetAddress.Write(u, new SockAddr(v, 0), v6: false);
                    break;
                }
                case SockIoctl.SIOCGIFHWADDR:
                    BinaryPrimitives.WriteUInt16LittleEndian(u, (ushort)(nic.IsLoopback ? ArphrdLoopback : ArphrdEther));
                    if (!nic.IsLoopback)
                    {
                        ulong mac = nic.Link.Mac.Value;
                        for (int i = 0; i < 6; i++) u[2 + i] = (byte)(mac >> (40 - 8 * i));
                    }
                    break;
                default: return -(long)Errno.ENOTTY;
            }
        }
        return task.MM.CopyOut(arg, req) < 0 ? -(long)Errno.EFAULT : 0;
    }

    /// <summary>SIOCGIFCONF: one ifreq per interface with an IPv4 address; a null buffer asks for the length.</summary>
    private static long InterfaceConf(Task task, NetStack stack, ulong arg)
    {
        Span<byte> conf = stackalloc byte[16]; // struct ifconf { int ifc_len; union { char *ifc_buf; ... } }
        if (task.MM.CopyIn(arg, conf) < 0) return -(long)Errno.EFAULT;
        int len = BinaryPrimitives.ReadInt32LittleEndian(conf);
        ulong buf = BinaryPrimitives.ReadUInt64LittleEndian(conf.Slice(8));
        int done = 0;
        Span<byte> req = stackalloc byte[SockIoctl.IfreqSize];
        lock (stack.Sync)
        foreach (var nic in stack.Nics)
        {
            if (!FirstV4(nic, out var a, out _)) continue;
            if (buf != 0)
            {
                if (len - done < SockIoctl.IfreqSize) break;
                req.Clear();
                Encoding.ASCII.GetBytes(nic.Name, req);
                InetAddress.Write(req.Slice(16), new SockAddr(a, 0), v6: false);
                if (task.MM.CopyOut(buf + (ulong)done, req) < 0) return -(long)Errno.EFAULT;
            }
            done += SockIoctl.IfreqSize;
        }
        BinaryPrimitives.WriteInt32LittleEndian(conf, done);
        return task.MM.CopyOut(arg, conf.Slice(0, 4)) < 0 ? -(long)Errno.EFAULT : 0;
    }

    private static Nic? FindNic(NetStack stack, string name)
    {
        lock (stack.Sync) return stack.FindNic(name);
    }

    private static Nic? FindNic(NetStack stack, int index)
    {
        lock (stack.Sync) return stack.FindNic(index);
    }

    private static bool FirstV4(Nic nic, out Address a, out int prefix)
    {
        foreach (var (x, p) in nic.AddressList)
            if (!x.IsV6) { a = x; prefix = p; return true; }
        a = default; prefix = 0;
        return false;
    }
}
