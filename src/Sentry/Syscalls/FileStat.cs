using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Syscalls;

/// <summary>stat, lstat, fstat, newfstatat, statx, access, faccessat, faccessat2, readlink, readlinkat.</summary>
internal static unsafe class FileStat
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Stat] = &StatCall;
        t[Sysno.Lstat] = &Lstat;
        t[Sysno.Fstat] = &Fstat;
        t[Sysno.Newfstatat] = &Newfstatat;
        t[Sysno.Statx] = &StatxCall;
        t[Sysno.Access] = &AccessCall;
        t[Sysno.Faccessat] = &Faccessat;
        t[Sysno.Faccessat2] = &Faccessat2;
        t[Sysno.Readlink] = &Readlink;
        t[Sysno.Readlinkat] = &Readlinkat;
    }

    private static long StatCall(Task t) => StatAt(t, AtFlags.AT_FDCWD, t.A0, t.A1, 0);
    private static long Lstat(Task t) => StatAt(t, AtFlags.AT_FDCWD, t.A0, t.A1, AtFlags.AT_SYMLINK_NOFOLLOW);
    private static long Newfstatat(Task t) => StatAt(t, (int)t.A0, t.A1, t.A2, (int)t.A3);

    private static long Fstat(Task t)
    {
        var f = t.Fds.Get((int)t.A0);
        if (f == null) return Err.EBADF;
        int r = f.Stat(out var st);
        if (r < 0) return r;
        return t.MM.Write(t.A1, st);
    }

    private static long StatAt(Task t, int dirfd, ulong pathAddr, ulong statAddr, int flags)
    {
        if ((flags & ~(AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EMPTY_PATH | AtFlags.AT_NO_AUTOMOUNT)) != 0) return Err.EINVAL;
        long r = PathArgs.Resolve(t, dirfd, pathAddr, flags, out var loc, out var file);
        if (r < 0) return r;
        Stat st;
        r = file != null && file.Location == null ? file.Stat(out st) : loc.Inode.Stat(out st);
        if (r < 0) return r;
        return t.MM.Write(statAddr, st);
    }

    private static long StatxCall(Task t)
    {
        int dirfd = (int)t.A0, flags = (int)t.A2;
        uint mask = (uint)t.A3;
        if ((flags & ~(AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EMPTY_PATH | AtFlags.AT_NO_AUTOMOUNT | AtFlags.AT_STATX_SYNC_TYPE)) != 0) return Err.EINVAL;
        if ((flags & AtFlags.AT_STATX_SYNC_TYPE) == AtFlags.AT_STATX_SYNC_TYPE) return Err.EINVAL;
        if ((mask & StatxMask.RESERVED) != 0) return Err.EINVAL;
        long r = PathArgs.Resolve(t, dirfd, t.A1, flags, out var loc, out var file);
        if (r < 0) return r;
        Statx stx;
        r = file != null && file.Location == null ? file.Statx(mask, out stx) : loc.Inode.Statx(mask, out stx);
        if (r < 0) return r;
        return t.MM.Write(t.A4, stx);
    }

    private static long AccessCall(Task t) => AccessAt(t, AtFlags.AT_FDCWD, t.A0, (int)t.A1, 0);
    private static long Faccessat(Task t) => AccessAt(t, (int)t.A0, t.A1, (int)t.A2, 0);
    private static long Faccessat2(Task t) => AccessAt(t, (int)t.A0, t.A1, (int)t.A2, (int)t.A3);

    private static long AccessAt(Task t, int dirfd, ulong pathAddr, int mode, int flags)
    {
        if ((mode & ~7) != 0) return Err.EINVAL;
        if ((flags & ~(AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EACCESS | AtFlags.AT_EMPTY_PATH)) != 0) return Err.EINVAL;
        long r = PathArgs.Resolve(t, dirfd, pathAddr, flags, out var loc, out _);
        if (r < 0) return r;
        if ((mode & Access.W_OK) != 0 && loc.ReadOnly && (loc.Inode.Mode & FileMode.S_IFMT) is FileMode.S_IFREG or FileMode.S_IFDIR or FileMode.S_IFLNK)
            return Err.EROFS;
        // access(2) checks with the real ids unless AT_EACCESS; a real root keeps its permitted
        // capabilities, anyone else has none (the kernel's access_override_creds).
        var c = t.Creds;
        var check = (flags & AtFlags.AT_EACCESS) != 0 ? c : new Credentials
        {
            Uid = c.Uid, Euid = c.Uid, Fsuid = c.Uid, Gid = c.Gid, Egid = c.Gid, Fsgid = c.Gid, Groups = c.Groups,
            CapEffective = c.Uid == 0 ? c.CapPermitted : 0,
        };
        return Permissions.Check(loc.Inode, mode, check);
    }

    private static long Readlink(Task t) => ReadlinkAt(t, AtFlags.AT_FDCWD, t.A0, t.A1, (int)t.A2);
    private static long Readlinkat(Task t) => ReadlinkAt(t, (int)t.A0, t.A1, t.A2, (int)t.A3);

    private static long ReadlinkAt(Task t, int dirfd, ulong pathAddr, ulong buf, long size)
    {
        if (size <= 0) return Err.EINVAL;
        long r = PathArgs.Resolve(t, dirfd, pathAddr, AtFlags.AT_SYMLINK_NOFOLLOW | (dirfd != AtFlags.AT_FDCWD ? AtFlags.AT_EMPTY_PATH : 0), out var loc, out var file);
        if (r < 0) return r;
        if (file != null && file.Location == null) return Err.EINVAL;
        r = loc.Inode.ReadLink(out string target);
        if (r < 0) return r == Err.EINVAL && file != null ? Err.ENOENT : r;
        var bytes = System.Text.Encoding.UTF8.GetBytes(target);
        int n = (int)Math.Min(bytes.Length, size);
        int c = t.MM.CopyOut(buf, bytes.AsSpan(0, n));
        return c < 0 ? c : n;
    }
}
