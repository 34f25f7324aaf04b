using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Syscalls;

/// <summary>fsync, fdatasync, syncfs, sync.</summary>
internal static unsafe class FileSync
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Fsync] = &Fsync;
        t[Sysno.Fdatasync] = &Fsync;
        t[Sysno.Syncfs] = &Fsync;
        t[Sysno.Sync] = &Sync;
    }

    private static long Fsync(Task t)
    {
        var f = t.Fds.Get((int)t.A0);
        if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err.EBADF;
        // Nothing the sandbox writes is cached outside the host's own page cache.
        return 0;
    }

    private static long Sync(Task t) => 0;
}
