using System.Text;
using Sandbox.Linux;
using Sandbox.Linux.Abi;

namespace Sandbox.Sentry.Vfs;

/// <summary>
/// The sandbox's mount tree and path walk. Symlinks are resolved here, inside the sandbox's
/// root, never by the host, so no path can reach a host file outside the rootfs.
/// </summary>
public sealed class VirtualFs
{
    public const int MaxSymlinks = 40;

    private readonly Dictionary<Dentry, Mount> _mounts = new(ReferenceEqualityComparer.Instance);
    private readonly List<Mount> _all = new();

    public VirtualFs(Filesystem rootFs, bool readOnly)
    {
        RootMount = new Mount(rootFs, null, null, readOnly);
        _all.Add(RootMount);
    }

    public Mount RootMount { get; }
    public Location Root => new(RootMount, RootMount.Root);
    public IReadOnlyList<Mount> Mounts { get { lock (_mounts) return _all.ToArray(); } }

    /// <summary>Mounts <paramref name="fs"/> over the directory at <paramref name="path"/>.</summary>
    public int MountAt(string path, Filesystem fs, bool readOnly)
    {
        int r = Resolve(Root, Root, path, true, out var at);
        return r < 0 ? r : MountAt(at, fs, readOnly, path);
    }

    /// <summary>Mounts <paramref name="fs"/> at a place already resolved (mount(2)): a directory over a directory, a file over a file.</summary>
    public int MountAt(Location at, Filesystem fs, bool readOnly, string path)
    {
        if (at.Inode.IsDirectory != fs.Root.IsDirectory) return -(int)(at.Inode.IsDirectory ? Errno.EISDIR : Errno.ENOTDIR);
        lock (_mounts)
        {
            var m = new Mount(fs, at.Mount, at.Dentry, readOnly) { Path = path };
            _mounts[at.Dentry] = m;
            // Directories that make their dentries afresh at each lookup (procfs) must find this
            // one and its ancestors again, or the mount would never be crossed.
            for (var d = at.Dentry; d.Parent != null; d = d.Parent) _pinned.Add(d);
            _all.Add(m);
        }
        return 0;
    }

    /// <summary>umount2(2): <paramref name="at"/> must be the root of a mount; mounts below it go with it (as MNT_DETACH).</summary>
    public int Unmount(Location at)
    {
        lock (_mounts)
        {
            var m = at.Mount;
            if (at.Dentry != m.Root || m.Parent == null || m.Point == null) return -(int)Errno.EINVAL;
            var gone = new HashSet<Mount> { m };
            bool grew = true;
            while (grew)
            {
                grew = false;
                foreach (var x in _all)
                    if (x.Parent != null && gone.Contains(x.Parent) && gone.Add(x)) grew = true;
            }
            foreach (var x in gone)
            {
                if (x.Point != null && _mounts.TryGetValue(x.Point, out var cur) && cur == x) _mounts.Remove(x.Point);
                _all.Remove(x);
            }
            _pinned.Clear();
            foreach (var x in _all)
                for (var d = x.Point; d?.Parent != null; d = d.Parent) _pinned.Add(d);
        }
        return 0;
    }

    public bool IsMountPoint(Dentry d)
    {
        lock (_mounts) return _mounts.ContainsKey(d);
    }

    /// <summary>Dentries on the way to mount points (see MountAt); few, so a scan.</summary>
    private readonly HashSet<Dentry> _pinned = new();

    private Dentry? PinnedChild(Dentry parent, string name)
    {
        lock (_mounts)
        {
            if (_pinned.Count == 0) return null;
            foreach (var d in _pinned)
                if (d.Parent == parent && d.Name == name && !d.Dead) return d;
        }
        return null;
    }

    private Location CrossMounts(Location l)
    {
        lock (_mounts)
            while (_mounts.TryGetValue(l.Dentry, out var m) && m.Parent == l.Mount)
                l = new Location(m, m.Root);
        return l;
    }

    private static Location Parent(Location l, Location root)
    {
        while (true)
        {
            if (l.Mount == root.Mount && l.Dentry == root.Dentry) return l;
            if (l.Dentry.Parent != null) return new Location(l.Mount, l.Dentry.Parent);
            if (l.Mount.Parent == null || l.Mount.Point == null) return l;
            l = new Location(l.Mount.Parent, l.Mount.Point); // at a mount's root: go to the mount point, then up
        }
    }

    /// <summary>
    /// Walks <paramref name="path"/> from <paramref name="start"/> (absolute paths from
    /// <paramref name="root"/>). <paramref name="followLast"/> says whether a final symlink is
    /// followed. Returns 0 or -errno (ENOENT, ENOTDIR, ELOOP, EACCES, ENAMETOOLONG).
    /// </summary>
    public int Resolve(Location root, Location start, string path, bool followLast, out Location result, Credentials? creds = null, ResolveFlags flags = 0)
    {
        int budget = MaxSymlinks;
        return Walk(root, start, path, followLast, ref budget, out result, creds, flags, start);
    }

