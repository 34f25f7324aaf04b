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
    private const short F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2;

    /// <summary>struct flock (asm-generic/fcntl.h).</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct Flock { public short Type, Whence; public long Start, Len; public int Pid; }

    /// <summary>
    /// Advisory record locks. With one process in the sandbox no lock can conflict, so every
    /// lock is granted and F_GETLK reports F_UNLCK; the checks are Linux's. A lock table shared
    /// by the sandbox's processes comes with them (processes issue).
    /// </summary>
    private static long Lock(Task t, Vfs.FileDescription f, int cmd, ulong addr)
    {
        if ((f.Flags & OpenFlags.O_PATH) != 0) return Err.EBADF;
        int r = t.MM.Read(addr, out Flock fl);
        if (r < 0) return r;
        if (fl.Type is not (F_RDLCK or F_WRLCK or F_UNLCK) || fl.Whence is < 0 or > 2) return Err.EINVAL;
        bool ofd = cmd is F_OFD_GETLK or F_OFD_SETLK or F_OFD_SETLKW;
        if (ofd && fl.Pid != 0) return Err.EINVAL;
        if (cmd is Fcntl.F_GETLK or F_OFD_GETLK)
        {
            if (fl.Type == F_UNLCK) return Err.EINVAL;
            fl.Type = F_UNLCK;
            return t.MM.Write(addr, fl);
        }
        if (fl.Type == F_RDLCK && !f.Readable) return Err.EBADF;
        if (fl.Type == F_WRLCK && !f.Writable) return Err.EBADF;
        return 0;
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
