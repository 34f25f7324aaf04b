using System.Text;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Syscalls;

/// <summary>
/// mount(2) and umount2(2) inside the sandbox's own mount tree: tmpfs, proc and sysfs
/// instances, bind mounts, read-only remounts, propagation flags (accepted: nothing
/// propagates anywhere). Never reaches the host's mounts.
/// </summary>
internal static unsafe class MountCalls
{
    private const ulong MS_RDONLY = 1, MS_REMOUNT = 32, MS_BIND = 4096, MS_MOVE = 8192, MS_REC = 16384,
        MS_UNBINDABLE = 1 << 17, MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19, MS_SHARED = 1 << 20;
    private const int MNT_FORCE = 1, MNT_DETACH = 2, MNT_EXPIRE = 4, UMOUNT_NOFOLLOW = 8;

    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Mount] = &Mount;
        t[Sysno.Umount2] = &Umount2;
    }

    private static long ReadOptionalString(Task t, ulong addr, out string? s)
    {
        s = null;
        if (addr == 0) return 0;
        Span<byte> buf = stackalloc byte[256];
        int n = t.MM.ReadCString(addr, 255, buf);
        if (n < 0) return n == -(int)Errno.ENAMETOOLONG ? Err.EINVAL : n;
        s = Encoding.UTF8.GetString(buf.Slice(0, n));
        return 0;
    }

    private static long Mount(Task t)
    {
        ulong flags = t.A3;
        long r = t.MM.ReadPath(t.A1, out string target);
        if (r < 0) return r;
        if ((r = ReadOptionalString(t, t.A2, out string? fstype)) < 0) return r;
        if (!t.Creds.Has(Cap.SYS_ADMIN)) return Err.EPERM;
        r = t.Kernel.Vfs.Resolve(t.Root, t.Cwd, target, true, out var at, t.Creds);
        if (r < 0) return r;
        var vfs = t.Kernel.Vfs;
        // Propagation changes: there is no other namespace to propagate to.
        if ((flags & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)) != 0) return 0;
        if ((flags & MS_REMOUNT) != 0)
        {
            if (at.Dentry != at.Mount.Root) return Err.EINVAL;
            at.Mount.ReadOnly = (flags & MS_RDONLY) != 0 || at.Mount.Fs.ReadOnly;
            return 0;
        }
        if ((flags & MS_MOVE) != 0) return Err.EINVAL;
        string path = VirtualFs.PathOf(at, t.Root);
        if ((flags & MS_BIND) != 0)
        {
            r = t.MM.ReadPath(t.A0, out string source);
            if (r < 0) return r;
            r = vfs.Resolve(t.Root, t.Cwd, source, true, out var src, t.Creds);
            if (r < 0) return r;
            if (src.Inode.IsDirectory != at.Inode.IsDirectory) return src.Inode.IsDirectory ? Err.ENOTDIR : -(long)Errno.EISDIR;
            if (!at.Inode.IsDirectory) return Err.EINVAL; // file bind mounts: not supported by this mount tree
            return vfs.MountAt(at, new BindFilesystem(src), (flags & MS_RDONLY) != 0 || src.ReadOnly, path);
        }
        Filesystem? fs = fstype switch
        {
            "tmpfs" => new Vfs.Tmp.TmpFilesystem(),
            "proc" => new Vfs.Proc.ProcFilesystem(t.Kernel),
            "sysfs" => new Vfs.SysFs.SysFilesystem(),
            "devpts" => t.Kernel.DevPts,
            _ => null,
        };
        if (fs == null) return fstype == null ? Err.EINVAL : -(long)Errno.ENODEV;
        return vfs.MountAt(at, fs, (flags & MS_RDONLY) != 0, path);
    }

    private static long Umount2(Task t)
    {
        int flags = (int)t.A1;
        if ((flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW)) != 0) return Err.EINVAL;
        if ((flags & MNT_EXPIRE) != 0 && (flags & (MNT_FORCE | MNT_DETACH)) != 0) return Err.EINVAL;
        long r = t.MM.ReadPath(t.A0, out string target);
        if (r < 0) return r;
        if (!t.Creds.Has(Cap.SYS_ADMIN)) return Err.EPERM;
        r = t.Kernel.Vfs.Resolve(t.Root, t.Cwd, target, (flags & UMOUNT_NOFOLLOW) == 0, out var at, t.Creds);
        if (r < 0) return r;
        return t.Kernel.Vfs.Unmount(at);
    }
}
