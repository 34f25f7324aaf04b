using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Vfs.Tmp;

namespace Sandbox.Sentry.Vfs.Overlay;

/// <summary>
/// One name of the overlay: its upper inode (once created or copied up), its lower one (from
/// the image), or both for a merged directory. Directories remember their whiteouts (image
/// names removed) and whether they are opaque (recreated: nothing of the image shows through).
/// </summary>
public sealed class OverlayInode : Inode
{
    private const ulong UpperInoBit = 1UL << 62;

    private readonly OverlayFilesystem _fs;
    private readonly Dictionary<string, OverlayInode> _children = new(StringComparer.Ordinal);
    private readonly HashSet<string> _whiteouts = new(StringComparer.Ordinal);
    private ulong _lowerIno;

    internal OverlayInode(OverlayFilesystem fs, OverlayInode? parent, string name, TmpInode? upper, Inode? lower) : base(fs)
    {
        _fs = fs; Parent = parent; Name = name; Upper = upper; Lower = lower;
        if (lower != null && lower.Stat(out var st) == 0) _lowerIno = st.Ino;
    }

    internal OverlayInode? Parent { get; private set; }
    internal string Name { get; private set; }
    internal TmpInode? Upper { get; private set; }
    /// <summary>The in-memory file behind a copied-up or new regular file (for shared mappings).</summary>
    public TmpInode? UpperTmp => Upper;
    internal Inode? Lower { get; private set; }
    internal bool Opaque { get; private set; }

    private Inode Top => (Inode?)Upper ?? Lower!;

    public override uint Mode => Top.Mode;

    /// <summary>A merged directory whose own attributes were never changed shows the image's.</summary>
    private bool _dirAttrsChanged;

    public override int Stat(out Stat st)
    {
        int r = (IsDirectory && Lower != null && !_dirAttrsChanged ? Lower : Top).Stat(out st);
        if (r < 0) return r;
        st.Dev = _fs.Dev;
        st.Ino = Lower != null || _lowerIno != 0 ? _lowerIno : st.Ino | UpperInoBit;
        return 0;
    }

    public override int ReadLink(out string target) => Top.ReadLink(out target);
    public override int GetXattr(string name, Span<byte> value) => Top.GetXattr(name, value);
    public override int ListXattr(Span<byte> list) => Top.ListXattr(list);

    public override int SetXattr(string name, ReadOnlySpan<byte> value, int flags)
    {
        int r = CopyUp();
        return r < 0 ? r : Upper!.SetXattr(name, value, flags);
    }

    public override int RemoveXattr(string name)
    {
        int r = CopyUp();
        return r < 0 ? r : Upper!.RemoveXattr(name);
    }

    // ---- lookup and listing ----------------------------------------------------------------

    public override int Lookup(string name, out Inode? child)
    {
        lock (_fs.TreeLock)
        {
            int r = LookupLocked(name, out var c);
            child = c;
            return r;
        }
    }

    /// <summary>Names the image's directory lacks (ENOENT), up to <see cref="MaxMissing"/> of them.</summary>
    private HashSet<string>? _lowerMissing;
    private const int MaxMissing = 4096;

    private int LookupLocked(string name, out OverlayInode? child)
    {
        child = null;
        if (!IsDirectory) return -(int)Errno.ENOTDIR;
        if (_children.TryGetValue(name, out child)) return 0;
        Inode? up = null, low = null;
        if (Upper != null && Upper.Lookup(name, out var u) == 0) up = u;
        if (Lower != null && !Opaque && !_whiteouts.Contains(name) && _lowerMissing?.Contains(name) != true)
        {
            int lr = Lower.Lookup(name, out var l);
            if (lr == 0) low = l;
            // The image does not change under the overlay: a name it lacks stays lacking, so the
            // next lookup (python tries many) skips the walk (a 9P round trip through the Gofer).
            else if (lr == -(int)Errno.ENOENT && (_lowerMissing ??= new(StringComparer.Ordinal)).Count < MaxMissing) _lowerMissing.Add(name);
        }
        // An upper non-directory hides the image's entry; directories of both layers merge.
        if (up != null && low != null && !(up.IsDirectory && low.IsDirectory)) low = null;
        if (up == null && low == null) return -(int)Errno.ENOENT;
        child = new OverlayInode(_fs, this, name, up as TmpInode, low);
        _children[name] = child;
        return 0;
    }

