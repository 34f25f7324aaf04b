using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.P9;
using Sandbox.Sentry.Vfs.Dev;

namespace Sandbox.Sentry.Vfs.Gofer;

/// <summary>
/// One file of a <see cref="GoferFilesystem"/>: a walked (not opened) fid and its attributes,
/// re-fetched when older than <see cref="GoferFilesystem.AttrTtlTicks"/>.
/// </summary>
public sealed class GoferInode : Inode
{
    private readonly GoferFilesystem _fs;
    private readonly GoferInode? _parent;
    private readonly string _name;
    private readonly uint _fid;
    private readonly bool _kept;
    private Rgetattr _attr;
    private long _attrTime;

    /// <summary>
    /// Fids (each an open O_PATH fd in the Gofer) kept for inodes while this many last; the
    /// others walk a fid from the nearest kept ancestor for each use and clunk it after.
    /// </summary>
    public const int KeptFidBudget = 4096;
    private static int _keptCount;

    internal GoferInode(GoferFilesystem fs, GoferInode? parent, string name, uint fid, Rgetattr attr) : base(fs)
    {
        _fs = fs; _parent = parent; _name = name; _attr = attr; _attrTime = DateTime.UtcNow.Ticks;
        if (parent == null || Interlocked.Increment(ref _keptCount) <= KeptFidBudget) { _fid = fid; _kept = true; }
        else
        {
            Interlocked.Decrement(ref _keptCount);
            try { fs.Client.Clunk(fid); } catch (P9ErrorException) { } catch (P9ConnectionException) { }
        }
    }

    /// <summary>A fid naming this file: the kept one, or a fresh walk the caller clunks (temporary). Throws P9 exceptions.</summary>
    private uint AcquireFid(out bool temporary)
    {
        temporary = false;
        if (_kept) return _fid;
        uint parentFid = _parent!.AcquireFid(out bool parentTemp);
        try { temporary = true; return Client.Walk(parentFid, _name); }
        finally { if (parentTemp) Client.Clunk(parentFid); }
    }

    /// <summary>Runs a call with this file's fid (as <see cref="Try"/>), releasing a temporary one.</summary>
    private int WithFid(Action<uint> call) => Try(() =>
    {
        uint fid = AcquireFid(out bool temp);
        try { call(fid); }
        finally { if (temp) Client.Clunk(fid); }
    });

    /// <summary>A fid of its own for this file (to open), always fresh: the caller owns it.</summary>
    private uint OwnFid() => _kept ? Client.Clone(_fid) : AcquireFid(out _);

    private P9Client Client => _fs.Client;

    private Rgetattr Attr
    {
        get
        {
            long now = DateTime.UtcNow.Ticks;
            if (now - Volatile.Read(ref _attrTime) > GoferFilesystem.AttrTtlTicks)
            {
                if (WithFid(fid => _attr = Client.GetAttr(fid)) == 0) _attrTime = now;
            }
            return _attr;
        }
    }

    public override uint Mode => Attr.Mode;

    public override int Stat(out Stat st)
    {
        var a = Attr;
        st = new Stat
        {
            Dev = _fs.Dev, Ino = a.Qid.Path, Mode = a.Mode, Nlink = a.Nlink, Uid = a.Uid, Gid = a.Gid, Rdev = a.Rdev,
            Size = (long)a.Size, Blksize = (long)a.Blksize, Blocks = (long)a.Blocks,
            Atime = new Timespec((long)a.AtimeSec, (long)a.AtimeNsec), Mtime = new Timespec((long)a.MtimeSec, (long)a.MtimeNsec),
            Ctime = new Timespec((long)a.CtimeSec, (long)a.CtimeNsec),
        };
        return 0;
    }

    /// <summary>Runs a 9P call; Rlerror becomes -errno, a lost Gofer -EIO.</summary>
    private static int Try(Action call)
    {
        try { call(); return 0; }
        catch (P9ErrorException e) { return -e.Errno; }
        catch (P9ConnectionException) { return -(int)Errno.EIO; }
    }

    public override int Lookup(string name, out Inode? child)
    {
        child = null;
        if (!IsDirectory) return -(int)Errno.ENOTDIR;
        uint fid = 0;
        Rgetattr? attr = null;
        int r = WithFid(dir => { fid = Client.Walk(dir, name); attr = Client.GetAttr(fid); });
        if (r < 0) return r;
        child = new GoferInode(_fs, this, name, fid, attr!);
        return 0;
    }

    public override int GetXattr(string name, Span<byte> value)
    {
        byte[] v = [];
        int r = WithFid(fid => v = Client.GetXattr(fid, name));
        if (r < 0) return r;
        if (v.Length > value.Length) return -(int)Errno.ERANGE;
        v.CopyTo(value);
        return v.Length;
    }

