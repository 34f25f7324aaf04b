using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Syscalls;

/// <summary>fsync, fdatasync, syncfs, ftruncate, fchmod on open files (the rootfs is read-only for now).</summary>
internal static unsafe class FileSync
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Fsync] = &Fsync;
        t[Sysno.Fdatasync] = &Fsync;
        t[Sysno.Syncfs] = &Fsync;
        t[Sysno.Sync] = &Sync;
        t[Sysno.Ftruncate] = &Ftruncate;
        t[Sysno.Fchmod] = &Fchmod;
    }

    private static long Fsync(Task t)
    {
        var f = t.Fds.Get((int)t.A0);
        if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err.EBADF;
        // Nothing the sandbox writes is cached outside the host's own page cache.
        return 0;
    }

    private static long Sync(Task t) => 0;

    private static long Ftruncate(Task t)
    {
        var f = t.Fds.Get((int)t.A0);
        if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err.EBADF;
        if ((long)t.A1 < 0) return Err.EINVAL;
        if (!f.Writable) return Err.EINVAL;
        if (f.Location is not { } l || !FileMode.IsReg(l.Inode.Mode)) return Err.EINVAL;
        if (l.Mount.ReadOnly) return Err.EROFS;
        return Err.EPERM;
    }

    private static long Fchmod(Task t)
    {
        var f = t.Fds.Get((int)t.A0);
        if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err.EBADF;
        if (f.Location is { } l && l.Mount.ReadOnly) return Err.EROFS;
        return Err.EPERM;
    }
}
