using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Syscalls;

/// <summary>execve, execveat.</summary>
internal static unsafe class ExecCalls
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Execve] = &Execve;
        t[Sysno.Execveat] = &Execveat;
    }

    private static long Execve(Task t) => DoExec(t, AtFlags.AT_FDCWD, t.A0, t.A1, t.A2, 0);
    private static long Execveat(Task t) => DoExec(t, (int)t.A0, t.A1, t.A2, t.A3, (int)t.A4);

    private static long DoExec(Task t, int dirfd, ulong pathAddr, ulong argvAddr, ulong envpAddr, int flags)
    {
        if ((flags & ~(AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EMPTY_PATH)) != 0) return Err.EINVAL;
        int r = t.MM.ReadPath(pathAddr, out string path);
        if (r < 0) return r;
        // The file is looked up before the arguments are copied (fs/exec.c), so a missing file
        // wins over a bad argv.
        long s = PathArgs.Resolve(t, dirfd, pathAddr, (flags & AtFlags.AT_EMPTY_PATH) | (flags & AtFlags.AT_SYMLINK_NOFOLLOW), out var loc, out var file);
        if (s < 0) return s;
        if (loc.Mount == null) return Err.ENOENT;
        if ((flags & AtFlags.AT_SYMLINK_NOFOLLOW) != 0 && loc.Inode.IsSymlink) return -(long)Errno.ELOOP;
        if (loc.Inode.IsDirectory || !FileMode.IsReg(loc.Inode.Mode)) return Err.EACCES;
        var argv = new List<string>();
        var envp = new List<string>();
        r = t.MM.ReadStringArray(argvAddr, argv);
        if (r < 0) return r;
        r = t.MM.ReadStringArray(envpAddr, envp);
        if (r < 0) return r;
        if (argv.Count == 0) argv.Add(""); // Linux passes an empty argv[0] rather than none (since 5.18)
        string target = path.Length > 0 && path[0] == '/' || dirfd == AtFlags.AT_FDCWD && path.Length > 0 ? path : VirtualFs.PathOf(loc, t.Root);
        r = Exec.Run(t, target, argv, envp, out var err);
        if (r < 0)
        {
            t.Kernel.Debug($"task {t.Tid}: execve {path}: {err.Message}");
            return r;
        }
        // The new program starts with the registers Exec.Run set; rax must stay as it made it.
        return (long)t.Regs.Rax;
    }
}
