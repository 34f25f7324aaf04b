using Sandbox.Linux;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Vfs;
using Sandbox.Sentry.Vfs.Inotify;

namespace Sandbox.Sentry.Syscalls;

/// <summary>read, write, readv, writev, pread64, pwrite64, preadv, pwritev, preadv2, pwritev2, lseek.</summary>
internal static unsafe class FileIo
{
    /// <summary>MAX_RW_COUNT: the most one read or write moves.</summary>
    private const ulong MaxRw = 0x7ffff000;
    private const int IovMax = 1024;

    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Read] = &Read;
        t[Sysno.Write] = &Write;
        t[Sysno.Pread64] = &Pread64;
        t[Sysno.Pwrite64] = &Pwrite64;
        t[Sysno.Readv] = &Readv;
        t[Sysno.Writev] = &Writev;
        t[Sysno.Preadv] = &Preadv;
        t[Sysno.Pwritev] = &Pwritev;
        t[Sysno.Preadv2] = &Preadv2;
        t[Sysno.Pwritev2] = &Pwritev2;
        t[Sysno.Lseek] = &Lseek;
    }

    /// <summary>access_ok(): the range lies in the user address space (TASK_SIZE_MAX), mapped or not.</summary>
    internal static bool AccessOk(ulong addr, ulong len) => addr + len >= addr && addr + len <= TaskSizeMax;

    private const ulong TaskSizeMax = (1UL << 47) - 4096;

    private static long Read(Task t)
    {
        var f = t.Fds.Get((int)t.A0);
        if (f == null || !f.Readable) return Err.EBADF;
        if (!AccessOk(t.A1, t.A2)) return Err.EFAULT;
        if (f is Net.Socket s) return SocketMsgCalls.ReadWrite(t, s, t.A1, t.A2, toApp: true);
        return Transfer(t, f, t.A1, Math.Min(t.A2, MaxRw), -1, toApp: true);
    }

    private static long Write(Task t)
    {
        var f = t.Fds.Get((int)t.A0);
        if (f == null || !f.Writable) return Err.EBADF;
        if (!AccessOk(t.A1, t.A2)) return Err.EFAULT;
        if (f is Net.Socket s) return SocketMsgCalls.ReadWrite(t, s, t.A1, t.A2, toApp: false);
        return Transfer(t, f, t.A1, Math.Min(t.A2, MaxRw), -1, toApp: false);
    }

    private static long Pread64(Task t)
    {
        var f = t.Fds.Get((int)t.A0);
        if (f == null || !f.Readable) return Err.EBADF;
        if ((long)t.A3 < 0) return Err.EINVAL;
        if (!f.Positional) return Err.ESPIPE;
        return Transfer(t, f, t.A1, Math.Min(t.A2, MaxRw), (long)t.A3, toApp: true);
    }

    private static long Pwrite64(Task t)
    {
        var f = t.Fds.Get((int)t.A0);
        if (f == null || !f.Writable) return Err.EBADF;
        if ((long)t.A3 < 0) return Err.EINVAL;
        if (!f.Positional) return Err.ESPIPE;
        return Transfer(t, f, t.A1, Math.Min(t.A2, MaxRw), (long)t.A3, toApp: false);
    }

    private static long Readv(Task t) => Vector(t, (int)t.A0, t.A1, (long)t.A2, -1, toApp: true);
    private static long Writev(Task t) => Vector(t, (int)t.A0, t.A1, (long)t.A2, -1, toApp: false);

    private static long Preadv(Task t)
    {
        if ((long)t.A3 < 0) return Err.EINVAL;
        return Vector(t, (int)t.A0, t.A1, (long)t.A2, (long)t.A3, toApp: true);
    }

    private static long Pwritev(Task t)
    {
        if ((long)t.A3 < 0) return Err.EINVAL;
        return Vector(t, (int)t.A0, t.A1, (long)t.A2, (long)t.A3, toApp: false);
    }

    private const int RWF_APPEND = 0x10, RwfKnown = 0x3f; // HIPRI, DSYNC, SYNC, NOWAIT, APPEND, NOAPPEND

    private static long Preadv2(Task t) => Vector2(t, toApp: true);
    private static long Pwritev2(Task t) => Vector2(t, toApp: false);

    /// <summary>
    /// preadv2/pwritev2 (x86-64 passes the whole offset in pos_l): offset -1 is the file offset.
    /// With no cache of its own to bypass or flush, the sandbox needs no HIPRI, DSYNC, SYNC or
    /// NOWAIT work; RWF_APPEND writes at the end of the file, as O_APPEND does.
    /// </summary>
    private static long Vector2(Task t, bool toApp)
    {
        long offset = (long)t.A3;
        int flags = (int)t.A5;
        if (offset < -1) return Err.EINVAL;
        if ((flags & ~RwfKnown) != 0) return -(long)Errno.EOPNOTSUPP;
        if (!toApp && (flags & RWF_APPEND) != 0 && t.Fds.Get((int)t.A0) is { Writable: true, Positional: true } f)
        {
            if (offset < 0) f.Seek(0, Linux.Abi.Seek.END);
            else if (f.Stat(out var st) == 0) offset = st.Size;
        }
        return Vector(t, (int)t.A0, t.A1, (long)t.A2, offset, toApp);
    }

    private static long Vector(Task t, int fd, ulong iovAddr, long iovcnt, long offset, bool toApp)
    {
        var f = t.Fds.Get(fd);
        if (f == null || (toApp ? !f.Readable : !f.Writable)) return Err.EBADF;
        if (offset >= 0 && !f.Positional) return Err.ESPIPE;
        if (f is Net.Socket s) return SocketMsgCalls.ReadWriteVector(t, s, iovAddr, iovcnt, toApp);
        if (iovcnt < 0 || iovcnt > IovMax) return Err.EINVAL;
        if (iovcnt == 0) return 0;
        Span<ulong> iov = stackalloc ulong[(int)iovcnt * 2];
        int r = t.MM.CopyIn(iovAddr, System.Runtime.InteropServices.MemoryMarshal.AsBytes(iov));
        if (r < 0) return r;
        // Each length must fit in ssize_t and its whole range lie in user space, before the
        // total is capped at MAX_RW_COUNT (__import_iovec in lib/iov_iter.c).
        for (int i = 0; i < iovcnt; i++)
        {
            if ((long)iov[2 * i + 1] < 0) return Err.EINVAL;
            if (!AccessOk(iov[2 * i], iov[2 * i + 1])) return Err.EFAULT;
        }
        long total = 0;
        ulong left = MaxRw;
        for (int i = 0; i < iovcnt && left > 0; i++)
        {
            ulong len = Math.Min(iov[2 * i + 1], left);
            if (len == 0) continue;
            long n = Transfer(t, f, iov[2 * i], len, offset < 0 ? -1 : offset + total, toApp);
            if (n < 0) return total > 0 ? total : n;
            total += n;
            left -= (ulong)n;
            if ((ulong)n < len) break;
        }
        return total;
    }

    /// <summary>
    /// Moves up to <paramref name="count"/> bytes between the file and application memory,
    /// straight through the memory file. A bad buffer gives EFAULT, or a short count if some
    /// bytes already moved.
    /// </summary>
    internal static long Transfer(Task t, FileDescription f, ulong addr, ulong count, long offset, bool toApp)
    {
        if (count == 0 || f.IgnoresBuffer) return toApp ? f.Read(Span<byte>.Empty, offset) : (f.Write(ReadOnlySpan<byte>.Empty, offset) is var w && w < 0 ? w : (long)count);
        long total = 0;
        while ((ulong)total < count)
        {
            byte* p = t.MM.Translate(addr + (ulong)total, count - (ulong)total, toApp, out ulong n);
            if (p == null) return total > 0 ? total : Err.EFAULT;
            long pos = offset < 0 ? -1 : offset + total;
            long r = toApp ? f.Read(new Span<byte>(p, (int)n), pos) : f.Write(new ReadOnlySpan<byte>(p, (int)n), pos);
            if (r < 0) return total > 0 ? total : r;
            total += r;
            if ((ulong)r < n) break;
        }
        if (total > 0 && Fsnotify.Active)
        {
            if (toApp) Fsnotify.Accessed(f);
            else Fsnotify.Modified(f);
        }
        return total;
    }

    private static long Lseek(Task t)
    {
        var f = t.Fds.Get((int)t.A0);
        if (f == null) return Err.EBADF;
        return f.Seek((long)t.A1, (int)t.A2);
    }
}
