using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Syscalls;

/// <summary>open, openat, openat2, creat, close.</summary>
internal static unsafe class FileOpen
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Open] = &Open;
        t[Sysno.Openat] = &Openat;
        t[Sysno.Creat] = &Creat;
        t[Sysno.Close] = &Close;
    }

    private static long Open(Task t) => DoOpen(t, AtFlags.AT_FDCWD, t.A0, (int)t.A1, (uint)t.A2);
    private static long Openat(Task t) => DoOpen(t, (int)t.A0, t.A1, (int)t.A2, (uint)t.A3);
    private static long Creat(Task t) => DoOpen(t, AtFlags.AT_FDCWD, t.A0, OpenFlags.O_CREAT | OpenFlags.O_WRONLY | OpenFlags.O_TRUNC, (uint)t.A1);

    private static long Close(Task t) => t.Fds.Close((int)t.A0);

    internal static long DoOpen(Task t, int dirfd, ulong pathAddr, int flags, uint mode)
    {
        int r = t.MM.ReadPath(pathAddr, out string path);
        if (r < 0) return r;
        if (path.Length == 0) return Err.ENOENT;
        if ((flags & OpenFlags.O_TMPFILE) == OpenFlags.O_TMPFILE) flags &= ~OpenFlags.O_DIRECTORY | OpenFlags.O_TMPFILE;
        if ((flags & OpenFlags.O_PATH) != 0) flags &= OpenFlags.O_PATH | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC;
        long s = PathArgs.StartAt(t, dirfd, path, out var start);
        if (s < 0) return s;
        bool follow = (flags & OpenFlags.O_NOFOLLOW) == 0;
        bool creat = (flags & OpenFlags.O_CREAT) != 0;
        int acc = flags & OpenFlags.O_ACCMODE;
        var vfs = t.Kernel.Vfs;

        r = vfs.Resolve(t.Root, start, path, follow || (creat && (flags & OpenFlags.O_EXCL) == 0), out var loc, t.Creds);
        if (r == -(int)Errno.ENOENT && creat)
        {
            long pr = PathArgs.ResolveParent(t, start, path, out var parent, out _);
            if (pr < 0) return pr;
            if (!parent.Inode.IsDirectory) return Err.ENOTDIR;
            if (path.EndsWith('/')) return Err.EISDIR;
            // Creating files needs a writable filesystem: the Gofer issue brings the overlay.
            return parent.Mount.ReadOnly ? Err.EROFS : Err.EACCES;
        }
        if (r < 0) return r;
        if (creat && (flags & OpenFlags.O_EXCL) != 0) return Err.EEXIST;
        var inode = loc.Inode;
        if (inode.IsSymlink && (flags & OpenFlags.O_PATH) == 0) return -(long)Errno.ELOOP;
        if ((flags & OpenFlags.O_DIRECTORY) != 0 && !inode.IsDirectory) return Err.ENOTDIR;
        if ((flags & OpenFlags.O_PATH) == 0)
        {
            if (inode.IsDirectory && (acc != OpenFlags.O_RDONLY || creat || (flags & OpenFlags.O_TMPFILE) == OpenFlags.O_TMPFILE)) return Err.EISDIR;
            bool writes = acc != OpenFlags.O_RDONLY || (flags & OpenFlags.O_TRUNC) != 0;
            uint type = inode.Mode & FileMode.S_IFMT;
            if (writes && loc.Mount.ReadOnly && type is FileMode.S_IFREG or FileMode.S_IFDIR or FileMode.S_IFLNK) return Err.EROFS;
            int want = (acc is OpenFlags.O_RDONLY or OpenFlags.O_RDWR ? Access.R_OK : 0) | (acc is OpenFlags.O_WRONLY or OpenFlags.O_RDWR ? Access.W_OK : 0);
            if (acc == 3) want = Access.R_OK | Access.W_OK;
            int pr = Permissions.Check(inode, want, t.Creds);
            if (pr < 0) return pr;
        }
        r = inode.Open(flags & ~(OpenFlags.O_CLOEXEC | OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_NOCTTY | OpenFlags.O_TRUNC), out var file);
        if (r < 0) return r;
        file!.Location = loc;
        return t.Fds.Install(file, (flags & OpenFlags.O_CLOEXEC) != 0);
    }
}
