using Sandbox.Linux;
using Sandbox.Linux.Abi;

namespace Sandbox.Sentry.Vfs.Tmp;

/// <summary>tmpfs: files, directories, symlinks and fifos held in the Sentry's memory.</summary>
public sealed class TmpFilesystem : Filesystem
{
    private static int _instances;
    private long _nextIno = 1;

    public TmpFilesystem(uint rootMode = 0x3ff /* 01777 */)
    {
        Dev = FileMode.MakeDev(0, (uint)(40 + Interlocked.Increment(ref _instances)));
        Root = new TmpInode(this, FileMode.S_IFDIR | rootMode, 0, 0);
    }

    public override string Type => "tmpfs";
    public override Inode Root { get; }
    public ulong NextIno() => (ulong)Interlocked.Increment(ref _nextIno);
}

/// <summary>A tmpfs inode; which kind is in Mode.</summary>
public sealed class TmpInode : Inode
{
    private readonly TmpFilesystem _fs;
    private uint _mode;
    private uint _uid, _gid;
    private int _nlink;
    private Timespec _atime, _mtime, _ctime;
    // Directories: entries in creation order (readdir order, as tmpfs keeps them), each with
    // the readdir offset it keeps while others come and go (so a listing in progress neither
    // skips nor repeats names that stay, readdir(3)). 0 and 1 are "." and "..".
    private readonly List<(string Name, TmpInode Inode, long Cookie)>? _entries;
    private long _nextCookie = 2;
    // Regular files.
    private byte[] _data = Array.Empty<byte>();
    private long _size;
    // Symlinks.
    private readonly string? _target;
    // Fifos: the pipe all openers share.
    private Pipe.Pipe? _fifo;

    public TmpInode(TmpFilesystem fs, uint mode, uint uid, uint gid, string? target = null) : base(fs)
    {
        _fs = fs; _mode = mode; _uid = uid; _gid = gid; Ino = fs.NextIno();
        _atime = _mtime = _ctime = Now();
        _nlink = FileMode.IsDir(mode) ? 2 : 1;
        if (FileMode.IsDir(mode)) _entries = new();
        _target = target;
        if (target != null) _size = System.Text.Encoding.UTF8.GetByteCount(target);
    }

    public ulong Ino { get; }
    public object Lock => this;
    public override uint Mode { get { lock (this) return _mode; } }
    public long Size { get { lock (this) return _size; } }

    private static Timespec Now()
    {
        var ns = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
        return Timespec.FromNanoseconds(ns);
    }

    public override int Stat(out Stat st)
    {
        lock (this)
        {
            st = new Stat
            {
                Dev = Fs.Dev, Ino = Ino, Nlink = (ulong)_nlink, Mode = _mode, Uid = _uid, Gid = _gid,
                Size = FileMode.IsDir(_mode) ? 40 + 20L * _entries!.Count : _size,
                Blksize = 4096, Blocks = FileMode.IsReg(_mode) ? PagesHeld() * 8 : (_size + 511) / 512,
                Atime = _atime, Mtime = _mtime, Ctime = _ctime,
            };
        }
        return 0;
    }

    public override int ReadLink(out string target)
    {
        target = _target ?? "";
        return _target == null ? -(int)Errno.EINVAL : 0;
    }

    public override int Lookup(string name, out Inode? child)
    {
        child = null;
        if (_entries == null) return -(int)Errno.ENOTDIR;
        lock (this)
        {
            foreach (var (n, i, _) in _entries) if (n == name) { child = i; return 0; }
        }
        return -(int)Errno.ENOENT;
    }

    private int IndexOf(string name)
    {
        for (int i = 0; i < _entries!.Count; i++) if (_entries[i].Name == name) return i;
        return -1;
    }

    private void Touch() { _mtime = _ctime = Now(); }

