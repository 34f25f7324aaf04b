using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Vfs;
using Sandbox.Sentry.Vfs.Inotify;

namespace Sandbox.Sentry.Syscalls;

/// <summary>chmod, chown, utimensat, truncate, fallocate families: attribute changes.</summary>
internal static unsafe class FileAttr
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Chmod] = &Chmod;
        t[Sysno.Fchmod] = &Fchmod;
        t[Sysno.Fchmodat] = &Fchmodat;
        t[Sysno.Chown] = &Chown;
        t[Sysno.Lchown] = &Lchown;
        t[Sysno.Fchown] = &Fchown;
        t[Sysno.Fchownat] = &Fchownat;
        t[Sysno.Utimensat] = &Utimensat;
        t[Sysno.Utime] = &Utime;
        t[Sysno.Utimes] = &Utimes;
        t[Sysno.Futimesat] = &Futimesat;
        t[Sysno.Truncate] = &Truncate;
        t[Sysno.Ftruncate] = &Ftruncate;
        t[Sysno.Fallocate] = &Fallocate;
    }

    /// <summary>The inode and mount a path or fd names, for attribute changes.</summary>
    private static long Target(Task t, int dirfd, ulong pathAddr, int flags, out Location loc)
    {
        long r = PathArgs.Resolve(t, dirfd, pathAddr, flags, out loc, out var file);
        if (r < 0) return r;
        if (loc.Mount == null) return Err.EBADF;
        return 0;
    }

    private static long FdTarget(Task t, int fd, out Location loc)
    {
        loc = default;
        var f = t.Fds.Get(fd);
        if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err.EBADF;
        if (f.Location is not { } l) return Err.EINVAL;
        loc = l;
        return 0;
    }

    /// <summary>inode_owner_or_capable(): the fsuid owns it, or CAP_FOWNER.</summary>
    internal static bool Owner(Task t, Inode i)
    {
        i.Stat(out var st);
        return t.Creds.Has(Cap.FOWNER) || st.Uid == t.Creds.Fsuid;
    }

    private static long ApplyMode(Task t, Location loc, uint mode)
    {
        if (loc.ReadOnly) return Err.EROFS;
        if (!Owner(t, loc.Inode)) return Err.EPERM;
        loc.Inode.Stat(out var st);
        // Without the group, an unprivileged owner's setgid bit is dropped (chmod(2)).
        if (!t.Creds.Has(Cap.FSETID) && !t.Creds.InGroup(st.Gid)) mode &= ~0x400u;
        return Fsnotify.AttributesChanged(loc, loc.Inode.SetAttr(new SetAttr(Mode: mode & 0xfff)));
    }

    private static long Chmod(Task t) => Target(t, AtFlags.AT_FDCWD, t.A0, 0, out var l) is var r && r < 0 ? r : ApplyMode(t, l, (uint)t.A1);
    private static long Fchmod(Task t)
    {
        var f = t.Fds.Get((int)t.A0);
        if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err.EBADF;
        return FdTarget(t, (int)t.A0, out var l) is var r && r < 0 ? r : ApplyMode(t, l, (uint)t.A1);
    }

    private static long Fchmodat(Task t)
    {
        int flags = (int)t.A3;
        if ((flags & ~AtFlags.AT_SYMLINK_NOFOLLOW) != 0) return Err.EINVAL;
        long r = Target(t, (int)t.A0, t.A1, flags, out var l);
        if (r < 0) return r;
        if (l.Inode.IsSymlink) return -(long)Errno.EOPNOTSUPP;
        return ApplyMode(t, l, (uint)t.A2);
    }

    private static long ApplyOwner(Task t, Location loc, int uid, int gid)
    {
        if (loc.ReadOnly) return Err.EROFS;
        loc.Inode.Stat(out var st);
        uint? u = uid == -1 ? null : (uint)uid;
        uint? g = gid == -1 ? null : (uint)gid;
        if (!t.Creds.Has(Cap.CHOWN))
        {
            if (u != null && (u != st.Uid || st.Uid != t.Creds.Fsuid)) return Err.EPERM;
            if (g != null && (st.Uid != t.Creds.Fsuid || !t.Creds.InGroup(g.Value))) return Err.EPERM;
        }
        // Every chown of a non-directory, even chown(f, -1, -1) and by root, drops setuid, and
        // setgid where group-execute marks it as such (without it, setgid marks mandatory
        // locking and stays) (chown(2), the kernel's setattr_should_drop_sgid()).
        uint? mode = null;
        if (!FileMode.IsDir(st.Mode))
        {
            uint kill = FileMode.S_ISUID | ((st.Mode & 0x8) != 0 ? FileMode.S_ISGID : 0);
            if ((st.Mode & kill) != 0) mode = st.Mode & 0xfff & ~kill;
        }
        return Fsnotify.AttributesChanged(loc, loc.Inode.SetAttr(new SetAttr(Mode: mode, Uid: u, Gid: g)));
    }

    private static long Chown(Task t) => Target(t, AtFlags.AT_FDCWD, t.A0, 0, out var l) is var r && r < 0 ? r : ApplyOwner(t, l, (int)t.A1, (int)t.A2);
    private static long Lchown(Task t) => Target(t, AtFlags.AT_FDCWD, t.A0, AtFlags.AT_SYMLINK_NOFOLLOW, out var l) is var r && r < 0 ? r : ApplyOwner(t, l, (int)t.A1, (int)t.A2);
    private static long Fchown(Task t) => FdTarget(t, (int)t.A0, out var l) is var r && r < 0 ? r : ApplyOwner(t, l, (int)t.A1, (int)t.A2);

    private static long Fchownat(Task t)
    {
        int flags = (int)t.A4;
        if ((flags & ~(AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EMPTY_PATH)) != 0) return Err.EINVAL;
        long r = Target(t, (int)t.A0, t.A1, flags, out var l);
        return r < 0 ? r : ApplyOwner(t, l, (int)t.A2, (int)t.A3);
    }

    private const long UTIME_NOW = (1L << 30) - 1, UTIME_OMIT = (1L << 30) - 2;

    private static Timespec Now()
    {
        Timespec ts;
        Sandbox.Linux.Native.Sys.Syscall(Sandbox.Linux.Native.Sys.SYS_clock_gettime, ClockId.REALTIME, (long)&ts);
        return ts;
    }

    private static long ApplyTimes(Task t, Location loc, Timespec? atime, Timespec? mtime, bool explicitTimes)
    {
        if (loc.ReadOnly) return Err.EROFS;
        if (explicitTimes ? !Owner(t, loc.Inode) : !Owner(t, loc.Inode) && Permissions.Check(loc.Inode, Access.W_OK, t.Creds) < 0)
            return explicitTimes ? Err.EPERM : Err.EACCES;
        return Fsnotify.AttributesChanged(loc, loc.Inode.SetAttr(new SetAttr(Atime: atime, Mtime: mtime)));
    }

    private static long Utimensat(Task t)
    {
        int dirfd = (int)t.A0, flags = (int)t.A3;
        if ((flags & ~(AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EMPTY_PATH)) != 0) return Err.EINVAL;
        Timespec? at = Now(), mt = at;
        bool explicitTimes = false;
        if (t.A2 != 0)
        {
            Span<Timespec> ts = stackalloc Timespec[2];
            int c = t.MM.CopyIn(t.A2, System.Runtime.InteropServices.MemoryMarshal.AsBytes(ts));
            if (c < 0) return c;
            for (int i = 0; i < 2; i++)
                if (ts[i].Nsec != UTIME_NOW && ts[i].Nsec != UTIME_OMIT && (ts[i].Nsec < 0 || ts[i].Nsec >= 1_000_000_000)) return Err.EINVAL;
            if (ts[0].Nsec == UTIME_OMIT && ts[1].Nsec == UTIME_OMIT) return 0;
            at = ts[0].Nsec == UTIME_OMIT ? null : ts[0].Nsec == UTIME_NOW ? at : ts[0];
            mt = ts[1].Nsec == UTIME_OMIT ? null : ts[1].Nsec == UTIME_NOW ? mt : ts[1];
            explicitTimes = ts[0].Nsec != UTIME_NOW || ts[1].Nsec != UTIME_NOW;
        }
        Location loc = default;
        long r;
        if (t.A1 == 0)
        {
            // futimens: a NULL path means the fd itself.
            r = dirfd == AtFlags.AT_FDCWD ? Err.EFAULT : FdTarget(t, dirfd, out loc);
            if (r < 0) return r == Err.EINVAL ? Err.EBADF : r;
        }
        else
        {
            r = Target(t, dirfd, t.A1, flags, out loc);
            if (r < 0) return r;
        }
        return ApplyTimes(t, loc, at, mt, explicitTimes);
    }

    private static long Utime(Task t)
    {
        long r = Target(t, AtFlags.AT_FDCWD, t.A0, 0, out var loc);
        if (r < 0) return r;
        if (t.A1 == 0) return ApplyTimes(t, loc, Now(), Now(), false);
        Span<long> b = stackalloc long[2];
        int c = t.MM.CopyIn(t.A1, System.Runtime.InteropServices.MemoryMarshal.AsBytes(b));
        if (c < 0) return c;
        return ApplyTimes(t, loc, new Timespec(b[0], 0), new Timespec(b[1], 0), true);
    }

    private static long Utimes(Task t) => TimevalTimes(t, AtFlags.AT_FDCWD, t.A0, t.A1);
    private static long Futimesat(Task t) => TimevalTimes(t, (int)t.A0, t.A1, t.A2);

    private static long TimevalTimes(Task t, int dirfd, ulong path, ulong tvAddr)
    {
        long r = Target(t, dirfd, path, 0, out var loc);
        if (r < 0) return r;
        if (tvAddr == 0) return ApplyTimes(t, loc, Now(), Now(), false);
        Span<long> tv = stackalloc long[4];
        int c = t.MM.CopyIn(tvAddr, System.Runtime.InteropServices.MemoryMarshal.AsBytes(tv));
        if (c < 0) return c;
        if (tv[1] < 0 || tv[1] >= 1_000_000 || tv[3] < 0 || tv[3] >= 1_000_000) return Err.EINVAL;
        return ApplyTimes(t, loc, new Timespec(tv[0], tv[1] * 1000), new Timespec(tv[2], tv[3] * 1000), true);
    }

    private static long Truncate(Task t)
    {
        if ((long)t.A1 < 0) return Err.EINVAL;
        long r = Target(t, AtFlags.AT_FDCWD, t.A0, 0, out var loc);
        if (r < 0) return r;
        if (loc.Inode.IsDirectory) return Err.EISDIR;
        if (!FileMode.IsReg(loc.Inode.Mode)) return Err.EINVAL;
        if (loc.ReadOnly) return Err.EROFS;
        r = Permissions.Check(loc.Inode, Access.W_OK, t.Creds);
        if (r < 0) return r;
        return Fsnotify.Modified(loc, loc.Inode.SetAttr(new SetAttr(Size: (long)t.A1)));
    }

    private static long Ftruncate(Task t)
    {
        var f = t.Fds.Get((int)t.A0);
        if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err.EBADF;
        if ((long)t.A1 < 0) return Err.EINVAL;
        if (!f.Writable) return Err.EINVAL;
        if (f.Location is not { } l || !FileMode.IsReg(l.Inode.Mode)) return Err.EINVAL;
        if (l.ReadOnly) return Err.EROFS;
        return Fsnotify.Modified(l, l.Inode.SetAttr(new SetAttr(Size: (long)t.A1)));
    }

    private const int FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2, FALLOC_FL_COLLAPSE_RANGE = 8,
        FALLOC_FL_ZERO_RANGE = 0x10, FALLOC_FL_INSERT_RANGE = 0x20, FALLOC_FL_UNSHARE_RANGE = 0x40, FALLOC_FL_WRITE_ZEROES = 0x80;

    /// <summary>fallocate(2), its checks in the kernel's order (vfs_fallocate), then the filesystem's.</summary>
    private static long Fallocate(Task t)
    {
        int mode = (int)t.A1;
        long off = (long)t.A2, len = (long)t.A3;
        var f = t.Fds.Get((int)t.A0);
        if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err.EBADF;
        if (off < 0 || len <= 0) return Err.EINVAL;
        const int modes = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_ZERO_RANGE | FALLOC_FL_INSERT_RANGE | FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_WRITE_ZEROES;
        if ((mode & ~(modes | FALLOC_FL_KEEP_SIZE)) != 0) return -(long)Errno.EOPNOTSUPP;
        switch (mode & modes)
        {
            case 0 or FALLOC_FL_UNSHARE_RANGE or FALLOC_FL_ZERO_RANGE: break;
            case FALLOC_FL_PUNCH_HOLE: if ((mode & FALLOC_FL_KEEP_SIZE) == 0) return -(long)Errno.EOPNOTSUPP; break;
            case FALLOC_FL_COLLAPSE_RANGE or FALLOC_FL_INSERT_RANGE or FALLOC_FL_WRITE_ZEROES: if ((mode & FALLOC_FL_KEEP_SIZE) != 0) return -(long)Errno.EOPNOTSUPP; break;
            default: return -(long)Errno.EOPNOTSUPP;
        }
        if (!f.Writable) return Err.EBADF;
        if (f.Stat(out var st) < 0) return Err.ENODEV;
        if ((st.Mode & FileMode.S_IFMT) == FileMode.S_IFIFO) return -(long)Errno.ESPIPE;
        if (FileMode.IsDir(st.Mode)) return Err.EISDIR;
        if (!FileMode.IsReg(st.Mode) || f.Location is not { } l) return Err.ENODEV;
        if (off + len < 0) return -(long)Errno.EFBIG;
        if (l.ReadOnly) return Err.EROFS;
        return Fsnotify.Modified(l, l.Inode.Fallocate(mode, off, len));
    }

}
