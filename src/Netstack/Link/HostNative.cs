using System.Runtime.InteropServices;

namespace Sandbox.Netstack;

/// <summary>The host calls the fd-backed links need (packet(7), tun, poll, setns). Results are -errno on failure.</summary>
internal static unsafe partial class HostNative
{
    public const int AF_PACKET = 17, SOCK_RAW = 3, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    public const int ETH_P_ALL = 0x0003, SOL_PACKET = 263, PACKET_IGNORE_OUTGOING = 23, PACKET_VNET_HDR = 15, SOL_SOCKET = 1;
    public const int SO_RCVBUF = 8, SO_SNDBUF = 7, SO_RCVBUFFORCE = 33, SO_SNDBUFFORCE = 32;
    public const int MSG_DONTWAIT = 0x40, POLLIN = 1, CLONE_NEWNET = 0x40000000;
    public const uint SIOCGIFHWADDR = 0x8927, SIOCGIFMTU = 0x8921, SIOCGIFINDEX = 0x8933, TUNSETIFF = 0x400454ca;
    public const short IFF_TAP = 0x0002, IFF_NO_PI = 0x1000;
    public const int O_RDWR = 2, O_CLOEXEC = 0x80000, O_RDONLY = 0, O_NONBLOCK = 0x800;

    [LibraryImport("libc", SetLastError = true)] private static partial int socket(int domain, int type, int protocol);
    [LibraryImport("libc", SetLastError = true)] private static partial int bind(int fd, void* addr, int len);
    [LibraryImport("libc", SetLastError = true)] private static partial nint send(int fd, void* buf, nint len, int flags);
    [LibraryImport("libc", SetLastError = true)] private static partial nint recv(int fd, void* buf, nint len, int flags);
    [LibraryImport("libc", SetLastError = true)] private static partial nint read(int fd, void* buf, nint len);
    [LibraryImport("libc", SetLastError = true)] private static partial nint write(int fd, void* buf, nint len);
    [LibraryImport("libc", SetLastError = true)] private static partial int setsockopt(int fd, int level, int name, void* val, int len);
    [LibraryImport("libc", SetLastError = true)] private static partial int ioctl(int fd, nuint req, void* arg);
    [LibraryImport("libc", SetLastError = true)] private static partial int poll(void* fds, nuint n, int timeout);
    [LibraryImport("libc", SetLastError = true)] private static partial int close(int fd);
    [LibraryImport("libc", SetLastError = true)] private static partial int setns(int fd, int nstype);
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open_(string path, int flags);

    [LibraryImport("libc", SetLastError = true)] private static partial nint writev(int fd, void* iov, int n);
    [LibraryImport("libc", SetLastError = true)] private static partial int sendmmsg(int fd, void* msgs, uint n, int flags);
    [LibraryImport("libc", SetLastError = true)] private static partial int recvmmsg(int fd, void* msgs, uint n, int flags, void* timeout);

    /// <summary>struct mmsghdr is 64 bytes on x86-64: msghdr (56) then msg_len.</summary>
    public const int MmsgSize = 64;

    /// <summary>Sends <paramref name="n"/> prepared messages; returns how many went, or -errno.</summary>
    public static int SendMany(int fd, byte* msgs, int n)
    {
        int sent = 0;
        while (sent < n)
        {
            int r = sendmmsg(fd, msgs + sent * MmsgSize, (uint)(n - sent), 0);
            if (r < 0)
            {
                int e = Marshal.GetLastPInvokeError();
                if (e == 4) continue;
                return sent > 0 ? sent : -e;
            }
            sent += r;
        }
        return sent;
    }

    /// <summary>Receives up to <paramref name="n"/> messages without blocking; count or -errno.</summary>
    public static int ReceiveMany(int fd, byte* msgs, int n)
    {
        while (true)
        {
            int r = recvmmsg(fd, msgs, (uint)n, MSG_DONTWAIT, null);
            if (r >= 0) return r;
            int e = Marshal.GetLastPInvokeError();
            if (e != 4) return -e;
        }
    }

    /// <summary>Points message <paramref name="i"/> at one or two buffers (struct msghdr: iov at 16, iovlen at 24).</summary>
    public static void SetMessage(byte* msgs, byte* iovs, int i, byte* a, int alen, byte* b, int blen)
    {
        byte* m = msgs + i * MmsgSize;
        long* iov = (long*)(iovs + i * 32);
        iov[0] = (long)a; iov[1] = alen; iov[2] = (long)b; iov[3] = blen;
        new Span<byte>(m, MmsgSize).Clear();
        *(long*)(m + 16) = (long)iov;
        *(long*)(m + 24) = b == null ? 1 : 2;
    }

