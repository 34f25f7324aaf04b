using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Vfs;
using Sandbox.Sentry.Vfs.Inotify;

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
        t[Sysno.CloseRange] = &CloseRange;
        t[Sysno.Openat2] = &Openat2;
    }

    private static long Open(Task t) => DoOpen(t, AtFlags.AT_FDCWD, t.A0, (int)t.A1, (uint)t.A2);
    private static long Openat(Task t) => DoOpen(t, (int)t.A0, t.A1, (int)t.A2, (uint)t.A3);
    private static long Creat(Task t) => DoOpen(t, AtFlags.AT_FDCWD, t.A0, OpenFlags.O_CREAT | OpenFlags.O_WRONLY | OpenFlags.O_TRUNC, (uint)t.A1);

    private static long Close(Task t) => t.Fds.Close((int)t.A0);

    private const int CLOSE_RANGE_UNSHARE = 2, CLOSE_RANGE_CLOEXEC = 4;

    private static long CloseRange(Task t)
    {
        uint first = (uint)t.A0, last = (uint)t.A1, flags = (uint)t.A2;
        if ((flags & ~(uint)(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) != 0 || first > last) return Err.EINVAL;
        int top = t.Fds.HighestFd();
        for (long fd = first; fd <= last && fd <= top; fd++)
        {
            if (t.Fds.Get((int)fd) == null) continue;
            if ((flags & CLOSE_RANGE_CLOEXEC) != 0) t.Fds.SetCloexec((int)fd, true);
            else t.Fds.Close((int)fd);
        }
        return 0;
    }

    /// <summary>struct open_how (linux/openat2.h); filled by copy-in.</summary>
#pragma warning disable CS0649
    private struct OpenHow { public ulong Flags, Mode, Resolve; }
#pragma warning restore CS0649

    private static long Openat2(Task t)
    {
        ulong size = t.A3;
        if (size < 24) return Err.EINVAL;
        if (size > 4096) return -(long)Errno.E2BIG;
        int r = t.MM.Read(t.A2, out OpenHow how);
        if (r < 0) return r;
        // Bytes past the struct we know must be zero (extensible-struct rule, openat2(2)).
        for (ulong off = 24; off < size; off++)
        {
            r = t.MM.Read(t.A2 + off, out byte b);
            if (r < 0) return r;
            if (b != 0) return -(long)Errno.E2BIG;
        }
        if ((how.Flags & ~(ulong)(uint)OpenFlags.Valid) != 0 || how.Flags > uint.MaxValue) return Err.EINVAL;
        int flags = (int)how.Flags;
        bool creates = (flags & OpenFlags.O_CREAT) != 0 || (flags & OpenFlags.O_TMPFILE) == OpenFlags.O_TMPFILE;
        if (how.Mode > 0xfff || (!creates && how.Mode != 0)) return Err.EINVAL;
        if ((how.Resolve & ~(ulong)ResolveFlags.All) != 0) return Err.EINVAL;
        if ((how.Resolve & (ulong)(ResolveFlags.Beneath | ResolveFlags.InRoot)) == (ulong)(ResolveFlags.Beneath | ResolveFlags.InRoot)) return Err.EINVAL;
        if ((how.Resolve & (ulong)ResolveFlags.Cached) != 0) return Err.EAGAIN;
        return DoOpen(t, (int)t.A0, t.A1, flags, (uint)how.Mode, (ResolveFlags)how.Resolve);
    }

    internal static long DoOpen(Task t, int dirfd, ulong pathAddr, int flags, uint mode, ResolveFlags resolve = 0)
    {
        int r = t.MM.ReadPath(pathAddr, out string path);
        if (r < 0) return r;
        if (path.Length == 0) return Err.ENOENT;
        // O_DIRECTORY|O_CREAT once made regular files; Linux 6.4 and later refuse it (open(2)).
        if ((flags & (OpenFlags.O_DIRECTORY | OpenFlags.O_CREAT)) == (OpenFlags.O_DIRECTORY | OpenFlags.O_CREAT)) return Err.EINVAL;
        if ((flags & OpenFlags.O_TMPFILE) == OpenFlags.O_TMPFILE)
        {
            // O_TMPFILE takes a writable access mode and no O_CREAT (open(2)).
            if ((flags & OpenFlags.O_ACCMODE) == OpenFlags.O_RDONLY || (flags & OpenFlags.O_CREAT) != 0) return Err.EINVAL;
            flags &= ~OpenFlags.O_DIRECTORY | OpenFlags.O_TMPFILE;
        }
        if ((flags & OpenFlags.O_PATH) != 0) flags &= OpenFlags.O_PATH | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC;
        long s = PathArgs.StartAt(t, dirfd, path, out var start, resolve);
        if (s < 0) return s;
        var root = (resolve & ResolveFlags.InRoot) != 0 ? start : t.Root;
        bool follow = (flags & OpenFlags.O_NOFOLLOW) == 0;
        bool creat = (flags & OpenFlags.O_CREAT) != 0;
        int acc = flags & OpenFlags.O_ACCMODE;
        var vfs = t.Kernel.Vfs;

        bool excl = creat && (flags & OpenFlags.O_EXCL) != 0;
        if (creat && path.EndsWith('/') && !path.EndsWith("/.") && !path.EndsWith("/..") && path.TrimEnd('/').Length > 0)
        {
            // O_CREAT with a trailing slash: whatever the name is, EISDIR once its directory resolves.
            long pr = PathArgs.ResolveParent(t, start, path, out var dir, out _);
            if (pr < 0) return pr;
            return dir.Inode.IsDirectory ? Err.EISDIR : Err.ENOTDIR;
        }
        // O_CREAT|O_EXCL never follows a final symlink: it exists, dangling or not.
        r = vfs.Resolve(root, start, path, follow && !excl, out var loc, t.Creds, resolve);
        if (r == -(int)Errno.ENOENT && creat)
        {
            // A dangling symlink as the last component: the file is created where it points (open(2)).
            string createPath = path;
            var createStart = start;
            for (int hops = 0; follow; hops++)
            {
                if (vfs.Resolve(root, createStart, createPath, false, out var last, t.Creds, resolve) < 0 || !last.Inode.IsSymlink) break;
                if (hops >= VirtualFs.MaxSymlinks || (resolve & ResolveFlags.NoSymlinks) != 0) return -(long)Errno.ELOOP;
                if (last.Inode.ReadLink(out string target) < 0 || last.Dentry.Parent == null) break;
                createStart = new Location(last.Mount, last.Dentry.Parent);
                createPath = target;
            }
            long pr = PathArgs.ResolveParent(t, createStart, createPath, out var parent, out string name);
            if (pr < 0) return pr;
            if (!parent.Inode.IsDirectory) return Err.ENOTDIR;
            if (createPath.EndsWith('/')) return Err.EISDIR;
            pr = FileNamespace.MayModify(t, parent);
            if (pr < 0) return pr;
            int cr = parent.Inode.Create(name, FileMode.S_IFREG | (mode & 0xfff & ~t.Umask), t.Creds.Fsuid, t.Creds.Fsgid, null, out var created);
            if (cr < 0 && cr != -(int)Errno.EEXIST) return cr;
            r = vfs.Resolve(root, start, path, follow, out loc, t.Creds, resolve);
            if (r < 0) return r;
            if (cr == 0)
            {
                // The creator may open what it created whatever the mode says (open(2)).
                int fr = loc.Inode.Open(flags & ~(OpenFlags.O_CLOEXEC | OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_NOCTTY), out var nf);
                if (fr < 0) return fr;
                nf!.Location = loc;
                Fsnotify.Created(parent, name, false);
                Fsnotify.Opened(nf);
                return t.Fds.Install(nf, (flags & OpenFlags.O_CLOEXEC) != 0);
            }
        }
        if (r < 0) return r;
        if (excl) return Err.EEXIST;
        var inode = loc.Inode;
        if (inode.IsSymlink && (flags & OpenFlags.O_PATH) == 0) return -(long)Errno.ELOOP;
        if ((flags & OpenFlags.O_DIRECTORY) != 0 && !inode.IsDirectory) return Err.ENOTDIR;
        if ((flags & OpenFlags.O_TMPFILE) == OpenFlags.O_TMPFILE) return OpenTmpfile(t, loc, flags, mode);
        if ((flags & OpenFlags.O_PATH) == 0)
        {
            if (inode.IsDirectory && (acc != OpenFlags.O_RDONLY || creat || (flags & OpenFlags.O_TRUNC) != 0)) return Err.EISDIR;
            bool writes = acc != OpenFlags.O_RDONLY || (flags & OpenFlags.O_TRUNC) != 0;
            uint type = inode.Mode & FileMode.S_IFMT;
            if (writes && loc.ReadOnly && type is FileMode.S_IFREG or FileMode.S_IFDIR or FileMode.S_IFLNK) return Err.EROFS;
            int want = (acc is OpenFlags.O_RDONLY or OpenFlags.O_RDWR ? Access.R_OK : 0) | (acc is OpenFlags.O_WRONLY or OpenFlags.O_RDWR ? Access.W_OK : 0);
            if (acc == 3) want = Access.R_OK | Access.W_OK;
            if ((flags & OpenFlags.O_TRUNC) != 0) want |= Access.W_OK;
            int pr = Permissions.Check(inode, want, t.Creds);
            if (pr < 0) return pr;
            if ((flags & OpenFlags.O_NOATIME) != 0 && !FileAttr.Owner(t, inode)) return Err.EPERM;
        }
        r = inode.Open(flags & ~(OpenFlags.O_CLOEXEC | OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_NOCTTY), out var file);
        if (r < 0) return r;
        file!.Location = loc;
        file.Flags &= ~OpenFlags.O_TRUNC;
        Fsnotify.Opened(file);
        var tty = (file as Vfs.Tty.ReplicaFile)?.Pty;
        long fd = t.Fds.Install(file, (flags & OpenFlags.O_CLOEXEC) != 0);
        if (fd >= 0 && tty != null && (flags & OpenFlags.O_NOCTTY) == 0) Vfs.Tty.TtyIoctl.OpenedWithoutNoctty(t, tty);
        return fd;
    }

    /// <summary>
    /// O_TMPFILE (open(2)): an unnamed regular file in the directory's filesystem, which
    /// linkat(2) through /proc/self/fd may name later (not with O_EXCL). In-memory
    /// filesystems only; others answer EOPNOTSUPP, as filesystems without tmpfile support do.
    /// </summary>
    private static long OpenTmpfile(Task t, Location dir, int flags, uint mode)
    {
        if (!dir.Inode.IsDirectory) return Err.ENOTDIR;
        long r = FileNamespace.MayModify(t, dir);
        if (r < 0) return r;
        var tmp = dir.Inode as Vfs.Tmp.TmpInode ?? (dir.Inode as Vfs.Tmp.MergedTmp)?.Upper;
        if (tmp == null) return -(long)Errno.EOPNOTSUPP;
        var inode = Vfs.Tmp.TmpInode.Unnamed((Vfs.Tmp.TmpFilesystem)tmp.Fs, mode & ~t.Umask, t.Creds.Fsuid, t.Creds.Fsgid, (flags & OpenFlags.O_EXCL) == 0);
        int keep = OpenFlags.O_ACCMODE | OpenFlags.O_APPEND | OpenFlags.O_NONBLOCK | OpenFlags.O_LARGEFILE | OpenFlags.O_NOATIME;
        int fr = inode.Open(flags & keep, out var file);
        if (fr < 0) return fr;
        file!.Location = new Location(dir.Mount, Dentry.Unlinked($"#{inode.Ino}", dir.Dentry, inode));
        return t.Fds.Install(file, (flags & OpenFlags.O_CLOEXEC) != 0);
    }
}
