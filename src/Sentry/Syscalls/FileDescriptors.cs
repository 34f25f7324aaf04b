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
                return f.Flags | (isPath ? 0 : OpenFlags.O_LARGEFILE);
            case Fcntl.F_SETFL:
                if (isPath) return Err.EBADF;
                f.Flags = (f.Flags & ~OpenFlags.SetflMask) | ((int)t.A2 & OpenFlags.SetflMask & ~OpenFlags.O_DIRECT);
                return 0;
            case Fcntl.F_GETOWN:
            case Fcntl.F_GETSIG:
                return isPath ? Err.EBADF : 0;
            default:
                t.Kernel.Debug($"task {t.Tid}: fcntl command {cmd} not supported");
                return Err.EINVAL;
        }
    }
}
