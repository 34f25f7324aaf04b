using Sandbox.Linux.Abi;
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

    private const int SYS_open_tree = 428, SYS_mount_setattr = 442;
    private const int OPEN_TREE_CLONE = 1, AT_RECURSIVE = 0x8000, AT_EMPTY_PATH = 0x1000;
    private const ulong MOUNT_ATTR_RDONLY = 1;

    /// <summary>
    /// A detached recursive copy of the mounts at <paramref name="dir"/> (open_tree(2)
    /// OPEN_TREE_CLONE), all read-only when asked (mount_setattr(2)): the returned O_PATH fd is
    /// the tree's root. Nothing is mounted at any path, so trees served by one Gofer never
    /// show in each other however their host paths nest, and each keeps its own read-only flag.
    /// -errno when the kernel lacks the calls (before 5.12) or refuses them.
    /// </summary>
    public static int CloneTree(string dir, bool readOnly)
    {
        var p = Sys.CString(dir);
        int fd;
        fixed (byte* b = p) fd = (int)Sys.Syscall(SYS_open_tree, (long)AtFlags.AT_FDCWD, (long)b, OPEN_TREE_CLONE | AT_RECURSIVE | OpenFlags.O_CLOEXEC);
        if (fd < 0 || !readOnly) return fd;
        var attr = stackalloc ulong[4]; // struct mount_attr: attr_set, attr_clr, propagation, userns_fd
        attr[0] = MOUNT_ATTR_RDONLY; attr[1] = 0; attr[2] = 0; attr[3] = 0;
        var empty = stackalloc byte[1];
        empty[0] = 0;
        int r = (int)Sys.Syscall(SYS_mount_setattr, fd, (long)empty, AT_EMPTY_PATH | AT_RECURSIVE, (long)attr, 32);
        if (r == 0) return fd;
        Sys.Close(fd);
        return r;
    }

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
