using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Vfs;
using Sandbox.Sentry.Vfs.Inotify;

namespace Sandbox.Sentry.Syscalls;

/// <summary>mkdir, mknod, rmdir, unlink, rename, link, symlink and their *at forms.</summary>
internal static unsafe class FileNamespace
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Mkdir] = &Mkdir;
        t[Sysno.Mkdirat] = &Mkdirat;
        t[Sysno.Mknod] = &Mknod;
        t[Sysno.Mknodat] = &Mknodat;
        t[Sysno.Rmdir] = &Rmdir;
        t[Sysno.Unlink] = &Unlink;
        t[Sysno.Unlinkat] = &Unlinkat;
        t[Sysno.Rename] = &Rename;
        t[Sysno.Renameat] = &Renameat;
        t[Sysno.Renameat2] = &Renameat2;
        t[Sysno.Link] = &Link;
        t[Sysno.Linkat] = &Linkat;
        t[Sysno.Symlink] = &Symlink;
        t[Sysno.Symlinkat] = &Symlinkat;
    }

    /// <summary>The parent directory and last name of a path that is about to be created or removed.</summary>
    internal readonly record struct Target(Location Parent, string Name, bool TrailingSlash);

    internal static long ResolveTarget(Task t, int dirfd, ulong pathAddr, out Target target)
    {
        target = default;
        int r = t.MM.ReadPath(pathAddr, out string path);
        if (r < 0) return r;
        if (path.Length == 0) return Err.ENOENT;
        long s = PathArgs.StartAt(t, dirfd, path, out var start);
        if (s < 0) return s;
        bool slash = path.EndsWith('/');
        string trimmed = path.TrimEnd('/');
        if (trimmed.Length == 0) { target = new Target(t.Root, "/", true); return 0; }
        int cut = trimmed.LastIndexOf('/');
        string name = cut < 0 ? trimmed : trimmed[(cut + 1)..];
        string dir = cut < 0 ? "." : cut == 0 ? "/" : trimmed[..cut];
        r = t.Kernel.Vfs.Resolve(t.Root, start, dir, true, out var parent, t.Creds);
        if (r < 0) return r;
        if (name.Length > 255) return -(long)Errno.ENAMETOOLONG;
        if (!parent.Inode.IsDirectory) return Err.ENOTDIR;
        target = new Target(parent, name, slash);
        return 0;
    }

    /// <summary>May the task add or remove names in this directory? (EROFS, then EACCES.)</summary>
    internal static long MayModify(Task t, Location dir)
    {
        if (dir.ReadOnly) return Err.EROFS;
        return Permissions.Check(dir.Inode, Access.W_OK | Access.X_OK, t.Creds);
    }

    /// <summary>The sticky bit (/tmp's 1777): only the file's or directory's owner may remove it.</summary>
    private static long StickyCheck(Task t, Location dir, Inode victim)
    {
        dir.Inode.Stat(out var ds);
        if ((ds.Mode & 0x200) == 0 || t.Creds.Has(Cap.FOWNER)) return 0;
        victim.Stat(out var vs);
        return vs.Uid == t.Creds.Fsuid || ds.Uid == t.Creds.Fsuid ? 0 : Err.EPERM;
    }

    private static Inode? Existing(Target tg)
    {
        if (tg.Name is "." or "..") return tg.Parent.Inode;
        return tg.Parent.Inode.Lookup(tg.Name, out var c) == 0 ? c : null;
    }

    internal static long CreateNode(Task t, int dirfd, ulong pathAddr, uint mode, string? symlinkTarget = null)
    {
        long r = ResolveTarget(t, dirfd, pathAddr, out var tg);
        if (r < 0) return r;
        if (tg.Name is "." or ".." or "/" || Existing(tg) != null) return Err.EEXIST;
        if (tg.TrailingSlash && !FileMode.IsDir(mode)) return FileMode.IsLink(mode) ? Err.ENOENT : Err.ENOENT;
        r = MayModify(t, tg.Parent);
        if (r < 0) return r;
        int c = tg.Parent.Inode.Create(tg.Name, mode, t.Creds.Fsuid, t.Creds.Fsgid, symlinkTarget, out _);
        if (c == 0) Fsnotify.Created(tg.Parent, tg.Name, FileMode.IsDir(mode));
        return c;
    }

    private static long Mkdir(Task t) => DoMkdir(t, AtFlags.AT_FDCWD, t.A0, (uint)t.A1);
    private static long Mkdirat(Task t) => DoMkdir(t, (int)t.A0, t.A1, (uint)t.A2);

    private static long DoMkdir(Task t, int dirfd, ulong path, uint mode)
        => CreateNode(t, dirfd, path, FileMode.S_IFDIR | (mode & 0x3ff & ~t.Umask));

    private static long Mknod(Task t) => DoMknod(t, AtFlags.AT_FDCWD, t.A0, (uint)t.A1);
    private static long Mknodat(Task t) => DoMknod(t, (int)t.A0, t.A1, (uint)t.A2);

    private static long DoMknod(Task t, int dirfd, ulong path, uint mode)
    {
        uint type = mode & FileMode.S_IFMT;
        if (type == 0) type = FileMode.S_IFREG;
        switch (type)
        {
            case FileMode.S_IFREG or FileMode.S_IFIFO or FileMode.S_IFSOCK: break;
            case FileMode.S_IFCHR or FileMode.S_IFBLK: return Err.EPERM; // no device nodes in the sandbox
            case FileMode.S_IFDIR: return Err.EPERM; // mkdir(2) makes those (mknod(2))
            default: return Err.EINVAL;
        }
        return CreateNode(t, dirfd, path, type | (mode & 0xfff & ~t.Umask));
    }

    private static long Symlink(Task t) => DoSymlink(t, t.A0, AtFlags.AT_FDCWD, t.A1);
    private static long Symlinkat(Task t) => DoSymlink(t, t.A0, (int)t.A1, t.A2);

    private static long DoSymlink(Task t, ulong targetAddr, int dirfd, ulong path)
    {
        int r = t.MM.ReadPath(targetAddr, out string target);
        if (r < 0) return r;
        if (target.Length == 0) return Err.ENOENT;
        return CreateNode(t, dirfd, path, FileMode.S_IFLNK | 0x1ff, target);
    }

    private static long Rmdir(Task t) => Remove(t, AtFlags.AT_FDCWD, t.A0, directory: true);
    private static long Unlink(Task t) => Remove(t, AtFlags.AT_FDCWD, t.A0, directory: false);

    private static long Unlinkat(Task t)
    {
        int flags = (int)t.A2;
        if ((flags & ~AtFlags.AT_REMOVEDIR) != 0) return Err.EINVAL;
        return Remove(t, (int)t.A0, t.A1, (flags & AtFlags.AT_REMOVEDIR) != 0);
    }

    private static long Remove(Task t, int dirfd, ulong pathAddr, bool directory)
    {
        long r = ResolveTarget(t, dirfd, pathAddr, out var tg);
        if (r < 0) return r;
        if (directory && tg.Name == ".") return Err.EINVAL;
        if (directory && tg.Name == "..") return -(long)Errno.ENOTEMPTY;
        if (tg.Name == "/") return directory ? Err.EBUSY : Err.EISDIR;
        var victim = Existing(tg);
        if (victim == null) return Err.ENOENT;
        if (!directory && (tg.Name is "." or ".." || victim.IsDirectory)) return Err.EISDIR;
        if (directory && !victim.IsDirectory) return Err.ENOTDIR;
        if (!directory && tg.TrailingSlash) return victim.IsDirectory ? Err.EISDIR : Err.ENOTDIR;
        r = MayModify(t, tg.Parent);
        if (r < 0) return r;
        r = StickyCheck(t, tg.Parent, victim);
        if (r < 0) return r;
        var cached = tg.Parent.Dentry.CachedChild(tg.Name);
        if (cached != null && t.Kernel.Vfs.IsMountPoint(cached)) return Err.EBUSY;
        r = tg.Parent.Inode.Remove(tg.Name, directory);
        if (r == 0)
        {
            tg.Parent.Dentry.Kill(tg.Name);
            Fsnotify.Removed(tg.Parent, tg.Name, victim);
        }
        return r;
    }

    private static long Rename(Task t) => DoRename(t, AtFlags.AT_FDCWD, t.A0, AtFlags.AT_FDCWD, t.A1, 0);
    private static long Renameat(Task t) => DoRename(t, (int)t.A0, t.A1, (int)t.A2, t.A3, 0);
    private static long Renameat2(Task t) => DoRename(t, (int)t.A0, t.A1, (int)t.A2, t.A3, (int)t.A4);

    private static long DoRename(Task t, int olddirfd, ulong oldAddr, int newdirfd, ulong newAddr, int flags)
    {
        const int RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;
        if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) != 0) return Err.EINVAL;
        if ((flags & RENAME_EXCHANGE) != 0 && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)) != 0) return Err.EINVAL;
        if ((flags & RENAME_WHITEOUT) != 0) return -(long)Errno.EOPNOTSUPP;
        long r = ResolveTarget(t, olddirfd, oldAddr, out var from);
        if (r < 0) return r;
        r = ResolveTarget(t, newdirfd, newAddr, out var to);
        if (r < 0) return r;
        if (from.Name is "." or ".." or "/" || to.Name is "." or ".." or "/") return Err.EBUSY;
        var src = Existing(from);
        if (src == null) return Err.ENOENT;
        if ((from.TrailingSlash || to.TrailingSlash) && !src.IsDirectory) return Err.ENOTDIR;
        if (from.Parent.Mount != to.Parent.Mount) return -(long)Errno.EXDEV;
        r = MayModify(t, from.Parent);
        if (r == 0) r = MayModify(t, to.Parent);
        if (r < 0) return r;
        r = StickyCheck(t, from.Parent, src);
        if (r < 0) return r;
        var vfs = t.Kernel.Vfs;
        var c1 = from.Parent.Dentry.CachedChild(from.Name);
        var c2 = to.Parent.Dentry.CachedChild(to.Name);
        if ((c1 != null && vfs.IsMountPoint(c1)) || (c2 != null && vfs.IsMountPoint(c2))) return Err.EBUSY;
        // Two names of one inode: rename(2) does nothing, and both cached names stay.
        var dst = Existing(to);
        r = from.Parent.Inode.Rename(from.Name, to.Parent.Inode, to.Name, flags);
        if (r == 0 && !(ReferenceEquals(dst, src) && (flags & RENAME_EXCHANGE) == 0))
        {
            if ((flags & RENAME_EXCHANGE) != 0) Dentry.Exchange(from.Parent.Dentry, from.Name, to.Parent.Dentry, to.Name);
            else Dentry.Move(from.Parent.Dentry, from.Name, to.Parent.Dentry, to.Name);
            if ((flags & RENAME_EXCHANGE) != 0 && dst != null)
            {
                Fsnotify.Renamed(from.Parent, from.Name, to.Parent, to.Name, src, null);
                Fsnotify.Renamed(to.Parent, to.Name, from.Parent, from.Name, dst, null);
            }
            else Fsnotify.Renamed(from.Parent, from.Name, to.Parent, to.Name, src, dst);
        }
        return r;
    }

    private static long Link(Task t) => DoLink(t, AtFlags.AT_FDCWD, t.A0, AtFlags.AT_FDCWD, t.A1, 0);
    private static long Linkat(Task t) => DoLink(t, (int)t.A0, t.A1, (int)t.A2, t.A3, (int)t.A4);

    private static long DoLink(Task t, int olddirfd, ulong oldAddr, int newdirfd, ulong newAddr, int flags)
    {
        if ((flags & ~(AtFlags.AT_SYMLINK_FOLLOW | AtFlags.AT_EMPTY_PATH)) != 0) return Err.EINVAL;
        long r = PathArgs.Resolve(t, olddirfd, oldAddr, (flags & AtFlags.AT_SYMLINK_FOLLOW) != 0 ? flags & AtFlags.AT_EMPTY_PATH : AtFlags.AT_SYMLINK_NOFOLLOW | (flags & AtFlags.AT_EMPTY_PATH), out var src, out _);
        if (r < 0) return r;
        if (src.Mount == null) return Err.ENOENT;
        if (src.Inode.IsDirectory) return Err.EPERM;
        r = ResolveTarget(t, newdirfd, newAddr, out var to);
        if (r < 0) return r;
        if (to.TrailingSlash) return Err.ENOENT;
        if (Existing(to) != null) return Err.EEXIST;
        if (to.Parent.Mount != src.Mount) return -(long)Errno.EXDEV;
        r = MayModify(t, to.Parent);
        if (r < 0) return r;
        int l = to.Parent.Inode.Link(to.Name, src.Inode);
        if (l == 0) Fsnotify.Linked(src.Inode, to.Parent, to.Name);
        return l;
    }
}
