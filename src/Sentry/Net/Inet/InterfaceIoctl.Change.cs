using System.Buffers.Binary;
using System.Text;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Netstack;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Net.Inet;

/// <summary>The device ioctls that change the configuration (the caller checked CAP_NET_ADMIN).</summary>
public static partial class InterfaceIoctl
{
    private static long Change(Task task, NetStack stack, Nic nic, uint cmd, ReadOnlySpan<byte> u)
    {
        switch (cmd)
        {
            case SockIoctl.SIOCSIFFLAGS:
                // dev_change_flags: of ifr_flags only IFF_UP acts on the stack's interfaces.
                stack.SetUp(nic, (BinaryPrimitives.ReadUInt16LittleEndian(u) & SockIoctl.IFF_UP) != 0);
                return 0;
            case SockIoctl.SIOCSIFMTU:
                return stack.SetMtu(nic, BinaryPrimitives.ReadInt32LittleEndian(u));
            case SockIoctl.SIOCSIFADDR:
            {
                // devinet_ioctl: the interface's first IPv4 address is replaced, and the prefix set
                // to the address's class (inet_abc_len); a class D or E address is EINVAL.
                var a = Address.FromV4(u.Slice(4, 4));
                uint v = a.V4;
                int prefix = v == 0 ? 0 : (v >> 31) == 0 ? 8 : (v >> 30) == 2 ? 16 : (v >> 29) == 6 ? 24 : -1;
                if (prefix < 0) return -(long)Errno.EINVAL;
                lock (stack.Sync)
                {
                    if (FirstV4(nic, out var old, out _))
                    {
                        if (old == a) return 0;
                        stack.RemoveInterfaceAddress(nic, old, -1);
                    }
                    return v == 0 ? 0 : stack.AddInterfaceAddress(nic, a, prefix, replace: true);
                }
            }
            case SockIoctl.SIOCSIFNETMASK:
            {
                uint mask = BinaryPrimitives.ReadUInt32BigEndian(u.Slice(4, 4));
                int prefix = System.Numerics.BitOperations.PopCount(mask);
                // bad_mask: the mask must be contiguous ones.
                if (prefix != 32 && mask != (prefix == 0 ? 0 : 0xffffffffu << (32 - prefix))) return -(long)Errno.EINVAL;
                lock (stack.Sync)
                {
                    if (!FirstV4(nic, out var a, out int old)) return -(long)Errno.EADDRNOTAVAIL;
                    if (old == prefix) return 0;
                    return stack.AddInterfaceAddress(nic, a, prefix, replace: true);
                }
            }
            case SockIoctl.SIOCBRADDIF or SockIoctl.SIOCBRDELIF:
            {
                if (nic.AsBridge == null) return -(long)Errno.EOPNOTSUPP;
                Nic? port = FindNic(stack, BinaryPrimitives.ReadInt32LittleEndian(u));
                if (port == null) return -(long)Errno.ENODEV;
                return cmd == SockIoctl.SIOCBRADDIF ? stack.AddBridgePort(nic, port) : stack.RemoveBridgePort(nic, port);
            }
        }
        return -(long)Errno.ENOTTY;
    }

    /// <summary>
    /// SIOCBRADDBR / SIOCBRDELBR (br_ioctl_stub): the argument is the bridge's name (IFNAMSIZ
    /// bytes read). Deleting: ENXIO for no such interface, EPERM when it is no bridge, EBUSY
    /// while it is up (br_del_bridge).
    /// </summary>
    private static long BridgeAddDelete(Task task, NetStack stack, uint cmd, ulong arg)
    {
        if (!task.Creds.Has(Cap.NET_ADMIN)) return -(long)Errno.EPERM;
        Span<byte> buf = stackalloc byte[SockIoctl.IfNameSize];
        if (task.MM.CopyIn(arg, buf) < 0) return -(long)Errno.EFAULT;
        buf[^1] = 0;
        string name = Encoding.ASCII.GetString(buf[..buf.IndexOf((byte)0)]);
        lock (stack.Sync)
        {
            if (cmd == SockIoctl.SIOCBRADDBR)
            {
                if (!ValidName(name)) return -(long)Errno.EINVAL;
                return stack.AddBridge(name, out _);
            }
            var nic = stack.FindNic(name);
            if (nic == null) return -(long)Errno.ENXIO;
            if (nic.AsBridge == null) return -(long)Errno.EPERM;
            if (nic.Up) return -(long)Errno.EBUSY;
            stack.RemoveBridge(nic);
            return 0;
        }
    }

    /// <summary>dev_valid_name: not empty, not "." or "..", no '/', ':' or white space.</summary>
    public static bool ValidName(string name)
    {
        if (name.Length == 0 || name.Length >= SockIoctl.IfNameSize || name is "." or "..") return false;
        foreach (char c in name)
            if (c == '/' || c == ':' || char.IsWhiteSpace(c) || c > 0x7e) return false;
        return true;
    }
}
