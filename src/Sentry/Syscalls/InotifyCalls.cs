using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Vfs;
using Sandbox.Sentry.Vfs.Inotify;
using static Sandbox.Linux.Abi.InotifyMask;

namespace Sandbox.Sentry.Syscalls;

/// <summary>inotify_init(1), inotify_add_watch, inotify_rm_watch (inotify(7)).</summary>
internal static unsafe class InotifyCalls
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.InotifyInit] = &InotifyInit;
        t[Sysno.InotifyInit1] = &InotifyInit1;
        t[Sysno.InotifyAddWatch] = &AddWatch;
        t[Sysno.InotifyRmWatch] = &RmWatch;
    }

    private static long InotifyInit(Task t) => Create(t, 0);
    private static long InotifyInit1(Task t) => Create(t, (int)t.A0);

    private static long Create(Task t, int flags)
    {
        if ((flags & ~(IN_NONBLOCK | IN_CLOEXEC)) != 0) return Err.EINVAL;
        var f = new InotifyFile { Flags = OpenFlags.O_RDONLY | (flags & IN_NONBLOCK) };
        return t.Fds.Install(f, (flags & IN_CLOEXEC) != 0);
    }

    private static long AddWatch(Task t)
    {
        uint mask = (uint)t.A2;
        var f = t.Fds.Get((int)t.A0);
        if (f == null) return Err.EBADF;
        if ((mask & IN_ALL_EVENTS) == 0 || (mask & ~ValidWatchBits) != 0) return Err.EINVAL;
        if ((mask & IN_MASK_ADD) != 0 && (mask & IN_MASK_CREATE) != 0) return Err.EINVAL;
        if (f is not InotifyFile ino) return Err.EINVAL;
        int at = (mask & IN_DONT_FOLLOW) != 0 ? AtFlags.AT_SYMLINK_NOFOLLOW : 0;
        long r = PathArgs.Resolve(t, AtFlags.AT_FDCWD, t.A1, at, out var loc, out _);
        if (r < 0) return r;
        if ((mask & IN_ONLYDIR) != 0 && !loc.Inode.IsDirectory) return Err.ENOTDIR;
        r = Permissions.Check(loc.Inode, Access.R_OK, t.Creds);
        if (r < 0) return r;
        return ino.AddWatch(loc.Inode, mask);
    }

    private static long RmWatch(Task t)
    {
        var f = t.Fds.Get((int)t.A0);
        if (f == null) return Err.EBADF;
        if (f is not InotifyFile ino) return Err.EINVAL;
        return ino.RemoveWatch((int)t.A1);
    }
}
