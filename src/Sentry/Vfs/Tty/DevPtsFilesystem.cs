using Sandbox.Linux;
using Sandbox.Linux.Abi;
using static Sandbox.Linux.Abi.Termios;

namespace Sandbox.Sentry.Vfs.Tty;

/// <summary>
/// devpts (/dev/pts): "ptmx" and one node per live pseudo-terminal, numbered from 0 with the
/// lowest free number first. A node goes when its master is closed.
/// </summary>
public sealed class DevPtsFilesystem : Filesystem
{
    /// <summary>The gid replicas get (Docker mounts devpts with gid=5, the "tty" group).</summary>
    public const uint TtyGid = 5;

    private readonly Kernel.Kernel _kernel;
    private readonly SortedDictionary<int, Pty> _ptys = new();
    private readonly DevPtsRoot _root;

    public DevPtsFilesystem(Kernel.Kernel kernel)
    {
        _kernel = kernel;
        Dev = FileMode.MakeDev(0, 24);
        _root = new DevPtsRoot(this);
        Ptmx = new PtmxInode(this, 2, 0);
    }

    public override string Type => "devpts";
    public override Inode Root => _root;
    public override long Magic => 0x1cd1; // DEVPTS_SUPER_MAGIC

    /// <summary>/dev/pts/ptmx (mode 0000 as devpts' default ptmxmode; /dev/ptmx is the usable one).</summary>
    public PtmxInode Ptmx { get; }

    /// <summary>A new pair with the lowest free number (ptmx open).</summary>
    public Pty Allocate(Credentials creds)
    {
        lock (_ptys)
        {
            int index = 0;
            while (_ptys.ContainsKey(index)) index++;
            var p = new Pty(_kernel, this, index, creds.Fsuid, TtyGid);
            _ptys[index] = p;
            return p;
        }
    }

    internal void Remove(Pty p) { lock (_ptys) if (_ptys.TryGetValue(p.Index, out var q) && q == p) _ptys.Remove(p.Index); }

    internal Pty? Find(int index) { lock (_ptys) return _ptys.GetValueOrDefault(index); }

    internal List<Pty> All() { lock (_ptys) return _ptys.Values.ToList(); }

    private sealed class DevPtsRoot : Inode
    {
        private readonly DevPtsFilesystem _fs;
        private readonly long _time = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        public DevPtsRoot(DevPtsFilesystem fs) : base(fs) { _fs = fs; }
        public override uint Mode => FileMode.S_IFDIR | 0x1ed;
        public override bool DynamicChildren => true;

        public override int Lookup(string name, out Inode? child)
        {
            child = null;
            if (name == "ptmx") { child = _fs.Ptmx; return 0; }
            if (name.Length > 0 && name.Length < 10 && name.All(char.IsAsciiDigit) && (name == "0" || name[0] != '0')
                && _fs.Find(int.Parse(name)) is { } p) { child = p.Inode; return 0; }
            return -(int)Errno.ENOENT;
        }

        public override int Stat(out Stat st)
        {
            st = new Stat { Dev = Fs.Dev, Ino = 1, Nlink = 2, Mode = Mode, Blksize = 4096,
                Atime = new Timespec(_time, 0), Mtime = new Timespec(_time, 0), Ctime = new Timespec(_time, 0) };
            return 0;
        }

        public override int Open(int flags, out FileDescription? file)
        {
            if ((flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDONLY) { file = null; return -(int)Errno.EISDIR; }
            file = new Listing(_fs) { Flags = flags };
            return 0;
        }
    }

    private sealed class Listing : ListedDirectoryFile
    {
        private readonly DevPtsFilesystem _fs;
        public Listing(DevPtsFilesystem fs) { _fs = fs; }
        protected override ulong SelfIno => 1;
        protected override IEnumerable<(string Name, ulong Ino, byte Type)> Entries()
        {
            yield return ("ptmx", 2, 2 /* DT_CHR */);
            foreach (var p in _fs.All()) yield return (p.Index.ToString(), p.Inode.Ino, 2);
        }
    }
}

/// <summary>/dev/ptmx and /dev/pts/ptmx: each open makes a new pair and returns its master.</summary>
public sealed class PtmxInode : Inode
{
    private readonly DevPtsFilesystem _pts;
    private readonly ulong _ino;
    private readonly uint _perm;
    private readonly long _time = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public PtmxInode(DevPtsFilesystem pts, ulong ino, uint perm, Filesystem? shownIn = null) : base(shownIn ?? pts)
    {
        _pts = pts; _ino = ino; _perm = perm;
    }