    public static int MessageLength(byte* msgs, int i) => *(int*)(msgs + i * MmsgSize + 56);

    /// <summary>Writes two buffers as one packet (a virtio-net header and a frame).</summary>
    public static int Send2(int fd, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        fixed (byte* pa = a) fixed (byte* pb = b)
        {
            nint* iov = stackalloc nint[4];
            iov[0] = (nint)pa; iov[1] = a.Length; iov[2] = (nint)pb; iov[3] = b.Length;
            while (true)
            {
                long r = writev(fd, iov, 2);
                if (r >= 0) return (int)r;
                int e = Marshal.GetLastPInvokeError();
                if (e != 4) return -e;
            }
        }
    }

    private static int Err(long r) => r < 0 ? -Marshal.GetLastPInvokeError() : (int)r;

    public static int Socket(int domain, int type, int proto) => Err(socket(domain, type, proto));
    public static int Bind(int fd, ReadOnlySpan<byte> addr) { fixed (byte* p = addr) return Err(bind(fd, p, addr.Length)); }
    public static int Close(int fd) => Err(close(fd));
    public static int Open(string path, int flags) => Err(open_(path, flags));
    public static int SetNs(int fd, int type) => Err(setns(fd, type));

    public static int Ioctl(int fd, uint req, Span<byte> arg) { fixed (byte* p = arg) return Err(ioctl(fd, req, p)); }

    public static int SetSockOptInt(int fd, int level, int name, int value) => Err(setsockopt(fd, level, name, &value, 4));

    public static int Send(int fd, ReadOnlySpan<byte> buf, bool socket)
    {
        fixed (byte* p = buf)
        {
            while (true)
            {
                long r = socket ? send(fd, p, buf.Length, 0) : write(fd, p, buf.Length);
                if (r >= 0) return (int)r;
                int e = Marshal.GetLastPInvokeError();
                if (e != 4) return -e; // EINTR: retry
            }
        }
    }

    public static int Receive(int fd, Span<byte> buf, bool socket)
    {
        fixed (byte* p = buf)
        {
            while (true)
            {
                long r = socket ? recv(fd, p, buf.Length, MSG_DONTWAIT) : read(fd, p, buf.Length);
                if (r >= 0) return (int)r;
                int e = Marshal.GetLastPInvokeError();
                if (e != 4) return -e;
            }
        }
    }

    /// <summary>Waits for the fd to become readable; 1 ready, 0 timeout, -errno.</summary>
    public static int PollIn(int fd, int timeoutMs)
    {
        long pfd = (uint)fd | ((long)POLLIN << 32);
        int r = poll(&pfd, 1, timeoutMs);
        if (r < 0) { int e = Marshal.GetLastPInvokeError(); return e == 4 ? 0 : -e; }
        return r;
    }

    /// <summary>An ifreq (struct ifreq: 16-byte name then a 24-byte union) for <paramref name="name"/>.</summary>
    public static byte[] IfReq(string name)
    {
        var b = new byte[40];
        var n = System.Text.Encoding.ASCII.GetBytes(name);
        if (n.Length > 15) throw new ArgumentException("interface name too long", nameof(name));
        n.CopyTo(b, 0);
        return b;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a thread of its own that first enters the network
    /// namespace at <paramref name="netnsPath"/> (null: the caller's): setns changes only the
    /// calling thread, so the caller's namespace never changes. Rethrows what the work threw.
    /// </summary>
    public static T InNetNamespace<T>(string? netnsPath, Func<T> work)
    {
        T? result = default;
        Exception? error = null;
        var t = new Thread(() =>
        {
            try
            {
                if (netnsPath != null)
                {
                    int ns = Open(netnsPath, O_RDONLY | O_CLOEXEC);
                    if (ns < 0) throw new IOException($"open {netnsPath}: errno {-ns}");
                    int r = SetNs(ns, CLONE_NEWNET);
                    Close(ns);
                    if (r < 0) throw new IOException($"setns {netnsPath}: errno {-r}");
                }
                result = work();
            }
            catch (Exception e) { error = e; }
        });
        t.Start();
        t.Join();
        if (error != null) throw error;
        return result!;
    }
}
