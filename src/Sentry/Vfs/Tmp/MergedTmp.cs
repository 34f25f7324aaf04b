using Sandbox.Linux;
using Sandbox.Linux.Abi;

namespace Sandbox.Sentry.Vfs.Tmp;

/// <summary>
/// The sandbox's /tmp when the rootfs is a host directory: a tmpfs for everything the program
/// creates, over the rootfs's own /tmp, whose entries stay visible read-only. Only this top
/// directory is merged: below it, a name is either the tmpfs's or the rootfs's.
/// </summary>
public sealed class MergedTmp : Inode
{
    private readonly TmpInode _upper;
    private readonly Inode _lower;

    public MergedTmp(TmpFilesystem fs, Inode lower) : base(fs)
    {
        _upper = (TmpInode)fs.Root;
        _lower = lower;
    }

    /// <summary>The tmpfs side, where new files go.</summary>
    public TmpInode Upper => _upper;

    public override uint Mode => _upper.Mode;
    public override int Stat(out Stat st) => _upper.Stat(out st);

    public override int Lookup(string name, out Inode? child)
    {
        int r = _upper.Lookup(name, out child);
        if (r == 0) return 0;
        return _lower.Lookup(name, out child);
    }

    private bool InLower(string name) => _lower.Lookup(name, out _) == 0;

    public override int Create(string name, uint mode, uint uid, uint gid, string? symlinkTarget, out Inode? child)
    {
        child = null;
        if (InLower(name)) return -(int)Errno.EEXIST;
        return _upper.Create(name, mode, uid, gid, symlinkTarget, out child);
    }

    public override int Link(string name, Inode target) => InLower(name) ? -(int)Errno.EEXIST : _upper.Link(name, target);

    public override int Remove(string name, bool directory)
    {
        int r = _upper.Remove(name, directory);
        if (r == -(int)Errno.ENOENT && InLower(name)) return -(int)Errno.EROFS;
        return r;
    }

    public override int Rename(string oldName, Inode newParent, string newName, int flags)
    {
        if (_upper.Lookup(oldName, out _) != 0) return InLower(oldName) ? -(int)Errno.EROFS : -(int)Errno.ENOENT;
        if (InLower(newName)) return -(int)Errno.EROFS;
        return _upper.Rename(oldName, newParent is MergedTmp m ? m._upper : newParent, newName, flags);
    }

    public override int SetAttr(in SetAttr attr) => _upper.SetAttr(attr);

    public override int Open(int flags, out FileDescription? file)
    {
        file = null;
        if ((flags & OpenFlags.O_PATH) != 0) { file = new Host.PathFileDescription(flags); return 0; }
        if ((flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDONLY) return -(int)Errno.EISDIR;
        file = new MergedDirectoryFile(this) { Flags = flags };
        return 0;
    }

    /// <summary>Both layers' names, the tmpfs's first; a name in both is listed once.</summary>
    internal List<(string Name, ulong Ino, byte Type)> Entries()
    {
        var list = _upper.Entries();
        var seen = new HashSet<string>(list.Select(e => e.Name));
        foreach (var e in Overlay.DirectoryListing.Read(_lower))
            if (seen.Add(e.Name)) list.Add(e);
        return list;
    }

    public ulong Ino { get { _upper.Stat(out var st); return st.Ino; } }
}

/// <summary>An open merged /tmp: the union of the two layers' entries.</summary>
public sealed class MergedDirectoryFile : ListedDirectoryFile
{
    private readonly MergedTmp _dir;

    public MergedDirectoryFile(MergedTmp dir) { _dir = dir; }

    protected override ulong SelfIno => _dir.Ino;
    protected override IEnumerable<(string Name, ulong Ino, byte Type)> Entries() => _dir.Entries();
}

/// <summary>A tmpfs whose root is merged with a lower directory (see <see cref="MergedTmp"/>).</summary>
public sealed class MergedTmpFilesystem : Filesystem
{
    public MergedTmpFilesystem(Inode lower)
    {
        var fs = new TmpFilesystem();
        Dev = fs.Dev;
        Root = new MergedTmp(fs, lower);
    }

    public override string Type => "tmpfs";
    public override Inode Root { get; }
}