    private int Walk(Location root, Location start, string path, bool followLast, ref int symlinkBudget, out Location result,
        Credentials? creds, ResolveFlags flags, Location boundary)
    {
        result = start;
        if (path.Length == 0) return -(int)Errno.ENOENT;
        if (path.Length >= 4096) return -(int)Errno.ENAMETOOLONG;
        if (path[0] == '/' && (flags & ResolveFlags.Beneath) != 0) return -(int)Errno.EXDEV;
        var cur = path[0] == '/' ? root : start;
        bool mustBeDir = path[^1] == '/';
        int i = 0;
        while (true)
        {
            while (i < path.Length && path[i] == '/') i++;
            if (i >= path.Length) break;
            int j = path.IndexOf('/', i);
            if (j < 0) j = path.Length;
            string name = path.Substring(i, j - i);
            i = j;
            bool last = path.AsSpan(i).TrimStart('/').IsEmpty;
            if (name.Length > 255) return -(int)Errno.ENAMETOOLONG;
            if (!cur.Inode.IsDirectory) return -(int)Errno.ENOTDIR;
            if (creds != null)
            {
                int pr = Permissions.Check(cur.Inode, Access.X_OK, creds);
                if (pr < 0) return pr;
            }
            if (name == ".") continue;
            if (name == "..")
            {
                if ((flags & ResolveFlags.Beneath) != 0 && cur == boundary) return -(int)Errno.EXDEV;
                var up = Parent(cur, root);
                if ((flags & ResolveFlags.NoXdev) != 0 && up.Mount != cur.Mount) return -(int)Errno.EXDEV;
                cur = up;
                continue;
            }
            bool dynamic = cur.Inode.DynamicChildren;
            var child = dynamic ? PinnedChild(cur.Dentry, name) : cur.Dentry.CachedChild(name);
            if (child == null)
            {
                int r = cur.Inode.Lookup(name, out var inode);
                if (r < 0) return r;
                child = dynamic ? new Dentry(name, cur.Dentry, inode!) : cur.Dentry.AddChild(name, inode!);
            }
            var next = CrossMounts(new Location(cur.Mount, child));
            if ((flags & ResolveFlags.NoXdev) != 0 && next.Mount != cur.Mount) return -(int)Errno.EXDEV;
            if (next.Inode.IsSymlink && (!last || followLast || mustBeDir))
            {
                if ((flags & ResolveFlags.NoSymlinks) != 0) return -(int)Errno.ELOOP;
                if (--symlinkBudget < 0) return -(int)Errno.ELOOP;
                if (next.Inode.MagicLink(next.Mount, out var magic))
                {
                    if ((flags & (ResolveFlags.NoMagicLinks | ResolveFlags.Beneath | ResolveFlags.InRoot)) != 0) return -(int)Errno.ELOOP;
                    cur = magic;
                    continue;
                }
                int r = next.Inode.ReadLink(out string target);
                if (r < 0) return r;
                r = Walk(root, cur, target, true, ref symlinkBudget, out next, creds, flags, boundary);
                if (r < 0) return r;
            }
            cur = next;
        }
        if (mustBeDir && !cur.Inode.IsDirectory) return -(int)Errno.ENOTDIR;
        result = cur;
        return 0;
    }

    /// <summary>The path of <paramref name="l"/> as seen from <paramref name="root"/> (getcwd, /proc).</summary>
    public static string PathOf(Location l, Location root)
    {
        // d_path(): an unlinked file's path says so.
        string deleted = l.Dentry.Dead ? " (deleted)" : "";
        var parts = new List<string>();
        while (!(l.Mount == root.Mount && l.Dentry == root.Dentry))
        {
            if (l.Dentry.Parent != null) { parts.Add(l.Dentry.Name); l = new Location(l.Mount, l.Dentry.Parent); continue; }
            if (l.Mount.Parent == null || l.Mount.Point == null) break;
            l = new Location(l.Mount.Parent, l.Mount.Point);
        }
        if (parts.Count == 0) return "/" + deleted;
        var sb = new StringBuilder();
        for (int k = parts.Count - 1; k >= 0; k--) sb.Append('/').Append(parts[k]);
        return sb.Append(deleted).ToString();
    }
}

public static class Permissions
{
    /// <summary>generic_permission(): mode bits against fsuid/fsgid, then CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH.</summary>
    public static int Check(Inode inode, int want, Credentials c)
    {
        if (want == 0) return 0;
        int r = inode.Stat(out var st);
        if (r < 0) return r;
        uint mode = st.Mode;
        uint bits = st.Uid == c.Fsuid ? (mode >> 6) & 7 : c.InGroup(st.Gid) ? (mode >> 3) & 7 : mode & 7;
        if (((uint)want & ~bits) == 0) return 0;
        bool dir = FileMode.IsDir(mode);
        if (c.Has(Cap.DAC_OVERRIDE) && (dir || (want & Access.X_OK) == 0 || (mode & 0x49) != 0)) return 0;
        if (c.Has(Cap.DAC_READ_SEARCH) && (want & Access.W_OK) == 0 && (dir || (want & Access.X_OK) == 0)) return 0;
        return -(int)Errno.EACCES;
    }
}

/// <summary>openat2(2) RESOLVE_* flags: how a walk may proceed.</summary>
[Flags]
public enum ResolveFlags
{
    NoXdev = 0x01,
    /// <summary>No /proc magic links (fd/N, cwd, root, exe) may be followed.</summary>
    NoMagicLinks = 0x02,
    NoSymlinks = 0x04,
    Beneath = 0x08,
    InRoot = 0x10,
    Cached = 0x20,
    All = 0x3f,
}
