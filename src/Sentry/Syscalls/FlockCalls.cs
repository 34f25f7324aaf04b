using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Syscalls;

/// <summary>flock(2); chroot(2); name_to_handle_at(2) (no file handles: EOPNOTSUPP, which callers handle).</summary>
internal static unsafe class FlockCalls
{
    private const int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;

    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Flock] = &Flock;
        t[Sysno.Chroot] = &Chroot;
        t[Sysno.NameToHandleAt] = &NameToHandleAt;
    }

    private static long Flock(Task t)
    {
        var f = t.Fds.Get((int)t.A0);
        if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err.EBADF;
        int op = (int)t.A1 & ~LOCK_NB;
        bool nb = ((int)t.A1 & LOCK_NB) != 0;
        if (op == LOCK_UN) { FlockTable.Unlock(f); return 0; }
        if (op is not (LOCK_SH or LOCK_EX)) return Err.EINVAL;
        if (f.Stat(out var st) < 0) return Err.EBADF;
        var key = (st.Dev, st.Ino);
        bool ex = op == LOCK_EX;
        while (true)
        {
            int r = FlockTable.TryLock(f, key, ex, out var queue);
            if (r == 0) return 0;
            if (nb) return Err.EAGAIN;
            if (t.BlockUntil(() => FlockTable.CanLock(f, key, ex), -1, queue) == BlockResult.Interrupted)
                return -(long)Errno.ERESTARTSYS;
        }
    }

    // chroot(2): needs CAP_SYS_CHROOT; the new root is where absolute paths and ".." stop.
    private static long Chroot(Task t)
    {
        int r = t.MM.ReadPath(t.A0, out string path);
        if (r < 0) return r;
        r = t.Kernel.Vfs.Resolve(t.Root, t.Cwd, path, true, out var loc, t.Creds);
        if (r < 0) return r;
        if (!loc.Inode.IsDirectory) return Err.ENOTDIR;
        r = Permissions.Check(loc.Inode, Access.X_OK, t.Creds);
        if (r < 0) return r;
        if (!t.Creds.Has(Cap.SYS_CHROOT)) return Err.EPERM;
        t.Root = loc;
        return 0;
    }

    private static long NameToHandleAt(Task t)
    {
        int r = t.MM.ReadPath(t.A1, out _);
        return r < 0 ? r : -(long)Errno.EOPNOTSUPP;
    }
}
