namespace Sandbox.Sentry.Vfs;

/// <summary>A cached name → inode binding in the Sentry's view of the tree.</summary>
public sealed class Dentry
{
    public Dentry(string name, Dentry? parent, Inode inode)
    {
        Name = name; Parent = parent; Inode = inode;
    }

    public string Name { get; }
    public Dentry? Parent { get; }
    public Inode Inode { get; }

    private Dictionary<string, Dentry>? _children;

    public Dentry? CachedChild(string name)
    {
        lock (this) return _children != null && _children.TryGetValue(name, out var d) ? d : null;
    }

    /// <summary>Forgets a cached name (after unlink, rmdir or rename).</summary>
    public void DropChild(string name)
    {
        lock (this) _children?.Remove(name);
    }

    public Dentry AddChild(string name, Inode inode)
    {
        lock (this)
        {
            _children ??= new Dictionary<string, Dentry>(StringComparer.Ordinal);
            if (_children.TryGetValue(name, out var d)) return d;
            d = new Dentry(name, this, inode);
            _children[name] = d;
            return d;
        }
    }
}

/// <summary>A mount: a filesystem's root dentry attached over a dentry of its parent mount.</summary>
public sealed class Mount
{
    public Mount(Filesystem fs, Mount? parent, Dentry? point, bool readOnly)
    {
        Fs = fs; Parent = parent; Point = point; ReadOnly = readOnly || fs.ReadOnly;
        Root = new Dentry("/", null, fs.Root);
    }

    public Filesystem Fs { get; }
    public Dentry Root { get; }
    public Mount? Parent { get; }
    /// <summary>Where in the parent mount this one is attached (null for the root mount).</summary>
    public Dentry? Point { get; }
    /// <summary>MS_RDONLY; mount -o remount,ro|rw changes it.</summary>
    public bool ReadOnly { get; set; }
    /// <summary>Path of the mount point as the sandbox sees it.</summary>
    public string Path { get; init; } = "/";
}

/// <summary>A position in the mount tree: which mount, which dentry in it.</summary>
public readonly record struct Location(Mount Mount, Dentry Dentry)
{
    public Inode Inode => Dentry.Inode;

    /// <summary>Writes are refused here: a read-only mount, or a read-only filesystem seen through a writable one.</summary>
    public bool ReadOnly => Mount.ReadOnly || Inode.Fs.ReadOnly;
}
