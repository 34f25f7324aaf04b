using System.Runtime.InteropServices;

namespace Sandbox.MicroVm.VhostUser;

/// <summary>A TAP device opened for the backend: frames carry a 12-byte virtio-net header
/// (IFF_VNET_HDR), the same one the guest's virtqueues carry, so frames pass through with
/// one readv/writev and no copy. The device is created (or a persistent one attached) in a
/// given network namespace: the pod's.</summary>
public sealed unsafe class Tap : IDisposable
{
    const ulong TUNSETIFF = 0x400454ca, TUNSETVNETHDRSZ = 0x400454d8;
    const ulong SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914;
    const short IFF_TAP = 0x2, IFF_NO_PI = 0x1000, IFF_VNET_HDR = 0x4000, IFF_UP = 0x1;

    public int Fd { get; private set; }
    public string Name { get; }

    Tap(int fd, string name) { Fd = fd; Name = name; }

    /// <summary>Opens (creating if needed) TAP `name` in the network namespace at netnsPath
    /// (/run/netns/NAME, /proc/PID/ns/net; null: this process's) and sets it up.</summary>
    public static Tap Open(string name, string? netnsPath)
    {
        if (name.Length is 0 or > 15) throw new ArgumentException($"TAP name '{name}': 1 to 15 characters");
        int fd = -1;
        Exception? error = null;
        // setns changes the calling thread only: a thread of our own, back to its namespace after.
        var t = new Thread(() =>
        {
            int home = -1, target = -1;
            try
            {
                if (netnsPath is not null)
                {
                    home = Libc.open("/proc/thread-self/ns/net", Libc.O_CLOEXEC, 0);
                    target = Libc.open(netnsPath, Libc.O_CLOEXEC, 0);
                    if (home < 0 || target < 0) throw new IOException($"network namespace {netnsPath}: {Libc.ErrText(Libc.Errno)}");
                    if (Libc.setns(target, Libc.CLONE_NEWNET) != 0) throw new IOException($"setns {netnsPath}: {Libc.ErrText(Libc.Errno)}");
                }
                try { fd = OpenHere(name); }
                finally
                {
                    if (home >= 0 && Libc.setns(home, Libc.CLONE_NEWNET) != 0) Environment.FailFast("cannot return to the host network namespace");
                }
            }
            catch (Exception e) { error = e; }
            finally
            {
                if (home >= 0) Libc.close(home);
                if (target >= 0) Libc.close(target);
            }
        }) { Name = "tap-open" };
        t.Start();
        t.Join();
        if (error is not null) throw error;
        return new Tap(fd, name);
    }

    static int OpenHere(string name)
    {
        int fd = Libc.open("/dev/net/tun", Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
        if (fd < 0) throw new IOException($"/dev/net/tun: {Libc.ErrText(Libc.Errno)}");
        byte* ifr = stackalloc byte[40];
        new Span<byte>(ifr, 40).Clear();
        System.Text.Encoding.ASCII.GetBytes(name, new Span<byte>(ifr, 15));
        *(short*)(ifr + 16) = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
        int hdr = 12;
        if (Libc.ioctl(fd, TUNSETIFF, ifr) != 0 || Libc.ioctl(fd, TUNSETVNETHDRSZ, &hdr) != 0)
        {
            int e = Libc.Errno;
            Libc.close(fd);
            throw new IOException($"TAP {name}: {Libc.ErrText(e)}");
        }
        int s = Libc.socket(2 /* AF_INET */, 2 /* SOCK_DGRAM */ | Libc.O_CLOEXEC, 0);
        if (s >= 0)
        {
            if (Libc.ioctl(s, SIOCGIFFLAGS, ifr) == 0)
            {
                *(short*)(ifr + 16) |= IFF_UP;
                Libc.ioctl(s, SIOCSIFFLAGS, ifr);
            }
            Libc.close(s);
        }
        return fd;
    }

    /// <summary>What the TAP may hand the guest: partial checksums and TSO frames only when the
    /// guest's virtio features take them. Not a TAP (tests): nothing to do.</summary>
    public static void SetOffloads(int fd, ulong virtioFeatures)
    {
        const ulong TUNSETOFFLOAD = 0x400454d0;
        bool Has(int bit) => (virtioFeatures & 1UL << bit) != 0;
        uint flags = 0;
        if (Has(Wire.VIRTIO_NET_F_GUEST_CSUM))
        {
            flags |= 1; // TUN_F_CSUM
            if (Has(Wire.VIRTIO_NET_F_GUEST_TSO4)) flags |= 2;
            if (Has(Wire.VIRTIO_NET_F_GUEST_TSO6)) flags |= 4;
        }
        Libc.ioctl(fd, TUNSETOFFLOAD, (void*)flags);
    }

    public void Dispose()
    {
        if (Fd >= 0) Libc.close(Fd);
        Fd = -1;
    }
}
