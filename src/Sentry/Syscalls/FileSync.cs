using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Syscalls;

/// <summary>fsync, fdatasync, syncfs, sync, sync_file_range.</summary>
internal static unsafe class FileSync
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Fsync] = &Fsync;
        t[Sysno.Fdatasync] = &Fsync;
        t[Sysno.Syncfs] = &Syncfs;
        t[Sysno.Sync] = &Sync;
        t[Sysno.SyncFileRange] = &SyncFileRange;
    }

    // Nothing the sandbox writes is cached outside the host's own page cache: these only check.

    private static long Fsync(Task t)
    {
        var f = t.Fds.Get((int)t.A0);
        if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err.EBADF;
        // Only files of real filesystems have an fsync operation; pipes, sockets, devices,
        // FIFOs and /proc files answer EINVAL (fsync(2)).
        if (f.Location is not { } l || l.Inode.Fs.Type is "proc" or "sysfs") return Err.EINVAL;
        uint type = l.Inode.Mode & FileMode.S_IFMT;
        return type is FileMode.S_IFREG or FileMode.S_IFDIR ? 0 : Err.EINVAL;
    }

    private static long Syncfs(Task t)
    {
        var f = t.Fds.Get((int)t.A0);
        return f == null || (f.Flags & OpenFlags.O_PATH) != 0 ? Err.EBADF : 0;
    }

    private static long SyncFileRange(Task t)
    {
        long offset = (long)t.A1, nbytes = (long)t.A2;
        uint flags = (uint)t.A3;
        var f = t.Fds.Get((int)t.A0);
        if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err.EBADF;
        if ((flags & ~7u) != 0 || offset < 0 || offset + nbytes < 0 || offset + nbytes < offset) return Err.EINVAL;
        if (f.Stat(out var st) < 0) return -(long)Errno.ESPIPE;
        uint type = st.Mode & FileMode.S_IFMT;
        return type is FileMode.S_IFREG or FileMode.S_IFDIR or FileMode.S_IFBLK or FileMode.S_IFLNK ? 0 : -(long)Errno.ESPIPE;
    }

    private static long Sync(Task t) => 0;
}