    public override int Create(string name, uint mode, uint uid, uint gid, string? symlinkTarget, out Inode? child)
    {
        child = null;
        if (_entries == null) return -(int)Errno.ENOTDIR;
        if (name.Length > 255) return -(int)Errno.ENAMETOOLONG;
        lock (this)
        {
            if (_nlink == 0) return -(int)Errno.ENOENT; // removed directory
            if (IndexOf(name) >= 0) return -(int)Errno.EEXIST;
            // setgid directories pass their group (and the bit, for directories) on.
            if ((_mode & 0x400) != 0) { gid = _gid; if (FileMode.IsDir(mode)) mode |= 0x400; }
            var c = new TmpInode(_fs, mode, uid, gid, symlinkTarget);
            _entries.Add((name, c, _nextCookie++));
            if (FileMode.IsDir(mode)) _nlink++;
            Touch();
            child = c;
        }
        return 0;
    }

    /// <summary>An O_TMPFILE file: no name yet (nlink 0), and linkat may give it one unless O_EXCL said never.</summary>
    public static TmpInode Unnamed(TmpFilesystem fs, uint mode, uint uid, uint gid, bool linkable)
    {
        var t = new TmpInode(fs, FileMode.S_IFREG | (mode & 0xfff), uid, gid) { _linkable = linkable };
        t._nlink = 0;
        return t;
    }

    private bool _linkable;

    public override int Link(string name, Inode target)
    {
        if (_entries == null) return -(int)Errno.ENOTDIR;
        if (target is not TmpInode t || t.Fs != Fs) return -(int)Errno.EXDEV;
        if (t.IsDirectory) return -(int)Errno.EPERM;
        lock (this)
        {
            if (_nlink == 0) return -(int)Errno.ENOENT;
            if (IndexOf(name) >= 0) return -(int)Errno.EEXIST;
            lock (t)
            {
                if (t._nlink == 0 && !t._linkable) return -(int)Errno.ENOENT;
                t._linkable = false;
                t._nlink++;
                t._ctime = Now();
            }
            _entries.Add((name, t, _nextCookie++));
            Touch();
        }
        return 0;
    }

    public override int Remove(string name, bool directory)
    {
        if (_entries == null) return -(int)Errno.ENOTDIR;
        lock (this)
        {
            int i = IndexOf(name);
            if (i < 0) return -(int)Errno.ENOENT;
            var c = _entries[i].Inode;
            if (directory)
            {
                if (!c.IsDirectory) return -(int)Errno.ENOTDIR;
                lock (c) if (c._entries!.Count > 0) return -(int)Errno.ENOTEMPTY;
                _nlink--;
            }
            else if (c.IsDirectory) return -(int)Errno.EISDIR;
            _entries.RemoveAt(i);
            lock (c) { c._nlink = c.IsDirectory ? 0 : c._nlink - 1; c._ctime = Now(); }
            Touch();
        }
        return 0;
    }

    private const int RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;

