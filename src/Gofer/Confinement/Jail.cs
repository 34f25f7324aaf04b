using Sandbox.Linux.Native;

namespace Sandbox.Gofer.Confinement;

/// <summary>
/// The mount and capability side of confinement: pivot_root into the served root inside the
/// Gofer's own mount namespace, then shed every capability but the few file ones it serves with.
/// </summary>
internal static unsafe class Jail
{
    private const long MS_RDONLY = 1, MS_REMOUNT = 32, MS_BIND = 4096, MS_REC = 16384, MS_PRIVATE = 1 << 18;
    private const int MNT_DETACH = 2;

    /// <summary>CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID: files of any owner.</summary>
    public static readonly int[] KeptCapabilities = [0, 1, 2, 3, 4];

    private static int Mount(string? src, string target, long flags)
    {
        var s = src == null ? null : Sys.CString(src);
        var t = Sys.CString(target);
        fixed (byte* ps = s) fixed (byte* pt = t) return (int)Sys.Syscall(Host.SYS_mount, (long)ps, (long)pt, 0, flags, 0);
    }

    private static int PathCall(long nr, string path, long a1 = 0)
    {
        var b = Sys.CString(path);
        fixed (byte* p = b) return (int)Sys.Syscall(nr, (long)p, a1);
    }

    /// <summary>Makes every mount private, so nothing we do reaches the parent namespace.</summary>
    public static int MakePrivate() => Mount(null, "/", MS_REC | MS_PRIVATE);

    /// <summary>Bind-mounts <paramref name="dir"/> on itself (read-only when asked) so it is a mount point.</summary>
    public static int BindSelf(string dir, bool readOnly) => BindAt(dir, dir, readOnly);

    /// <summary>
    /// Where to pivot when serving <paramref name="root"/>. The host's "/" cannot be pivoted
    /// into directly (a mount stacked on the process's root is never reached by a path walk, so
    /// pivot_root sees the old root: EBUSY); it is bind-mounted, in this private namespace
    /// only, over a directory of its own instead.
    /// </summary>
    public static string PivotTarget(string root)
    {
        if (Path.GetFullPath(root) != "/") return root;
        foreach (var d in new[] { "/mnt", "/tmp", "/proc" })
            if (Directory.Exists(d)) return d;
        return root;
    }

    /// <summary>Bind-mounts <paramref name="source"/> (recursively) at <paramref name="target"/>, read-only when asked.</summary>
    public static int BindAt(string source, string dir, bool readOnly)
    {
        int r = Mount(source, dir, MS_BIND | MS_REC);
        if (r < 0 || !readOnly) return r;
        return Mount(null, dir, MS_REMOUNT | MS_BIND | MS_RDONLY);
    }

    /// <summary>pivot_root(".", ".") in <paramref name="root"/>, then detaches the old root.</summary>
    public static int PivotInto(string root)
    {
        int r = PathCall(Host.SYS_chdir, root);
        if (r < 0) return r;
        var dot = Sys.CString(".");
        fixed (byte* p = dot)
        {
            r = (int)Sys.Syscall(Host.SYS_pivot_root, (long)p, (long)p);
            if (r < 0) return r;
            r = (int)Sys.Syscall(Host.SYS_umount2, (long)p, MNT_DETACH);
            if (r < 0) return r;
        }
        return PathCall(Host.SYS_chdir, "/");
    }

    private const int PR_CAPBSET_DROP = 24, PR_CAP_AMBIENT = 47, PR_CAP_AMBIENT_CLEAR_ALL = 4;
    private const uint LINUX_CAPABILITY_VERSION_3 = 0x20080522;

    /// <summary>
    /// Drops from the bounding set and the effective/permitted/inheritable sets every capability
    /// not in <see cref="KeptCapabilities"/>. Capabilities are per thread: this is the calling
    /// thread, whose later threads inherit it (see docs/gofer.md).
    /// </summary>
    public static int DropCapabilities()
    {
        for (int cap = 0; cap < 64; cap++)
        {
            if (KeptCapabilities.Contains(cap)) continue;
            long r = Sys.Syscall(Host.SYS_prctl, PR_CAPBSET_DROP, cap);
            if (r == -(long)Linux.Errno.EINVAL) break; // past the kernel's last capability
            if (r < 0) return (int)r;
        }
        Sys.Syscall(Host.SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        uint keep = 0;
        foreach (int c in KeptCapabilities) keep |= 1u << c;
        var hdr = stackalloc uint[2];
        hdr[0] = LINUX_CAPABILITY_VERSION_3; hdr[1] = 0;
        var data = stackalloc uint[6]; // two __user_cap_data_struct: effective, permitted, inheritable
        data[0] = keep; data[1] = keep; data[2] = 0;
        data[3] = 0; data[4] = 0; data[5] = 0;
        return (int)Sys.Syscall(Host.SYS_capset, (long)hdr, (long)data);
    }
}
