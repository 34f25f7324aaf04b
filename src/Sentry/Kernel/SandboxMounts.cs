using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Vfs;
using Sandbox.Sentry.Vfs.Dev;
using Sandbox.Sentry.Vfs.Tmp;

namespace Sandbox.Sentry.Kernel;

/// <summary>
/// What every sandbox root gets over its image: the sandbox's own /dev, /proc, /sys,
/// /dev/shm, /dev/pts and /tmp, then the volumes. <c>root</c> is where the image is mounted:
/// the VFS root of a `sandbox run`, or a container's root inside a pod's tree.
/// </summary>
/// <summary>A --mount with what serves it: null <c>Fs</c> for a tmpfs; <c>FileName</c> set when the source is a file, named in <c>Fs</c>'s root.</summary>
public sealed record ResolvedMount(SpecMount Spec, Filesystem? Fs, string? FileName);

public static class SandboxMounts
{
    public static void Add(Kernel kernel, VirtualFs vfs, Location root, IReadOnlyList<(Filesystem Fs, string Guest, bool ReadOnly)> volumes)
    {
        // Mount points an image lacks (a minimal image has no /proc) are made, in its writable
        // layer, as runc makes them in a bundle.
        foreach (var dir in new[] { "/dev", "/proc", "/sys", "/tmp" })
            if (vfs.Resolve(root, root, dir, true, out _) == -(int)Errno.ENOENT) MakeDirs(vfs, root, dir);
        int r = MountAt(vfs, root, "/dev", new DevFilesystem(kernel.DevPts), readOnly: false);
        if (r < 0) kernel.Debug($"no /dev in the rootfs ({ErrnoText.Name(-r)}): device files are unavailable");
        // The host's /proc and /sys describe the host (and the Sentry): never show them; the
        // sandbox has its own.
        if (MountAt(vfs, root, "/proc", new Vfs.Proc.ProcFilesystem(kernel), readOnly: false) < 0)
            kernel.Debug("no /proc in the rootfs");
        if (MountAt(vfs, root, "/sys", new Vfs.SysFs.SysFilesystem(), readOnly: true) < 0)
            kernel.Debug("no /sys in the rootfs");
        if (r == 0 && MountAt(vfs, root, "/dev/shm", new TmpFilesystem(), readOnly: false) < 0)
            kernel.Debug("no /dev/shm");
        if (r == 0 && MountAt(vfs, root, "/dev/pts", kernel.DevPts, readOnly: false) < 0)
            kernel.Debug("no /dev/pts");
        // /tmp is a tmpfs over the rootfs's own (whose files stay visible), as on hosts whose
        // /tmp is a tmpfs.
        if (vfs.Resolve(root, root, "/tmp", true, out var hostTmp) < 0 || !hostTmp.Inode.IsDirectory
            || vfs.MountAt(hostTmp, new MergedTmpFilesystem(hostTmp.Inode), readOnly: false, "/tmp") < 0)
            kernel.Debug("no /tmp in the rootfs: no writable directory");
        // Volumes last, so that they show over the sandbox's own /tmp and /dev too.
        foreach (var (fs, guest, readOnly) in volumes)
        {
            int vr = MakeDirs(vfs, root, guest);
            if (vr == 0) vr = MountAt(vfs, root, guest, fs, readOnly);
            if (vr < 0) throw new IOException($"--volume {guest}: {ErrnoText.Message(-vr)}");
        }
    }

