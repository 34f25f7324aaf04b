namespace Sandbox.Linux.Native;

/// <summary>
/// The mount calls confinement uses (mount(2), pivot_root(2), umount2(2)), for the Gofer and
/// the Sentry, each in a mount namespace of its own. Results are 0 or -errno.
/// </summary>
public static unsafe class Mounts
{
    private const int SYS_chdir = 80, SYS_pivot_root = 155, SYS_mount = 165, SYS_umount2 = 166, SYS_mkdir = 83, SYS_rmdir = 84;
    public const long MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_REMOUNT = 32, MS_BIND = 4096,
        MS_REC = 16384, MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19, MS_SHARED = 1 << 20;
    private const int MNT_DETACH = 2;

    public static int Mount(string? source, string target, string? type, long flags, string? data = null)
    {
        byte[]? s = source == null ? null : Sys.CString(source), ty = type == null ? null : Sys.CString(type), d = data == null ? null : Sys.CString(data);
        var t = Sys.CString(target);
        fixed (byte* ps = s) fixed (byte* pt = t) fixed (byte* pty = ty) fixed (byte* pd = d)
            return (int)Sys.Syscall(SYS_mount, (long)ps, (long)pt, (long)pty, flags, (long)pd);
    }

    private static int PathCall(long nr, string path, long a1 = 0)
    {
        var b = Sys.CString(path);
        fixed (byte* p = b) return (int)Sys.Syscall(nr, (long)p, a1);
    }

    /// <summary>Makes every mount private, so nothing done here reaches the parent namespace.</summary>
    public static int MakePrivate() => Mount(null, "/", null, MS_REC | MS_PRIVATE);

    /// <summary>Makes every mount a slave of its peers (mount_namespaces(7)): events come in, none go out.</summary>
    public static int MakeSlave() => Mount(null, "/", null, MS_REC | MS_SLAVE);

    /// <summary>Bind-mounts <paramref name="source"/> (recursively) at <paramref name="target"/>, read-only when asked.</summary>
    public static int BindAt(string source, string target, bool readOnly)
    {
        int r = Mount(source, target, null, MS_BIND | MS_REC);
        if (r < 0 || !readOnly) return r;
        return Mount(null, target, null, MS_REMOUNT | MS_BIND | MS_RDONLY);
    }

    /// <summary>umount2(MNT_DETACH): the mount leaves the namespace now, and goes once unused.</summary>
    public static int Detach(string target) => PathCall(SYS_umount2, target, MNT_DETACH);

    public static int Mkdir(string path, uint mode) => PathCall(SYS_mkdir, path, mode);
    public static int Rmdir(string path) => PathCall(SYS_rmdir, path);
    public static int Remount(string target, long flags) => Mount(null, target, null, MS_REMOUNT | flags);

    /// <summary>pivot_root(".", ".") in <paramref name="root"/>, then detaches the old root.</summary>
    public static int PivotInto(string root)
    {
        int r = PathCall(SYS_chdir, root);
        if (r < 0) return r;
        var dot = Sys.CString(".");
        fixed (byte* p = dot)
        {
            r = (int)Sys.Syscall(SYS_pivot_root, (long)p, (long)p);
            if (r < 0) return r;
            r = (int)Sys.Syscall(SYS_umount2, (long)p, MNT_DETACH);
            if (r < 0) return r;
        }
        return PathCall(SYS_chdir, "/");
    }
}