    /// <summary>The merged entries: the upper layer's, then the image's not hidden by them or by whiteouts.</summary>
    internal List<(string Name, ulong Ino, byte Type)> Entries()
    {
        lock (_fs.TreeLock)
        {
            var list = new List<(string Name, ulong Ino, byte Type)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            if (Upper != null)
                foreach (var e in Upper.Entries()) { seen.Add(e.Name); list.Add(e); }
            if (Lower != null && !Opaque)
                foreach (var e in DirectoryListing.Read(Lower))
                    if (!_whiteouts.Contains(e.Name) && seen.Add(e.Name)) list.Add(e);
            // Report the inode numbers stat shows.
            for (int i = 0; i < list.Count; i++)
                if (LookupLocked(list[i].Name, out var c) == 0 && c!.Stat(out var st) == 0) list[i] = (list[i].Name, st.Ino, list[i].Type);
            return list;
        }
    }

    private bool IsEmptyLocked() => Entries().Count == 0;

    // ---- copy-up -----------------------------------------------------------------------------

    /// <summary>Gives this name an upper inode, copying the image's file, link or directory (and its parents) first.</summary>
    internal int CopyUp()
    {
        lock (_fs.TreeLock) return CopyUpLocked();
    }

    private int CopyUpLocked()
    {
        if (Upper != null) return 0;
        if (Parent == null) return -(int)Errno.EROFS;
        int r = Parent.CopyUpLocked();
        if (r < 0) return r;
        r = Lower!.Stat(out var st);
        if (r < 0) return r;
        uint type = st.Mode & FileMode.S_IFMT;
        string? target = null;
        if (type == FileMode.S_IFLNK && (r = Lower.ReadLink(out target)) < 0) return r;
        uint createMode = type is FileMode.S_IFDIR or FileMode.S_IFREG or FileMode.S_IFLNK or FileMode.S_IFIFO ? st.Mode : FileMode.S_IFREG | (st.Mode & 0xfff);
        r = Parent.Upper!.Create(Name, createMode, st.Uid, st.Gid, target, out var created);
        if (r < 0) return r;
        var up = (TmpInode)created!;
        if (type == FileMode.S_IFREG)
        {
            r = CopyData(Lower, up);
            if (r < 0) { Parent.Upper.Remove(Name, false); return r; }
        }
        if (type != FileMode.S_IFLNK)
            up.SetAttr(new SetAttr(Mode: st.Mode & 0xfff, Atime: st.Atime, Mtime: st.Mtime));
        CopyXattrs(Lower, up);
        Upper = up;
        return 0;
    }

    /// <summary>The image file's extended attributes go up with it (overlayfs copies them on copy-up).</summary>
    private static void CopyXattrs(Inode from, Inode to)
    {
        Span<byte> list = stackalloc byte[4096];
        int n = from.ListXattr(list);
        if (n <= 0) return;
        var value = new byte[64 << 10];
        foreach (var name in System.Text.Encoding.UTF8.GetString(list[..n]).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            int v = from.GetXattr(name, value);
            if (v >= 0) to.SetXattr(name, value.AsSpan(0, v), 0);
        }
    }

    private int CopyData(Inode from, TmpInode to)
    {
        int r = from.Open(OpenFlags.O_RDONLY, out var src);
        if (r < 0) return r;
        try
        {
            var buf = new byte[1 << 16];
            long off = 0;
            while (true)
            {
                long n = src!.Read(buf, off);
                if (n < 0) return (int)n;
                if (n == 0) return 0;
                to.WriteAt(buf.AsSpan(0, (int)n), off, append: false, out _);
                off += n;
                Interlocked.Add(ref _fs.CopiedUpBytes, n);
            }
        }
        finally { src!.DecRef(); }
    }

    // ---- changing the tree -------------------------------------------------------------------

    public override int Create(string name, uint mode, uint uid, uint gid, string? symlinkTarget, out Inode? child)
    {
        child = null;
        lock (_fs.TreeLock)
        {
            if (LookupLocked(name, out _) == 0) return -(int)Errno.EEXIST;
            int r = CopyUpLocked();
            if (r < 0) return r;
            r = Upper!.Create(name, mode, uid, gid, symlinkTarget, out var up);
            if (r < 0) return r;
            // A directory made where the image had one that was removed shows none of its entries.
            bool hidesImage = _whiteouts.Remove(name) || (Lower != null && !Opaque && Lower.Lookup(name, out _) == 0);
            var c = new OverlayInode(_fs, this, name, (TmpInode)up!, null) { Opaque = FileMode.IsDir(mode) && hidesImage };
            _children[name] = c;
            child = c;
            return 0;
        }
    }

    public override int Link(string name, Inode target)
    {
        if (target is not OverlayInode t || t._fs != _fs) return -(int)Errno.EXDEV;
        lock (_fs.TreeLock)
        {
            if (LookupLocked(name, out _) == 0) return -(int)Errno.EEXIST;
            int r = t.CopyUpLocked();
            if (r == 0) r = CopyUpLocked();
            if (r < 0) return r;
            r = Upper!.Link(name, t.Upper!);
            if (r < 0) return r;
            _whiteouts.Remove(name);
            _children.Remove(name);
            return 0;
        }
    }