    /// <summary>
    /// --mount, --tmpfs, --readonly-path and --masked-path below <paramref name="root"/>, over
    /// everything <see cref="Add"/> mounted, as runc applies them: the mounts in order, then the
    /// read-only paths, then the masked ones (missing paths are skipped for those two).
    /// </summary>
    public static void AddSpecMounts(VirtualFs vfs, Location root, IReadOnlyList<ResolvedMount> mounts,
        IReadOnlyList<string> readonlyPaths, IReadOnlyList<string> maskedPaths)
    {
        foreach (var m in mounts)
        {
            string what = $"--mount {m.Spec.Type} {m.Spec.Destination}";
            int r;
            if (m.Fs == null)
            {
                r = MakeDirs(vfs, root, m.Spec.Destination);
                if (r == 0) r = MountAt(vfs, root, m.Spec.Destination, new Vfs.Tmp.TmpFilesystem(), m.Spec.ReadOnly);
            }
            else if (m.FileName == null)
            {
                r = MakeDirs(vfs, root, m.Spec.Destination);
                if (r == 0) r = MountAt(vfs, root, m.Spec.Destination, m.Fs, m.Spec.ReadOnly);
            }
            else r = MountFile(vfs, root, m.Fs, m.FileName, m.Spec.Destination, m.Spec.ReadOnly);
            if (r < 0) throw new IOException($"{what}: {ErrnoText.Message(-r)}");
        }
        foreach (var path in readonlyPaths)
            if (vfs.Resolve(root, root, path, true, out var at) == 0)
            {
                int rr = vfs.MountAt(at, new BindFilesystem(at), readOnly: true, path);
                if (rr < 0) throw new IOException($"--readonly-path {path}: {ErrnoText.Message(-rr)}");
            }
        foreach (var path in maskedPaths)
            if (vfs.Resolve(root, root, path, true, out var at) == 0)
            {
                Filesystem mask = at.Inode.IsDirectory ? new TmpFilesystem() : new NullFileFilesystem();
                int mr = vfs.MountAt(at, mask, readOnly: at.Inode.IsDirectory, path);
                if (mr < 0) throw new IOException($"--masked-path {path}: {ErrnoText.Message(-mr)}");
            }
    }

    /// <summary>File <paramref name="name"/> of <paramref name="dir"/>'s root mounted at <paramref name="guest"/> (made, empty, when the image lacks it).</summary>
    private static int MountFile(VirtualFs vfs, Location root, Filesystem dir, string name, string guest, bool readOnly)
    {
        int r = dir.Root.Lookup(name, out var file);
        if (r == 0 && file!.IsDirectory) r = -(int)Errno.EISDIR;
        if (r < 0) return r;
        int slash = guest.TrimEnd('/').LastIndexOf('/');
        string parent = slash <= 0 ? "/" : guest[..slash], leaf = guest.TrimEnd('/')[(slash + 1)..];
        r = MakeDirs(vfs, root, parent);
        Location at = default;
        if (r == 0) r = vfs.Resolve(root, root, parent, true, out at);
        if (r < 0) return r;
        r = vfs.Resolve(root, at, leaf, true, out var existing);
        if (r == -(int)Errno.ENOENT)
        {
            r = at.Inode.Create(leaf, FileMode.S_IFREG | 0x1a4, 0, 0, null, out _);
            if (r == 0) r = vfs.Resolve(root, at, leaf, true, out existing);
        }
        return r < 0 ? r : vfs.MountAt(existing, new BindFilesystem(file!), readOnly, guest);
    }

    /// <summary>Mounts at <paramref name="path"/> below <paramref name="root"/>; the mount's recorded path is the one seen from that root.</summary>
    public static int MountAt(VirtualFs vfs, Location root, string path, Filesystem fs, bool readOnly)
    {
        int r = vfs.Resolve(root, root, path, true, out var at);
        return r < 0 ? r : vfs.MountAt(at, fs, readOnly, path);
    }

    /// <summary>mkdir -p below <paramref name="root"/> (the overlay takes the new directories).</summary>
    public static int MakeDirs(VirtualFs vfs, Location root, string path)
    {
        var at = root;
        foreach (var name in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            int r = vfs.Resolve(root, at, name, true, out var next);
            if (r == -(int)Errno.ENOENT)
            {
                r = at.Inode.Create(name, FileMode.S_IFDIR | 0x1ed, 0, 0, null, out _);
                if (r == 0) r = vfs.Resolve(root, at, name, true, out next);
            }
            if (r < 0) return r;
            if (!next.Inode.IsDirectory) return -(int)Errno.ENOTDIR;
            at = next;
        }
        return 0;
    }
}
