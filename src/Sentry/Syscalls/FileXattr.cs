using System.Text;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Vfs;
using Sandbox.Sentry.Vfs.Inotify;

namespace Sandbox.Sentry.Syscalls;

/// <summary>statfs, fstatfs, and extended attributes (the get, list, set and remove xattr families).</summary>
internal static unsafe class FileXattr
{
    private const int XattrNameMax = 255, XattrSizeMax = 65536;

    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Statfs] = &Statfs;
        t[Sysno.Fstatfs] = &Fstatfs;
        t[Sysno.Getxattr] = &Getxattr;
        t[Sysno.Lgetxattr] = &Lgetxattr;
        t[Sysno.Fgetxattr] = &Fgetxattr;
        t[Sysno.Listxattr] = &Listxattr;
        t[Sysno.Llistxattr] = &Llistxattr;
        t[Sysno.Flistxattr] = &Flistxattr;
        t[Sysno.Setxattr] = &Setxattr;
        t[Sysno.Lsetxattr] = &Lsetxattr;
        t[Sysno.Fsetxattr] = &Fsetxattr;
        t[Sysno.Removexattr] = &Removexattr;
        t[Sysno.Lremovexattr] = &Lremovexattr;
        t[Sysno.Fremovexattr] = &Fremovexattr;
    }

    private static long Setxattr(Task t) => PathChange(t, follow: true, remove: false);
    private static long Lsetxattr(Task t) => PathChange(t, follow: false, remove: false);
    private static long Removexattr(Task t) => PathChange(t, follow: true, remove: true);
    private static long Lremovexattr(Task t) => PathChange(t, follow: false, remove: true);

    private static long PathChange(Task t, bool follow, bool remove)
    {
        long r = PathArgs.Resolve(t, AtFlags.AT_FDCWD, t.A0, follow ? 0 : AtFlags.AT_SYMLINK_NOFOLLOW, out var loc, out _);
        if (r < 0) return r;
        return Fsnotify.AttributesChanged(loc, remove ? DoRemove(t, loc, t.A1) : DoSet(t, loc, t.A1, t.A2, t.A3, (int)t.A4));
    }

    private static long Fsetxattr(Task t) => FdChange(t, remove: false);
    private static long Fremovexattr(Task t) => FdChange(t, remove: true);

    private static long FdChange(Task t, bool remove)
    {
        var f = t.Fds.Get((int)t.A0);
        if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err.EBADF;
        if (f.Location is not { } l) return -(long)Errno.EOPNOTSUPP;
        return Fsnotify.AttributesChanged(l, remove ? DoRemove(t, l, t.A1) : DoSet(t, l, t.A1, t.A2, t.A3, (int)t.A4));
    }

    private static long ReadName(Task t, ulong addr, out string name)
    {
        name = "";
        Span<byte> nb = stackalloc byte[XattrNameMax + 1];
        int n = t.MM.ReadCString(addr, XattrNameMax, nb);
        if (n == -(int)Errno.ENAMETOOLONG) return Err.ERANGE;
        if (n < 0) return n;
        if (n == 0) return Err.ERANGE;
        name = Encoding.UTF8.GetString(nb.Slice(0, n));
        return 0;
    }

    /// <summary>May the task change this file's attributes: user.* needs write access, trusted.* CAP_SYS_ADMIN.</summary>
    private static long MayChange(Task t, Location loc, string name)
    {
        if (loc.ReadOnly) return Err.EROFS;
        if (name.StartsWith("trusted.", StringComparison.Ordinal) && !t.Creds.Has(Cap.SYS_ADMIN)) return Err.EPERM;
        if (name.StartsWith("user.", StringComparison.Ordinal)) return Permissions.Check(loc.Inode, Access.W_OK, t.Creds);
        return 0;
    }

    private static long DoSet(Task t, Location loc, ulong nameAddr, ulong valueAddr, ulong size, int flags)
    {
        if ((flags & ~3) != 0) return Err.EINVAL;
        long r = ReadName(t, nameAddr, out string name);
        if (r < 0) return r;
        if (size > XattrSizeMax) return -(long)Errno.E2BIG;
        var value = new byte[size];
        if (size > 0 && (r = t.MM.CopyIn(valueAddr, value)) < 0) return r;
        if ((r = MayChange(t, loc, name)) < 0) return r;
        return loc.Inode.SetXattr(name, value, flags);
    }

    private static long DoRemove(Task t, Location loc, ulong nameAddr)
    {
        long r = ReadName(t, nameAddr, out string name);
        if (r < 0) return r;
        if ((r = MayChange(t, loc, name)) < 0) return r;
        return loc.Inode.RemoveXattr(name);
    }

    private static long Statfs(Task t)
    {
        long r = PathArgs.Resolve(t, AtFlags.AT_FDCWD, t.A0, 0, out var loc, out _);
        return r < 0 ? r : WriteStatFs(t, loc.Inode, t.A1);
    }

    private static long Fstatfs(Task t)
    {
        var f = t.Fds.Get((int)t.A0);
        if (f == null) return Err.EBADF;
        if (f.Location is { } l) return WriteStatFs(t, l.Inode, t.A1);
        // Pipes, sockets and anonymous files live on the kernel's internal filesystems.
        f.Stat(out var st);
        long magic = (st.Mode & FileMode.S_IFMT) switch
        {
            FileMode.S_IFIFO => 0x50495045,  // PIPEFS_MAGIC
            FileMode.S_IFSOCK => 0x534F434B, // SOCKFS_MAGIC
            _ => 0x09041934,                 // ANON_INODE_FS_MAGIC
        };
        Span<byte> buf = stackalloc byte[120];
        Filesystem.Fill(buf, magic, false);
        return t.MM.CopyOut(t.A1, buf);
    }

    private static long WriteStatFs(Task t, Inode inode, ulong addr)
    {
        Span<byte> buf = stackalloc byte[120];
        int r = inode.StatFs(buf);
        return r < 0 ? r : t.MM.CopyOut(addr, buf);
    }

    private static long Getxattr(Task t) => PathXattr(t, follow: true, list: false);
    private static long Lgetxattr(Task t) => PathXattr(t, follow: false, list: false);
    private static long Listxattr(Task t) => PathXattr(t, follow: true, list: true);
    private static long Llistxattr(Task t) => PathXattr(t, follow: false, list: true);

    private static long PathXattr(Task t, bool follow, bool list)
    {
        long r = PathArgs.Resolve(t, AtFlags.AT_FDCWD, t.A0, follow ? 0 : AtFlags.AT_SYMLINK_NOFOLLOW, out var loc, out _);
        if (r < 0) return r;
        return list ? DoList(t, loc.Inode, t.A1, t.A2) : DoGet(t, loc.Inode, t.A1, t.A2, t.A3);
    }

    private static long Fgetxattr(Task t)
    {
        var f = t.Fds.Get((int)t.A0);
        if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err.EBADF;
        if (f.Location is not { } l) return -(long)Errno.EOPNOTSUPP;
        return DoGet(t, l.Inode, t.A1, t.A2, t.A3);
    }

    private static long Flistxattr(Task t)
    {
        var f = t.Fds.Get((int)t.A0);
        if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err.EBADF;
        if (f.Location is not { } l) return 0;
        return DoList(t, l.Inode, t.A1, t.A2);
    }

    private static long DoGet(Task t, Inode inode, ulong nameAddr, ulong valueAddr, ulong size)
    {
        long nr = ReadName(t, nameAddr, out string name);
        if (nr < 0) return nr;
        var value = new byte[XattrSizeMax];
        int r = inode.GetXattr(name, value);
        if (r < 0) return r;
        if (size == 0) return r;
        if ((ulong)r > size) return Err.ERANGE;
        int c = t.MM.CopyOut(valueAddr, value.AsSpan(0, r));
        return c < 0 ? c : r;
    }

    private static long DoList(Task t, Inode inode, ulong addr, ulong size)
    {
        var buf = new byte[XattrSizeMax];
        int r = inode.ListXattr(buf);
        if (r < 0) return r;
        if (size == 0) return r;
        if ((ulong)r > size) return Err.ERANGE;
        int c = t.MM.CopyOut(addr, buf.AsSpan(0, r));
        return c < 0 ? c : r;
    }
}