    /// <summary>The NUL-separated names, as Txattrwalk with an empty name returns them (9P2000.L).</summary>
    public override int ListXattr(Span<byte> list) => GetXattr("", list);

    public override int ReadLink(out string target)
    {
        string t = "";
        int r = IsSymlink ? WithFid(fid => t = Client.Readlink(fid)) : -(int)Errno.EINVAL;
        target = t;
        return r;
    }

    public override int Open(int flags, out FileDescription? file)
    {
        file = null;
        if ((flags & OpenFlags.O_PATH) != 0) { file = new Host.PathFileDescription(flags); return 0; }
        bool writes = (flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDONLY || (flags & OpenFlags.O_TRUNC) != 0;
        if (writes && _fs.ReadOnly) return -(int)Errno.EROFS;
        if (IsDirectory)
        {
            file = new SnapshotDirectoryFile(() => Ino, Entries) { Flags = flags };
            return 0;
        }
        if (!FileMode.IsReg(Mode)) return -(int)Errno.ENXIO;
        uint fid = 0;
        Microsoft.Win32.SafeHandles.SafeFileHandle? host = null;
        uint p9flags = (uint)(flags & (OpenFlags.O_ACCMODE | OpenFlags.O_TRUNC | OpenFlags.O_APPEND));
        int r = Try(() => { fid = OwnFid(); Client.Open(fid, p9flags, out host); });
        if (r < 0) return r;
        if (writes) Invalidate();
        if (host != null && writes)
        {
            // Writes go through Twrite so that cached attributes (size, mtime) follow them.
            host.Dispose();
            host = null;
        }
        if (host != null)
        {
            // The Gofer donated its fd: reads go straight to the host, the fid is no longer needed.
            Interlocked.Increment(ref _fs.DonatedOpens);
            Try(() => Client.Clunk(fid));
            int fd = (int)host.DangerousGetHandle();
            host.SetHandleAsInvalid();
            file = new Host.HostFileDescription(fd, flags, ownsFd: true, positional: true);
            return 0;
        }
        Interlocked.Increment(ref _fs.P9Opens);
        file = new GoferFile(Client, fid, this) { Flags = flags };
        return 0;
    }

    // ---- changes (writable volumes) ----------------------------------------------------------

    /// <summary>Cached attributes are stale after a change made through this inode.</summary>
    internal void Invalidate() => Volatile.Write(ref _attrTime, 0);

    private int Changing(Action<uint> call)
    {
        if (_fs.ReadOnly) return -(int)Errno.EROFS;
        int r = WithFid(call);
        Invalidate();
        return r;
    }

    public override int Create(string name, uint mode, uint uid, uint gid, string? symlinkTarget, out Inode? child)
    {
        child = null;
        if (!IsDirectory) return -(int)Errno.ENOTDIR;
        uint type = mode & FileMode.S_IFMT;
        int r = Changing(dir =>
        {
            switch (type)
            {
                case FileMode.S_IFDIR: Client.Mkdir(dir, name, mode & 0xfff, gid); break;
                case FileMode.S_IFLNK: Client.Symlink(dir, name, symlinkTarget ?? "", gid); break;
                case FileMode.S_IFREG or 0:
                {
                    uint f = Client.Clone(dir);
                    try { Client.Create(f, name, (uint)(OpenFlags.O_WRONLY | OpenFlags.O_EXCL), mode & 0xfff, gid); }
                    finally { Client.Clunk(f); }
                    break;
                }
                default: Client.Mknod(dir, name, mode, 0, 0, gid); break;
            }
        });
        if (r < 0) return r;
        r = Lookup(name, out child);
        // The Gofer creates as itself: the owner the caller asked for is set afterwards.
        if (r == 0 && type != FileMode.S_IFLNK) child!.SetAttr(new SetAttr(Uid: uid, Gid: gid));
        return r;
    }

    public override int Remove(string name, bool directory)
        => Changing(dir => Client.UnlinkAt(dir, name, directory ? 0x200u /* AT_REMOVEDIR */ : 0));

    public override int Rename(string oldName, Inode newParent, string newName, int flags)
    {
        if (newParent is not GoferInode to || to._fs != _fs) return -(int)Errno.EXDEV;
        if (flags != 0)
        {
            // 9P2000.L's renameat has no flags: RENAME_NOREPLACE is checked here; RENAME_EXCHANGE is not possible.
            if (flags != 1) return -(int)Errno.EINVAL;
            if (to.Lookup(newName, out _) == 0) return -(int)Errno.EEXIST;
        }
        int r = Changing(dir => to.WithFid(dest => Client.RenameAt(dir, oldName, dest, newName)));
        to.Invalidate();
        return r;
    }

    public override int Link(string name, Inode target)
    {
        if (target is not GoferInode t || t._fs != _fs) return -(int)Errno.EXDEV;
        int r = Changing(dir => t.WithFid(f => Client.Link(dir, f, name)));
        t.Invalidate();
        return r;
    }

    public override int SetAttr(in SetAttr attr)
    {
        uint valid = 0;
        if (attr.Mode != null) valid |= P9.P9.SetattrMode;
        if (attr.Uid != null) valid |= P9.P9.SetattrUid;
        if (attr.Gid != null) valid |= P9.P9.SetattrGid;
        if (attr.Size != null) valid |= P9.P9.SetattrSize;
        if (attr.Atime != null) valid |= P9.P9.SetattrAtime | P9.P9.SetattrAtimeSet;
        if (attr.Mtime != null) valid |= P9.P9.SetattrMtime | P9.P9.SetattrMtimeSet;
        if (valid == 0) return 0;
        var a = attr;
        return Changing(fid => Client.SetAttr(new Tsetattr(fid, valid, a.Mode ?? 0, a.Uid ?? 0, a.Gid ?? 0, (ulong)(a.Size ?? 0),
            (ulong)(a.Atime?.Sec ?? 0), (ulong)(a.Atime?.Nsec ?? 0), (ulong)(a.Mtime?.Sec ?? 0), (ulong)(a.Mtime?.Nsec ?? 0))));
    }

    internal List<(string Name, ulong Ino, byte Type)> Entries()
    {
        var list = new List<(string, ulong, byte)>();
        uint fid = 0;
        bool have = false;
        Try(() =>
        {
            fid = OwnFid();
            have = true;
            Client.Open(fid, 0x10000 /* O_DIRECTORY */);
            foreach (var e in Client.ReadDirAll(fid))
                if (e.Name is not ("." or "..")) list.Add((e.Name, e.Qid.Path, e.DType));
        });
        if (have) Try(() => Client.Clunk(fid));
        return list;
    }

    internal ulong Ino => _attr.Qid.Path;
}

/// <summary>An open Gofer file read through Tread.</summary>
public sealed class GoferFile : FileDescription
{
    private readonly P9Client _client;
    private readonly uint _fid;
    private readonly GoferInode _inode;
    private long _pos;

