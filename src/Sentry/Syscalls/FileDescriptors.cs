using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Syscalls;

/// <summary>dup, dup2, dup3, fcntl.</summary>
internal static unsafe class FileDescriptors
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Dup] = &Dup;
        t[Sysno.Dup2] = &Dup2;
        t[Sysno.Dup3] = &Dup3;
        t[Sysno.Fcntl] = &FcntlCall;
    }

    private static long Dup(Task t)
    {
        var f = t.Fds.Get((int)t.A0);
        if (f == null) return Err.EBADF;
        f.IncRef();
        return t.Fds.Install(f, false);
    }

    private static long Dup2(Task t)
    {
        int oldfd = (int)t.A0, newfd = (int)t.A1;
        var f = t.Fds.Get(oldfd);
        if (f == null) return Err.EBADF;
        if (oldfd == newfd) return newfd;
        f.IncRef();
        return t.Fds.InstallAt(newfd, f, false);
    }

    private static long Dup3(Task t)
    {
        int oldfd = (int)t.A0, newfd = (int)t.A1, flags = (int)t.A2;
        if ((flags & ~OpenFlags.O_CLOEXEC) != 0) return Err.EINVAL;
        if (oldfd == newfd) return Err.EINVAL;
        var f = t.Fds.Get(oldfd);
        if (f == null) return Err.EBADF;
        f.IncRef();
        return t.Fds.InstallAt(newfd, f, (flags & OpenFlags.O_CLOEXEC) != 0);
    }

    private const int F_SETOWN_EX = 15, F_GETOWN_EX = 16, F_OWNER_PID = 1, F_OFD_GETLK = 36, F_OFD_SETLK = 37, F_OFD_SETLKW = 38;
    private const short F_RDLCK = Vfs.RecordLockTable.F_RDLCK, F_WRLCK = Vfs.RecordLockTable.F_WRLCK, F_UNLCK = Vfs.RecordLockTable.F_UNLCK;

    /// <summary>struct flock (asm-generic/fcntl.h).</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct Flock { public short Type, Whence; public long Start, Len; public int Pid; }

    /// <summary>
    /// Advisory record locks (fcntl(2) "Advisory record locking" and "Open file description
    /// locks"): the checks in Linux's order, then <see cref="Vfs.RecordLockTable"/>.
    /// </summary>
    private static long Lock(Task t, Vfs.FileDescription f, int cmd, ulong addr)
    {
        if ((f.Flags & OpenFlags.O_PATH) != 0) return Err.EBADF;
        int r = t.MM.Read(addr, out Flock fl);
        if (r < 0) return r;
        bool ofd = cmd is F_OFD_GETLK or F_OFD_SETLK or F_OFD_SETLKW;
        if (ofd && fl.Pid != 0) return Err.EINVAL;
        if (fl.Type is not (F_RDLCK or F_WRLCK or F_UNLCK)) return Err.EINVAL;
        long start, end;
        switch (fl.Whence)
        {
            case 0: start = 0; break;
            case 1: start = f.Seek(0, 1); break;
            case 2: start = f.Stat(out var st) < 0 ? 0 : st.Size; break;
            default: return Err.EINVAL;
        }
        if (start < 0) return Err.EINVAL;
        // Start + l_len, with l_len < 0 meaning the bytes before l_start (fcntl(2)).
        if (fl.Start > 0 && start > long.MaxValue - fl.Start) return -(long)Errno.EOVERFLOW;
        start += fl.Start;
        if (start < 0) return Err.EINVAL;
        if (fl.Len > 0)
        {
            if (fl.Len - 1 > long.MaxValue - start) return -(long)Errno.EOVERFLOW;
            end = start + fl.Len - 1;
        }
        else if (fl.Len == 0) end = long.MaxValue;
        else
        {
            end = start - 1;
            start += fl.Len;
            if (start < 0) return Err.EINVAL;
        }
        if (!Vfs.RecordLockTable.KeyOf(f, out var key)) return Err.EBADF;
        object owner = ofd ? f : t.Fds;
        if (cmd is Fcntl.F_GETLK or F_OFD_GETLK)
        {
            if (fl.Type == F_UNLCK) return Err.EINVAL;
            var c = Vfs.RecordLockTable.Test(key, owner, fl.Type, start, end);
            if (c == null) fl.Type = F_UNLCK;
            else
            {
                fl.Type = c.Type;
                fl.Whence = 0;
                fl.Start = c.Start;
                fl.Len = c.End == long.MaxValue ? 0 : c.End - c.Start + 1;
                fl.Pid = c.Pid;
            }
            return t.MM.Write(addr, fl);
        }
        if (fl.Type == F_RDLCK && !f.Readable) return Err.EBADF;
        if (fl.Type == F_WRLCK && !f.Writable) return Err.EBADF;
        bool wait = cmd is Fcntl.F_SETLKW or F_OFD_SETLKW;
        while (true)
        {
            r = Vfs.RecordLockTable.Set(key, owner, ofd ? -1 : t.Tgid, fl.Type, start, end, out var queue, out var blocker);
            if (r == 0)
            {
                if (ofd && fl.Type != F_UNLCK) f.HoldsOfdLock = true;
                return 0;
            }
            if (!wait) return Err.EAGAIN;
            if (!ofd && Vfs.RecordLockTable.WouldDeadlock(owner, blocker!)) return -(long)Errno.EDEADLK;
            var q = queue!;
            short type = fl.Type;
            long s0 = start, e0 = end;
            var res = t.BlockUntil(() => Vfs.RecordLockTable.Test(key, owner, type, s0, e0) == null, -1, q);
            if (!ofd) Vfs.RecordLockTable.DoneWaiting(owner);
            if (res == BlockResult.Interrupted) return -(long)Errno.ERESTARTSYS;
        }
    }

    private static long FcntlCall(Task t)
    {
        int fd = (int)t.A0, cmd = (int)t.A1;
        var f = t.Fds.Get(fd);
        if (f == null) return Err.EBADF;
        bool isPath = (f.Flags & OpenFlags.O_PATH) != 0;
        switch (cmd)
        {
            case Fcntl.F_DUPFD:
            case Fcntl.F_DUPFD_CLOEXEC:
            {
                long min = (long)t.A2;
                if (min < 0 || (ulong)min >= t.Rlimits[Rlimit.NOFILE].Cur) return Err.EINVAL;
                f.IncRef();
                return t.Fds.Install(f, cmd == Fcntl.F_DUPFD_CLOEXEC, (int)min);
            }
            case Fcntl.F_GETFD:
                return t.Fds.GetCloexec(fd) ? Fcntl.FD_CLOEXEC : 0;
            case Fcntl.F_SETFD:
                return t.Fds.SetCloexec(fd, (t.A2 & Fcntl.FD_CLOEXEC) != 0);
            case Fcntl.F_GETFL:
                return f.Flags | (isPath || f is Net.Socket ? 0 : OpenFlags.O_LARGEFILE);
            case Fcntl.F_SETFL:
                if (isPath) return Err.EBADF;
                // O_NOATIME only for the file's owner or CAP_FOWNER (fcntl(2)).
                if (((int)t.A2 & OpenFlags.O_NOATIME) != 0 && (f.Flags & OpenFlags.O_NOATIME) == 0 && f.Location is { } nl && !FileAttr.Owner(t, nl.Inode))
                    return Err.EPERM;
                f.Flags = (f.Flags & ~OpenFlags.SetflMask) | ((int)t.A2 & OpenFlags.SetflMask & ~OpenFlags.O_DIRECT);
                return 0;
            case Fcntl.F_GETOWN:
            case Fcntl.F_GETSIG:
                return isPath ? Err.EBADF : 0;
            case F_GETOWN_EX:
            {
                if (isPath) return Err.EBADF;
                Span<int> owner = stackalloc int[] { F_OWNER_PID, 0 };
                return t.MM.CopyOut(t.A2, System.Runtime.InteropServices.MemoryMarshal.AsBytes(owner));
            }
            case Fcntl.F_GETPIPE_SZ:
                return f is Vfs.Pipe.PipeEnd pg ? pg.Pipe.Capacity : Err.EBADF;
            case Fcntl.F_SETPIPE_SZ:
                return f is Vfs.Pipe.PipeEnd ps ? ps.Pipe.SetCapacity((uint)t.A2, t.Creds.Has(Cap.SYS_RESOURCE)) : Err.EBADF;
            case Fcntl.F_GETLK or Fcntl.F_SETLK or Fcntl.F_SETLKW or F_OFD_GETLK or F_OFD_SETLK or F_OFD_SETLKW:
                return Lock(t, f, cmd, t.A2);
            default:
                t.Kernel.Debug($"task {t.Tid}: fcntl command {cmd} not supported");
                return Err.EINVAL;
        }
    }
}
