using System.Text;
using Sandbox.Linux;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Syscalls;

/// <summary>getdents64, getcwd, chdir, fchdir, chroot (refused).</summary>
internal static unsafe class FileDir
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Getdents64] = &Getdents64;
        t[Sysno.Getcwd] = &Getcwd;
        t[Sysno.Chdir] = &Chdir;
        t[Sysno.Fchdir] = &Fchdir;
    }

    private static long Getdents64(Task t)
    {
        var f = t.Fds.Get((int)t.A0);
        if (f == null) return Err.EBADF;
        ulong count = Math.Min(t.A2, 1UL << 20);
        if (f.Location is { } l && !l.Inode.IsDirectory) return Err.ENOTDIR;
        byte* p = t.MM.Translate(t.A1, count, true, out ulong n);
        if (p == null) return Err.EFAULT;
        if (n == count) return f.GetDents64(new Span<byte>(p, (int)n));
        // The buffer spans VMAs: fill a bounce buffer and copy out.
        var buf = new byte[count];
        long r = f.GetDents64(buf);
        if (r <= 0) return r;
        int c = t.MM.CopyOut(t.A1, buf.AsSpan(0, (int)r));
        return c < 0 ? c : r;
    }

    private static long Getcwd(Task t)
    {
        if (t.Cwd.Dentry.Dead) return Err.ENOENT; // the working directory was removed (getcwd(2))
        string path = VirtualFs.PathOf(t.Cwd, t.Root);
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        if ((ulong)bytes.Length > t.A1) return Err.ERANGE;
        int c = t.MM.CopyOut(t.A0, bytes);
        return c < 0 ? c : bytes.Length;
    }

    private static long Chdir(Task t)
    {
        long r = PathArgs.Resolve(t, Linux.Abi.AtFlags.AT_FDCWD, t.A0, 0, out var loc, out _);
        if (r < 0) return r;
        return SetCwd(t, loc);
    }

    private static long Fchdir(Task t)
    {
        var f = t.Fds.Get((int)t.A0);
        if (f == null) return Err.EBADF;
        if (f.Location is not { } l) return Err.ENOTDIR;
        return SetCwd(t, l);
    }

    private static long SetCwd(Task t, Location loc)
    {
        if (!loc.Inode.IsDirectory) return Err.ENOTDIR;
        int r = Permissions.Check(loc.Inode, Linux.Abi.Access.X_OK, t.Creds);
        if (r < 0) return r;
        t.Cwd = loc;
        return 0;
    }
}
