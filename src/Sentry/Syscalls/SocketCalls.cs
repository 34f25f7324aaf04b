using System.Runtime.InteropServices;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Net;

namespace Sandbox.Sentry.Syscalls;

/// <summary>socket, socketpair, bind, listen, accept, accept4, connect, shutdown, getsockname, getpeername.</summary>
internal static unsafe class SocketCalls
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Socket] = &SocketCall;
        t[Sysno.Socketpair] = &Socketpair;
        t[Sysno.Bind] = &Bind;
        t[Sysno.Listen] = &Listen;
        t[Sysno.Accept] = &Accept;
        t[Sysno.Accept4] = &Accept4;
        t[Sysno.Connect] = &Connect;
        t[Sysno.Shutdown] = &Shutdown;
        t[Sysno.Getsockname] = &Getsockname;
        t[Sysno.Getpeername] = &Getpeername;
    }

    private const int TypeFlags = SockType.SOCK_NONBLOCK | SockType.SOCK_CLOEXEC;

    /// <summary>The socket behind an fd: EBADF for no file, ENOTSOCK for another kind.</summary>
    internal static long Lookup(Task t, ulong fd, out Socket? s)
    {
        var f = t.Fds.Get((int)fd);
        s = f as Socket;
        if (f == null) return Err.EBADF;
        return s == null ? -(long)Errno.ENOTSOCK : 0;
    }

    /// <summary>move_addr_to_kernel(): 0..128 bytes; the length or -errno.</summary>
    internal static long ReadAddress(Task t, ulong addr, ulong len, Span<byte> buf)
    {
        if ((int)len < 0 || (int)len > SocketAbi.SockaddrStorageSize) return Err.EINVAL;
        if (len == 0) return 0;
        return t.MM.CopyIn(addr, buf.Slice(0, (int)len)) < 0 ? Err.EFAULT : (long)len;
    }

    /// <summary>move_addr_to_user(): copies min(*lenp, len) bytes and stores the full length in *lenp.</summary>
    internal static long WriteAddress(Task t, ReadOnlySpan<byte> addr, ulong uaddr, ulong lenp)
    {
        if (t.MM.Read(lenp, out int ulen) < 0) return Err.EFAULT;
        if (ulen < 0) return Err.EINVAL;
        int n = Math.Min(ulen, addr.Length);
        if (n > 0 && t.MM.CopyOut(uaddr, addr.Slice(0, n)) < 0) return Err.EFAULT;
        return t.MM.Write(lenp, addr.Length) < 0 ? Err.EFAULT : 0;
    }

    private static long SocketCall(Task t)
    {
        int type = (int)t.A1;
        if ((type & ~SockType.SOCK_TYPE_MASK & ~TypeFlags) != 0) return Err.EINVAL;
        long r = SocketFamilies.Create(t, (int)t.A0, type & SockType.SOCK_TYPE_MASK, (int)t.A2, type & TypeFlags, out var s);
        if (r < 0) return r;
        return t.Fds.Install(s!, (type & SockType.SOCK_CLOEXEC) != 0);
    }

    private static long Socketpair(Task t)
    {
        int type = (int)t.A1;
        if ((type & ~SockType.SOCK_TYPE_MASK & ~TypeFlags) != 0) return Err.EINVAL;
        long r = SocketFamilies.CreatePair(t, (int)t.A0, type & SockType.SOCK_TYPE_MASK, (int)t.A2, type & TypeFlags, out var a, out var b);
        if (r < 0) return r;
        bool cloexec = (type & SockType.SOCK_CLOEXEC) != 0;
        int fa = t.Fds.Install(a!, cloexec);
        if (fa < 0) { b!.DecRef(); return fa; }
        int fb = t.Fds.Install(b!, cloexec);
        if (fb < 0) { t.Fds.Close(fa); return fb; }
        Span<int> fds = stackalloc int[] { fa, fb };
        if (t.MM.CopyOut(t.A3, MemoryMarshal.AsBytes(fds)) < 0)
        {
            t.Fds.Close(fa);
            t.Fds.Close(fb);
            return Err.EFAULT;
        }
        return 0;
    }

    private static long Bind(Task t)
    {
        long r = Lookup(t, t.A0, out var s);
        if (r < 0) return r;
        Span<byte> addr = stackalloc byte[SocketAbi.SockaddrStorageSize];
        long n = ReadAddress(t, t.A1, t.A2, addr);
        if (n < 0) return n;
        return s!.Bind(t, addr.Slice(0, (int)n));
    }

    private static long Listen(Task t)
    {
        long r = Lookup(t, t.A0, out var s);
        return r < 0 ? r : s!.Listen(t, (int)t.A1);
    }

    private static long Accept(Task t) => DoAccept(t, 0);
    private static long Accept4(Task t) => DoAccept(t, (int)t.A3);

    private static long DoAccept(Task t, int flags)
    {
        if ((flags & ~TypeFlags) != 0) return Err.EINVAL;
        long r = Lookup(t, t.A0, out var s);
        if (r < 0) return r;
        r = s!.Accept(t, out var ns);
        if (r < 0) return r;
        if ((flags & SockType.SOCK_NONBLOCK) != 0) ns!.Flags |= OpenFlags.O_NONBLOCK;
        if (t.A1 != 0)
        {
            Span<byte> addr = stackalloc byte[SocketAbi.SockaddrStorageSize];
            int len = ns!.GetPeerName(addr);
            if (len < 0) len = 0; // the peer is gone already: no address, as an unnamed one
            long w = WriteAddress(t, addr.Slice(0, len), t.A1, t.A2);
            if (w < 0) { ns.DecRef(); return w; }
        }
        return t.Fds.Install(ns!, (flags & SockType.SOCK_CLOEXEC) != 0);
    }

    private static long Connect(Task t)
    {
        long r = Lookup(t, t.A0, out var s);
        if (r < 0) return r;
        Span<byte> addr = stackalloc byte[SocketAbi.SockaddrStorageSize];
        long n = ReadAddress(t, t.A1, t.A2, addr);
        if (n < 0) return n;
        return s!.Connect(t, addr.Slice(0, (int)n));
    }

    private static long Shutdown(Task t)
    {
        long r = Lookup(t, t.A0, out var s);
        return r < 0 ? r : s!.Shutdown(t, (int)t.A1);
    }

    private static long Getsockname(Task t) => GetName(t, peer: false);
    private static long Getpeername(Task t) => GetName(t, peer: true);

    private static long GetName(Task t, bool peer)
    {
        long r = Lookup(t, t.A0, out var s);
        if (r < 0) return r;
        Span<byte> addr = stackalloc byte[SocketAbi.SockaddrStorageSize];
        int len = peer ? s!.GetPeerName(addr) : s!.GetName(addr);
        if (len < 0) return len;
        return WriteAddress(t, addr.Slice(0, len), t.A1, t.A2);
    }
}