    public override int Remove(string name, bool directory)
    {
        lock (_fs.TreeLock)
        {
            int r = LookupLocked(name, out var c);
            if (r < 0) return r;
            if (directory && !c!.IsDirectory) return -(int)Errno.ENOTDIR;
            if (!directory && c!.IsDirectory) return -(int)Errno.EISDIR;
            if (directory && !c!.IsEmptyLocked()) return -(int)Errno.ENOTEMPTY;
            r = CopyUpLocked();
            if (r < 0) return r;
            if (c!.Upper != null)
            {
                r = Upper!.Remove(name, directory);
                if (r < 0) return r;
            }
            if (c.Lower != null) _whiteouts.Add(name);
            _children.Remove(name);
            return 0;
        }
    }

    public override int Rename(string oldName, Inode newParent, string newName, int flags)
    {
        const int RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2;
        if (newParent is not OverlayInode np || np._fs != _fs) return -(int)Errno.EXDEV;
        lock (_fs.TreeLock)
        {
            int r = LookupLocked(oldName, out var src);
            if (r < 0) return r;
            // Like overlayfs without redirect_dir: a directory from the image cannot move
            // (callers such as mv then copy it), and neither can two names swap.
            if ((flags & RENAME_EXCHANGE) != 0 || (src!.IsDirectory && src.Lower != null)) return -(int)Errno.EXDEV;
            bool exists = np.LookupLocked(newName, out var dst) == 0;
            if (exists)
            {
                if (dst == src) return 0;
                if ((flags & RENAME_NOREPLACE) != 0) return -(int)Errno.EEXIST;
                if (src.IsDirectory && !dst!.IsDirectory) return -(int)Errno.ENOTDIR;
                if (!src.IsDirectory && dst!.IsDirectory) return -(int)Errno.EISDIR;
                if (dst!.IsDirectory && !dst.IsEmptyLocked()) return -(int)Errno.ENOTEMPTY;
            }
            for (var p = np; p != null; p = p.Parent)
                if (p == src) return -(int)Errno.EINVAL;
            r = src.CopyUpLocked();
            if (r == 0) r = np.CopyUpLocked();
            if (r < 0) return r;
            // A directory moved over an image directory must not show the image's entries.
            if (exists && dst!.Upper != null && dst.IsDirectory)
            {
                r = np.Upper!.Remove(newName, true);
                if (r < 0) return r;
            }
            r = Upper!.Rename(oldName, np.Upper!, newName, flags & RENAME_NOREPLACE);
            if (r < 0) return r;
            if (src.Lower != null || (Lower != null && !Opaque && Lower.Lookup(oldName, out _) == 0)) _whiteouts.Add(oldName);
            bool hidesImage = exists && dst!.Lower != null;
            np._whiteouts.Remove(newName);
            _children.Remove(oldName);
            np._children.Remove(newName);
            src.Parent = np;
            src.Name = newName;
            if (src.IsDirectory && hidesImage) src.Opaque = true;
            np._children[newName] = src;
            return 0;
        }
    }

    public override int Fallocate(int mode, long offset, long length)
    {
        int r = CopyUp();
        return r < 0 ? r : Upper!.Fallocate(mode, offset, length);
    }

    public override int SetAttr(in SetAttr attr)
    {
        int r = CopyUp();
        if (r < 0) return r;
        if (IsDirectory && !_dirAttrsChanged && Lower != null)
        {
            // From now on the upper directory's attributes show: start them from the image's.
            Lower.Stat(out var st);
            Upper!.SetAttr(new SetAttr(Mode: st.Mode & 0xfff, Uid: st.Uid, Gid: st.Gid, Atime: st.Atime, Mtime: st.Mtime));
            _dirAttrsChanged = true;
        }
        return Upper!.SetAttr(attr);
    }

    public override int Open(int flags, out FileDescription? file)
    {
        file = null;
        if ((flags & OpenFlags.O_PATH) != 0) return Top.Open(flags, out file);
        if (IsDirectory)
        {
            if ((flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDONLY) return -(int)Errno.EISDIR;
            file = new SnapshotDirectoryFile(() => DirIno, Entries) { Flags = flags };
            return 0;
        }
        bool write = (flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDONLY || (flags & OpenFlags.O_TRUNC) != 0;
        if (write && FileMode.IsReg(Mode))
        {
            int r = CopyUp();
            if (r < 0) return r;
        }
        return Top.Open(flags, out file);
    }

    internal ulong DirIno { get { Stat(out var st); return st.Ino; } }
}
