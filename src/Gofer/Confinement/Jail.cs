using Sandbox.Linux.Native;

namespace Sandbox.Gofer.Confinement;

/// <summary>
/// The mount and capability side of confinement: pivot_root into the served root inside the
/// Gofer's own mount namespace, then shed every capability but the few file ones it serves with.
/// </summary>
internal static unsafe class Jail
{
    /// <summary>CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID: files of any owner.</summary>
    public static readonly int[] KeptCapabilities = [0, 1, 2, 3, 4];

    /// <summary>Makes every mount private, so nothing we do reaches the parent namespace.</summary>
    public static int MakePrivate() => Mounts.MakePrivate();

    /// <summary>Makes every mount a slave: it receives the host's later mounts, and sends none back.</summary>
    public static int MakeSlave() => Mounts.MakeSlave();

    /// <summary>Bind-mounts <paramref name="dir"/> on itself (read-only when asked) so it is a mount point.</summary>
    public static int BindSelf(string dir, bool readOnly) => Mounts.BindAt(dir, dir, readOnly);

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

    public static int BindAt(string source, string dir, bool readOnly) => Mounts.BindAt(source, dir, readOnly);

    public static int PivotInto(string root) => Mounts.PivotInto(root);

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