    public override int Rename(string oldName, Inode newParent, string newName, int flags)
    {
        if (newParent is not TmpInode np || np.Fs != Fs) return -(int)Errno.EXDEV;
        if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) != 0) return -(int)Errno.EINVAL;
        if ((flags & RENAME_NOREPLACE) != 0 && (flags & RENAME_EXCHANGE) != 0) return -(int)Errno.EINVAL;
        // One lock for the whole filesystem's renames keeps the two directories consistent.
        lock (_fs)
        lock (this)
        lock (np)
        {
            int i = IndexOf(oldName);
            if (i < 0) return -(int)Errno.ENOENT;
            var src = _entries![i].Inode;
            if (np._nlink == 0) return -(int)Errno.ENOENT;
            if (src.IsDirectory && (np == src || np.IsDescendantOf(src))) return -(int)Errno.EINVAL;
            int j = np.IndexOf(newName);
            if ((flags & RENAME_EXCHANGE) != 0)
            {
                if (j < 0) return -(int)Errno.ENOENT;
                var dst = np._entries![j].Inode;
                if (dst.IsDirectory && (this == dst || IsDescendantOf(dst))) return -(int)Errno.EINVAL;
                _entries[i] = (oldName, dst, _entries[i].Cookie);
                np._entries[j] = (newName, src, np._entries[j].Cookie);
                if (src.IsDirectory != dst.IsDirectory && this != np)
                {
                    int d = src.IsDirectory ? 1 : -1;
                    _nlink -= d; np._nlink += d;
                }
                Touch(); np.Touch();
                return 0;
            }
            if (j >= 0)
            {
                var dst = np._entries![j].Inode;
                if ((flags & RENAME_NOREPLACE) != 0) return -(int)Errno.EEXIST;
                if (dst == src) return 0;
                if (src.IsDirectory && !dst.IsDirectory) return -(int)Errno.ENOTDIR;
                if (!src.IsDirectory && dst.IsDirectory) return -(int)Errno.EISDIR;
                if (dst.IsDirectory) lock (dst) { if (dst._entries!.Count > 0) return -(int)Errno.ENOTEMPTY; }
                np._entries.RemoveAt(j);
                lock (dst) { dst._nlink = dst.IsDirectory ? 0 : dst._nlink - 1; dst._ctime = Now(); }
                if (dst.IsDirectory) np._nlink--;
                if (np == this && j < i) i--;
            }
            _entries.RemoveAt(i);
            np._entries!.Add((newName, src, np._nextCookie++));
            if (src.IsDirectory && np != this) { _nlink--; np._nlink++; }
            lock (src) src._ctime = Now();
            Touch(); np.Touch();
        }
        return 0;
    }

    private bool IsDescendantOf(TmpInode dir)
    {
        // Walk dir's subtree (tmpfs trees are small enough for this check on directory renames).
        var stack = new Stack<TmpInode>();
        stack.Push(dir);
        while (stack.Count > 0)
        {
            var d = stack.Pop();
            if (d._entries == null) continue;
            foreach (var (_, c, _) in d._entries)
            {
                if (c == this) return true;
                if (c.IsDirectory) stack.Push(c);
            }
        }
        return false;
    }

    public override int SetAttr(in SetAttr a)
    {
        lock (this)
        {
            if (a.Size is { } size)
            {
                if (!FileMode.IsReg(_mode)) return FileMode.IsDir(_mode) ? -(int)Errno.EISDIR : -(int)Errno.EINVAL;
                if (size < 0) return -(int)Errno.EINVAL;
                Resize(size);
                _mtime = Now();
            }
            if (a.Mode is { } m) _mode = (_mode & FileMode.S_IFMT) | (m & 0xfff);
            if (a.Uid is { } u) _uid = u;
            if (a.Gid is { } g) _gid = g;
            if (a.Atime is { } at) _atime = at;
            if (a.Mtime is { } mt) _mtime = mt;
            _ctime = Now();
        }
        return 0;
    }

    /// <summary>fallocate(2): tmpfs reserves (KEEP_SIZE or not) and punches holes (with KEEP_SIZE); nothing else.</summary>
    public override int Fallocate(int mode, long offset, long length)
    {
        const int KEEP_SIZE = 1, PUNCH_HOLE = 2;
        if ((mode & ~(KEEP_SIZE | PUNCH_HOLE)) != 0) return -(int)Errno.EOPNOTSUPP;
        long end = offset + length;
        // More than one in-memory file can hold: tmpfs says ENOSPC when its size limit is hit.
        if (end > Array.MaxLength && (mode & PUNCH_HOLE) == 0) return -(int)Errno.ENOSPC;
        lock (this)
        {
            if ((mode & PUNCH_HOLE) != 0)
            {
                if (offset < _size) Bytes(offset, (int)(Math.Min(end, _size) - offset)).Clear();
                DropPages(offset, end);
            }
            else
            {
                if ((mode & KEEP_SIZE) == 0 && end > _size) Resize(end);
                MarkPages(_allocated_, offset, end);
            }
            _ctime = Now();
            if ((mode & PUNCH_HOLE) != 0 || (mode & KEEP_SIZE) == 0) _mtime = _ctime;
        }
        return 0;
    }

    // ---- which pages hold something (tmpfs allocates by page): st_blocks, SEEK_DATA/SEEK_HOLE ----

    private const int _data_ = 0, _allocated_ = 1;
    // One bit per 4 KiB page: written (data), and fallocated but never written (a hole to
    // SEEK_DATA, yet counted in st_blocks, as tmpfs's not-uptodate pages are).
    private ulong[] _written = Array.Empty<ulong>(), _reserved = Array.Empty<ulong>();

    private void MarkPages(int which, long start, long end)
    {
        if (end <= start) return;
        ref ulong[] bits = ref which == _data_ ? ref _written : ref _reserved;
        long first = start >> 12, last = (end - 1) >> 12;
        if ((last >> 6) >= bits.Length) Array.Resize(ref bits, (int)Math.Max((last >> 6) + 1, bits.Length * 2L));
        for (long p = first; p <= last; p++) bits[p >> 6] |= 1UL << (int)(p & 63);
    }

    /// <summary>Forgets the pages wholly inside [start, end) (truncation, hole punching).</summary>
    private void DropPages(long start, long end)
    {
        long first = (start + 4095) >> 12, stop = end == long.MaxValue ? long.MaxValue : end >> 12;
        foreach (var bits in new[] { _written, _reserved })
            for (long p = first; p < stop && (p >> 6) < bits.Length; p++) bits[p >> 6] &= ~(1UL << (int)(p & 63));
    }

    private static bool Has(ulong[] bits, long page) => (page >> 6) < bits.Length && (bits[page >> 6] & (1UL << (int)(page & 63))) != 0;

    private long PagesHeld()
    {
        // A file shared with a mapping may have had any page written through it.
        if (_store != null) return (_size + 4095) >> 12;
        long n = 0;
        int len = Math.Max(_written.Length, _reserved.Length);
        for (int i = 0; i < len; i++)
            n += System.Numerics.BitOperations.PopCount((i < _written.Length ? _written[i] : 0) | (i < _reserved.Length ? _reserved[i] : 0));
        return n;
    }

    /// <summary>lseek SEEK_DATA/SEEK_HOLE from <paramref name="offset"/>: the position, or -ENXIO at or past EOF.</summary>
    public long SeekDataOrHole(long offset, bool hole)
    {
        lock (this)
        {
            if (offset < 0 || offset >= _size) return -(long)Errno.ENXIO;
            long lastPage = (_size - 1) >> 12;
            for (long p = offset >> 12; p <= lastPage; p++)
                if ((_store != null || Has(_written, p)) != hole) return Math.Max(offset, p << 12);
            return hole ? _size : -(long)Errno.ENXIO;
        }
    }

    /// <summary>
    /// Pages in the memory file, once the file has been mapped MAP_SHARED: mappings and
    /// read/write then use the same pages. The range goes back when the last user (this
    /// inode, or a mapping) lets go.
    /// </summary>
    private sealed class SharedStore
    {
        public SharedStore(Memory.MemoryFile file, Memory.Backing backing) { File = file; Backing = backing; }
        public Memory.MemoryFile File { get; }
        public Memory.Backing Backing { get; }
        public void Release() { GC.SuppressFinalize(this); Drop(); }
        private void Drop() { if (Backing.DecRef()) File.Release(Backing.Offset, Backing.Length); }
        ~SharedStore() => Drop();
    }

    private SharedStore? _store;

    // ---- extended attributes (xattr(7)): user.*, trusted.* and security.* kept in memory ----

    private Dictionary<string, byte[]>? _xattrs;
    private const int XATTR_CREATE = 1, XATTR_REPLACE = 2;

    private static bool KnownNamespace(string name) =>
        name.StartsWith("user.", StringComparison.Ordinal) || name.StartsWith("trusted.", StringComparison.Ordinal) || name.StartsWith("security.", StringComparison.Ordinal);

    public override int GetXattr(string name, Span<byte> value)
    {
        if (!KnownNamespace(name)) return -(int)Errno.EOPNOTSUPP;
        lock (this)
        {
            if (_xattrs == null || !_xattrs.TryGetValue(name, out var v)) return -(int)Errno.ENODATA;
            if (v.Length > value.Length) return -(int)Errno.ERANGE;
            v.CopyTo(value);
            return v.Length;
        }
    }

    public override int ListXattr(Span<byte> list)
    {
        lock (this)
        {
            if (_xattrs == null) return 0;
            int n = 0;
            foreach (var k in _xattrs.Keys.Order(StringComparer.Ordinal))
            {
                int len = System.Text.Encoding.UTF8.GetByteCount(k) + 1;
                if (n + len > list.Length) return -(int)Errno.ERANGE;
                System.Text.Encoding.UTF8.GetBytes(k, list.Slice(n));
                list[n + len - 1] = 0;
                n += len;
            }
            return n;
        }
    }

    public override int SetXattr(string name, ReadOnlySpan<byte> value, int flags)
    {
        if (!KnownNamespace(name)) return -(int)Errno.EOPNOTSUPP;
        // user.* only on regular files and directories (xattr(7)).
        if (name.StartsWith("user.", StringComparison.Ordinal) && !FileMode.IsReg(Mode) && !FileMode.IsDir(Mode)) return -(int)Errno.EPERM;
        lock (this)
        {
            _xattrs ??= new Dictionary<string, byte[]>(StringComparer.Ordinal);
            bool exists = _xattrs.ContainsKey(name);
            if ((flags & XATTR_CREATE) != 0 && exists) return -(int)Errno.EEXIST;
            if ((flags & XATTR_REPLACE) != 0 && !exists) return -(int)Errno.ENODATA;
            _xattrs[name] = value.ToArray();
            _ctime = Now();
            return 0;
        }
    }

    public override int RemoveXattr(string name)
    {
        if (!KnownNamespace(name)) return -(int)Errno.EOPNOTSUPP;
        lock (this)
        {
            if (_xattrs == null || !_xattrs.Remove(name)) return -(int)Errno.ENODATA;
            _ctime = Now();
            return 0;
        }
    }

    private Span<byte> Bytes(long offset, int length) =>
        _store != null ? _store.File.Span(_store.Backing.Offset + offset, length) : _data.AsSpan((int)offset, length);

    private void Resize(long size)
    {
        if (size < _size) DropPages(size, long.MaxValue);
        if (_store != null)
        {
            if (size > (long)_store.Backing.Length) MoveStore(size);
            else if (size < _size) ZeroStore(size, _size - size);
            // Stores through a mapping past EOF never become file data: growth reads zeros.
            else if (size > _size) ZeroStore(_size, size - _size);
            _size = size;
            return;
        }
        if (size > _data.Length)
        {
            long cap = Math.Max(size, Math.Min((long)_data.Length * 2, size + (64 << 20)));
            if (cap > Array.MaxLength) cap = size;
            Array.Resize(ref _data, (int)cap);
        }
        else if (size < _size) _data.AsSpan((int)size, (int)(_size - size)).Clear();
        _size = size;
    }

    private void ZeroStore(long offset, long length) => Bytes(offset, (int)length).Clear();

    /// <summary>A bigger range for the pages; existing mappings keep the old one (they no longer see later growth).</summary>
    private void MoveStore(long needed)
    {
        var old = _store!;
        ulong cap = Memory.Layout.PageRoundUp((ulong)Math.Max(needed, (long)old.Backing.Length * 2));
        long off = old.File.Allocate(cap);
        if (off < 0) throw new OutOfMemoryException("memory file exhausted growing a tmpfs file");
        old.File.CopyPopulated(old.Backing.Offset, off, (ulong)_size);
        _store = new SharedStore(old.File, new Memory.Backing(off, cap) { Refs = 1 });
        old.Release();
    }

    /// <summary>
    /// The memory-file pages that hold this file, covering at least <paramref name="needed"/>
    /// bytes, for a MAP_SHARED mapping (the caller adds its own reference).
    /// </summary>
    public Memory.Backing ShareForMapping(Memory.MemoryFile file, long needed)
    {
        lock (this)
        {
            if (_store == null)
            {
                ulong cap = Memory.Layout.PageRoundUp((ulong)Math.Max(Math.Max(needed, _size), 4096));
                long off = file.Allocate(cap);
                if (off < 0) throw new OutOfMemoryException("memory file exhausted mapping a tmpfs file");
                _data.AsSpan(0, (int)_size).CopyTo(file.Span(off, (int)_size));
                _store = new SharedStore(file, new Memory.Backing(off, cap) { Refs = 1 });
                _data = Array.Empty<byte>();
            }
            else if (needed > (long)_store.Backing.Length) MoveStore(needed);
            return _store.Backing;
        }
    }

    public long ReadAt(Span<byte> dst, long offset)
    {
        lock (this)
        {
            _atime = Now();
            if (offset >= _size) return 0;
            int n = (int)Math.Min(dst.Length, _size - offset);
            Bytes(offset, n).CopyTo(dst);
            return n;
        }
    }

    public long WriteAt(ReadOnlySpan<byte> src, long offset, bool append, out long newOffset)
    {
        lock (this)
        {
            if (append) offset = _size;
            long end = offset + src.Length;
            if (end > Array.MaxLength) { newOffset = offset; return -(long)Errno.EFBIG; }
            if (end > _size) Resize(end);
            src.CopyTo(Bytes(offset, src.Length));
            if (src.Length > 0) MarkPages(_data_, offset, end);
            _mtime = _ctime = Now();
            newOffset = end;
            return src.Length;
        }
    }

    public List<(string Name, ulong Ino, byte Type)> Entries()
    {
        lock (this) return _entries!.Select(e => (e.Name, e.Inode.Ino, FileMode.DirentType(e.Inode.Mode))).ToList();
    }

    /// <summary>A directory that has been removed (rmdir): it lists as ENOENT and takes no new names.</summary>
    public bool Removed { get { lock (this) return _entries != null && _nlink == 0; } }

    /// <summary>
    /// Fills <paramref name="dst"/> with the entries whose offset is at least
    /// <paramref name="pos"/> ("." at 0, ".." at 1); returns the bytes written and moves pos on.
    /// </summary>
    public int ReadDir(Span<byte> dst, ref long pos, ulong parentIno)
    {
        int written = 0, n;
        if (pos == 0)
        {
            if ((n = Dev.Dirent.Write(dst, Ino, 1, 4, ".")) == 0) return 0;
            written += n; pos = 1;
        }
        if (pos == 1)
        {
            if ((n = Dev.Dirent.Write(dst.Slice(written), parentIno, 2, 4, "..")) == 0) return written;
            written += n; pos = 2;
        }
        lock (this)
        {
            int lo = 0, hi = _entries!.Count;
            while (lo < hi) { int mid = (lo + hi) / 2; if (_entries[mid].Cookie < pos) lo = mid + 1; else hi = mid; }
            for (int i = lo; i < _entries.Count; i++)
            {
                var (name, inode, cookie) = _entries[i];
                n = Dev.Dirent.Write(dst.Slice(written), inode.Ino, cookie + 1, FileMode.DirentType(inode.Mode), name);
                if (n == 0) break;
                written += n;
                pos = cookie + 1;
            }
        }
        return written;
    }

    public override int Open(int flags, out FileDescription? file)
    {
        file = null;
        uint type = Mode & FileMode.S_IFMT;
        if ((flags & OpenFlags.O_PATH) != 0) { file = new Host.PathFileDescription(flags); return 0; }
        switch (type)
        {
            case FileMode.S_IFDIR:
                file = new TmpDirectoryFile(this) { Flags = flags };
                return 0;
            case FileMode.S_IFREG:
                if ((flags & OpenFlags.O_TRUNC) != 0)
                    lock (this) { Resize(0); _mtime = _ctime = Now(); }
                file = new TmpFile(this) { Flags = flags & ~OpenFlags.O_TRUNC };
                return 0;
            case FileMode.S_IFIFO:
                lock (this) _fifo ??= new Pipe.Pipe();
                return Pipe.Fifo.Open(_fifo, flags, out file);
            default:
                return -(int)Errno.ENXIO;
        }
    }
}
