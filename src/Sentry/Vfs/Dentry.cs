namespace Sandbox.Sentry.Vfs;

/// <summary>A cached name → inode binding in the Sentry's view of the tree.</summary>
public sealed class Dentry
{
    public Dentry(string name, Dentry? parent, Inode inode)
    {
        Name = name; Parent = parent; Inode = inode;
    }

    // Name and Parent change when a rename moves the dentry (so a cwd or an open file inside
    // keeps a true path); renames serialise on MoveLock.
    public string Name { get; private set; }
    public Dentry? Parent { get; private set; }
    public Inode Inode { get; }

    /// <summary>The name is gone (unlink, rmdir, or replaced by a rename): paths to it read " (deleted)" and getcwd(2) fails.</summary>
    public bool Dead { get; private set; }

    private static readonly object MoveLock = new();

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

    /// <summary>A dentry that never had a name in its directory (O_TMPFILE's): dead from the start.</summary>
    public static Dentry Unlinked(string name, Dentry parent, Inode inode) => new(name, parent, inode) { Dead = true };

    /// <summary>The name was removed: forgets it and marks its dentry dead.</summary>
    public void Kill(string name)
    {
        lock (this) if (_children != null && _children.Remove(name, out var d)) d.Dead = true;
    }

    /// <summary>After rename(2): the cached dentry moves to its new parent and name; one it replaced dies.</summary>
    public static void Move(Dentry fromParent, string fromName, Dentry toParent, string toName)
    {
        lock (MoveLock)
        {
            Dentry? moving = null;
            lock (fromParent) fromParent._children?.Remove(fromName, out moving);
            lock (toParent)
            {
                if (toParent._children != null && toParent._children.Remove(toName, out var replaced)) replaced.Dead = true;
                if (moving == null) return;
                moving.Name = toName;
                moving.Parent = toParent;
                (toParent._children ??= new Dictionary<string, Dentry>(StringComparer.Ordinal))[toName] = moving;
            }
        }
    }

    /// <summary>After RENAME_EXCHANGE: the two cached dentries trade places.</summary>
    public static void Exchange(Dentry aParent, string aName, Dentry bParent, string bName)
    {
        lock (MoveLock)
        {
            Dentry? a = null, b = null;
            lock (aParent) aParent._children?.Remove(aName, out a);
            lock (bParent) bParent._children?.Remove(bName, out b);
            if (a != null)
            {
                a.Name = bName; a.Parent = bParent;
                lock (bParent) (bParent._children ??= new Dictionary<string, Dentry>(StringComparer.Ordinal))[bName] = a;
            }
            if (b != null)
            {
                b.Name = aName; b.Parent = aParent;
                lock (aParent) (aParent._children ??= new Dictionary<string, Dentry>(StringComparer.Ordinal))[aName] = b;
            }
        }
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
