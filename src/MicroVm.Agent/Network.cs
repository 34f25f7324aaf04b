using System.Net;

namespace Sandbox.MicroVm.Agent;

/// <summary>Configures the guest's network from the kernel command line the host wrote:
/// `sandbox.net=ADDRESS/PREFIX[,GATEWAY]` for the first virtio-net interface (brought up with
/// that address and, with a gateway, a default route), and the loopback. Containers share the
/// VM's network namespace: the pod's network.</summary>
internal static unsafe class Network
{
    const ulong SIOCSIFADDR = 0x8916, SIOCSIFNETMASK = 0x891c, SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914, SIOCADDRT = 0x890b;
    const short IFF_UP = 1, IFF_RUNNING = 0x40;

    /// <summary>Parses `ADDRESS/PREFIX[,GATEWAY]`; throws FormatException with the reason.</summary>
    public static (IPAddress Address, int Prefix, IPAddress? Gateway) Parse(string spec)
    {
        var parts = spec.Split(',');
        var cidr = parts[0].Split('/');
        if (cidr.Length != 2 || !IPAddress.TryParse(cidr[0], out var addr) || addr.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || !int.TryParse(cidr[1], out int prefix) || prefix is < 0 or > 32)
            throw new FormatException($"sandbox.net={spec}: expected IPv4-ADDRESS/PREFIX[,GATEWAY]");
        IPAddress? gw = null;
        if (parts.Length > 1 && (!IPAddress.TryParse(parts[1], out gw) || gw.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork))
            throw new FormatException($"sandbox.net={spec}: bad gateway '{parts[1]}'");
        return (addr, prefix, gw);
    }

    public static void Configure(string? spec)
    {
        int s = Native.socket(2 /* AF_INET */, 2 /* SOCK_DGRAM */ | Native.O_CLOEXEC, 0);
        if (s < 0) throw new IOException($"socket: {Native.ErrText(Native.Errno)}");
        try
        {
            Up(s, "lo");
            if (spec is null) return;
            var (addr, prefix, gw) = Parse(spec);
            string dev = WaitForInterface();
            SetAddr(s, dev, SIOCSIFADDR, addr);
            SetAddr(s, dev, SIOCSIFNETMASK, Mask(prefix));
            Up(s, dev);
            if (gw is not null) AddDefaultRoute(s, gw);
            Agent.Debug($"network: {dev} {addr}/{prefix}" + (gw is null ? "" : $" via {gw}"));
        }
        finally { Native.close(s); }
    }

    /// <summary>The first interface other than lo (virtio_net probes as the module loads; a short wait covers a late probe).</summary>
    static string WaitForInterface()
    {
        for (int i = 0; i < 300; i++)
        {
            if (Directory.Exists("/sys/class/net"))
                foreach (var d in Directory.GetDirectories("/sys/class/net").Order())
                    if (Path.GetFileName(d) != "lo") return Path.GetFileName(d);
            Thread.Sleep(10);
        }
        throw new IOException("sandbox.net is set but the VM has no network interface");
    }

    static IPAddress Mask(int prefix)
    {
        var b = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(b, prefix == 0 ? 0 : uint.MaxValue << (32 - prefix));
        return new IPAddress(b);
    }

    static void Name(byte* ifr, string dev)
    {
        new Span<byte>(ifr, 40).Clear();
        System.Text.Encoding.ASCII.GetBytes(dev, new Span<byte>(ifr, 15));
    }

    static void SockaddrIn(byte* p, IPAddress a)
    {
        *(ushort*)p = 2;
        a.TryWriteBytes(new Span<byte>(p + 4, 4), out _);
    }

    static void SetAddr(int s, string dev, ulong req, IPAddress a)
    {
        byte* ifr = stackalloc byte[40];
        Name(ifr, dev);
        SockaddrIn(ifr + 16, a);
        if (Native.ioctl(s, req, ifr) != 0) throw new IOException($"{dev}: setting {a}: {Native.ErrText(Native.Errno)}");
    }

    static void Up(int s, string dev)
    {
        byte* ifr = stackalloc byte[40];
        Name(ifr, dev);
        if (Native.ioctl(s, SIOCGIFFLAGS, ifr) != 0) throw new IOException($"{dev}: {Native.ErrText(Native.Errno)}");
        *(short*)(ifr + 16) |= IFF_UP | IFF_RUNNING;
        if (Native.ioctl(s, SIOCSIFFLAGS, ifr) != 0) throw new IOException($"{dev} up: {Native.ErrText(Native.Errno)}");
    }

    static void AddDefaultRoute(int s, IPAddress gw)
    {
        // struct rtentry (x86-64): dst at 8, gateway at 24, genmask at 40, flags at 56.
        byte* rt = stackalloc byte[120];
        new Span<byte>(rt, 120).Clear();
        SockaddrIn(rt + 8, IPAddress.Any);
        SockaddrIn(rt + 24, gw);
        SockaddrIn(rt + 40, IPAddress.Any);
        *(ushort*)(rt + 56) = 0x1 | 0x2; // RTF_UP | RTF_GATEWAY
        if (Native.ioctl(s, SIOCADDRT, rt) != 0) throw new IOException($"default route via {gw}: {Native.ErrText(Native.Errno)}");
    }
}