    public GoferFile(P9Client client, uint fid, GoferInode inode) { _client = client; _fid = fid; _inode = inode; }

    public override bool Positional => true;

    public override long Read(Span<byte> dst, long offset)
    {
        long at = offset < 0 ? _pos : offset;
        int done = 0;
        try
        {
            while (done < dst.Length)
            {
                int n = _client.Read(_fid, (ulong)(at + done), dst.Slice(done, Math.Min(dst.Length - done, _client.IoUnit)));
                if (n <= 0) break;
                done += n;
            }
        }
        catch (P9ErrorException e) { if (done == 0) return -e.Errno; }
        catch (P9ConnectionException) { if (done == 0) return -(long)Errno.EIO; }
        if (offset < 0) _pos += done;
        return done;
    }

    public override long Write(ReadOnlySpan<byte> src, long offset)
    {
        if (!Writable) return -(long)Errno.EBADF;
        long at = offset;
        if (at < 0) at = (Flags & OpenFlags.O_APPEND) != 0 && _inode.Stat(out var st) == 0 ? st.Size : _pos;
        int done = 0;
        try
        {
            while (done < src.Length)
            {
                int n = _client.Write(_fid, (ulong)(at + done), src.Slice(done, Math.Min(src.Length - done, _client.IoUnit)));
                if (n <= 0) break;
                done += n;
            }
        }
        catch (P9ErrorException e) { if (done == 0) return -e.Errno; }
        catch (P9ConnectionException) { if (done == 0) return -(long)Errno.EIO; }
        _inode.Invalidate();
        if (offset < 0) _pos = at + done;
        return done;
    }

    public override long Seek(long offset, int whence)
    {
        long end = 0;
        if (whence == Linux.Abi.Seek.END && Location is { } l && l.Inode.Stat(out var st) == 0) end = st.Size;
        long n = whence switch { Linux.Abi.Seek.SET => offset, Linux.Abi.Seek.CUR => _pos + offset, Linux.Abi.Seek.END => end + offset, _ => -1 };
        if (n < 0) return -(long)Errno.EINVAL;
        return _pos = n;
    }

    protected override void Release()
    {
        try { _client.Clunk(_fid); } catch (P9ErrorException) { } catch (P9ConnectionException) { }
    }
}