    public override uint Mode => FileMode.S_IFCHR | _perm;

    public override int Stat(out Stat st)
    {
        st = new Stat { Dev = Fs.Dev, Ino = _ino, Nlink = 1, Mode = Mode, Rdev = FileMode.MakeDev(TtyMajor, PtmxMinor), Blksize = 4096,
            Atime = new Timespec(_time, 0), Mtime = new Timespec(_time, 0), Ctime = new Timespec(_time, 0) };
        return 0;
    }

    public override int Open(int flags, out FileDescription? file)
    {
        var creds = Kernel.Task.Current?.Creds ?? Credentials.FromHost();
        var pty = _pts.Allocate(creds);
        pty.OpenMaster();
        file = new MasterFile(pty) { Flags = flags & ~(OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_NOCTTY | OpenFlags.O_TRUNC) };
        return 0;
    }
}

/// <summary>/dev/pts/N: mode 0620, owned by whoever opened the master, group tty.</summary>
public sealed class ReplicaInode : Inode
{
    private readonly Pty _pty;
    private uint _perm = 0x190; // 0620
    private uint _uid, _gid;
    private Timespec _atime, _mtime, _ctime;

    internal ReplicaInode(DevPtsFilesystem fs, Pty pty, uint uid, uint gid) : base(fs)
    {
        _pty = pty; _uid = uid; _gid = gid;
        _atime = _mtime = _ctime = Now();
    }

    private static Timespec Now() => Timespec.FromNanoseconds((DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100);

    public ulong Ino => (ulong)_pty.Index + 3;
    public override uint Mode => FileMode.S_IFCHR | _perm;

    public override int Stat(out Stat st)
    {
        st = new Stat { Dev = Fs.Dev, Ino = Ino, Nlink = 1, Mode = Mode, Uid = _uid, Gid = _gid,
            Rdev = FileMode.MakeDev(PtsMajor, (uint)_pty.Index), Blksize = 1024, Atime = _atime, Mtime = _mtime, Ctime = _ctime };
        return 0;
    }

    public override int SetAttr(in SetAttr attr)
    {
        if (attr.Mode is { } m) _perm = m & 0xfff;
        if (attr.Uid is { } u) _uid = u;
        if (attr.Gid is { } g) _gid = g;
        if (attr.Atime is { } a) _atime = a;
        if (attr.Mtime is { } mt) _mtime = mt;
        _ctime = Now();
        return 0;
    }

    public override int Open(int flags, out FileDescription? file)
    {
        file = null;
        int r = _pty.OpenReplica(Kernel.Task.Current?.Creds ?? Credentials.FromHost());
        if (r < 0) return r;
        file = new ReplicaFile(_pty) { Flags = flags & ~(OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_NOCTTY | OpenFlags.O_TRUNC) };
        return 0;
    }
}

/// <summary>/dev/tty: the caller's controlling terminal, or ENXIO without one.</summary>
public sealed class ControllingTtyInode : Inode
{
    private readonly ulong _ino;
    private readonly long _time = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public ControllingTtyInode(Filesystem fs, ulong ino) : base(fs) { _ino = ino; }

    public override uint Mode => FileMode.S_IFCHR | 0x1b6;

    public override int Stat(out Stat st)
    {
        st = new Stat { Dev = Fs.Dev, Ino = _ino, Nlink = 1, Mode = Mode, Rdev = FileMode.MakeDev(TtyMajor, 0), Blksize = 4096,
            Atime = new Timespec(_time, 0), Mtime = new Timespec(_time, 0), Ctime = new Timespec(_time, 0) };
        return 0;
    }

    public override int Open(int flags, out FileDescription? file)
    {
        file = null;
        var t = Kernel.Task.Current;
        Pty? pty;
        lock (t!.Kernel.Lock) pty = t.Group.Tty;
        if (pty == null) return -(int)Errno.ENXIO;
        int r = pty.OpenReplica(t.Creds, ignoreLock: true);
        if (r < 0) return r;
        file = new ReplicaFile(pty) { Flags = flags & ~(OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_NOCTTY | OpenFlags.O_TRUNC) };
        return 0;
    }
}
