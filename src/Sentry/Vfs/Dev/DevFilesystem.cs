using Sandbox.Linux;
using Sandbox.Linux.Abi;

namespace Sandbox.Sentry.Vfs.Dev;

/// <summary>The sandbox's /dev: the character devices a program expects, nothing of the host's.</summary>
public sealed class DevFilesystem : Filesystem
{
    public DevFilesystem(Tty.DevPtsFilesystem pts)
    {
        Dev = FileMode.MakeDev(0, 5);
        var root = new SyntheticDirectory(this, 0x1ed /* 0755 */, ino: 1);
        ulong ino = 2;
        root.Add("null", new DeviceInode(this, 1, 3, ino++, () => new NullDevice()));
        root.Add("zero", new DeviceInode(this, 1, 5, ino++, () => new ZeroDevice()));
        root.Add("full", new DeviceInode(this, 1, 7, ino++, () => new FullDevice()));
        root.Add("random", new DeviceInode(this, 1, 8, ino++, () => new RandomDevice()));
        root.Add("urandom", new DeviceInode(this, 1, 9, ino++, () => new RandomDevice()));
        root.Add("shm", new SyntheticDirectory(this, 0x3ff /* 01777 */, ino++));
        root.Add("pts", new SyntheticDirectory(this, 0x1ed, ino++));
        root.Add("tty", new Tty.ControllingTtyInode(this, ino++));
        root.Add("ptmx", new Tty.PtmxInode(pts, ino++, 0x1b6 /* 0666 */, shownIn: this));
        // The /proc/self/fd links (what bash's <(...) and /dev/stdin rely on).
        root.Add("fd", new Proc.ProcLink(this, ino++, () => "/proc/self/fd"));
        root.Add("stdin", new Proc.ProcLink(this, ino++, () => "/proc/self/fd/0"));
        root.Add("stdout", new Proc.ProcLink(this, ino++, () => "/proc/self/fd/1"));
        root.Add("stderr", new Proc.ProcLink(this, ino++, () => "/proc/self/fd/2"));
        Root = root;
    }

    public override string Type => "devtmpfs";
    public override Inode Root { get; }
}

/// <summary>A directory whose entries are fixed in memory.</summary>
public sealed class SyntheticDirectory : Inode
{
    private readonly SortedDictionary<string, Inode> _children = new(StringComparer.Ordinal);
    private readonly uint _perm;
    private readonly ulong _ino;
    private readonly long _time = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public SyntheticDirectory(Filesystem fs, uint perm, ulong ino) : base(fs) { _perm = perm; _ino = ino; }

    public void Add(string name, Inode child) => _children[name] = child;
    public IEnumerable<KeyValuePair<string, Inode>> Children => _children;

    public override uint Mode => FileMode.S_IFDIR | _perm;

    public override int Lookup(string name, out Inode? child)
        => _children.TryGetValue(name, out child) ? 0 : -(int)Errno.ENOENT;

    public override int Stat(out Stat st)
    {
        st = new Stat { Dev = Fs.Dev, Ino = _ino, Nlink = 2, Mode = Mode, Blksize = 4096,
            Atime = new Timespec(_time, 0), Mtime = new Timespec(_time, 0), Ctime = new Timespec(_time, 0) };
        return 0;
    }

    public override int Open(int flags, out FileDescription? file)
    {
        if ((flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDONLY) { file = null; return -(int)Errno.EISDIR; }
        file = new SyntheticDirectoryFile(this) { Flags = flags };
        return 0;
    }

    public ulong Ino => _ino;
}

/// <summary>Reads a <see cref="SyntheticDirectory"/> as linux_dirent64 records.</summary>
public sealed class SyntheticDirectoryFile : ListedDirectoryFile
{
    private readonly SyntheticDirectory _dir;

    public SyntheticDirectoryFile(SyntheticDirectory dir) { _dir = dir; }

    protected override ulong SelfIno => _dir.Ino;

    protected override IEnumerable<(string Name, ulong Ino, byte Type)> Entries()
    {
        foreach (var (name, inode) in _dir.Children)
        {
            inode.Stat(out var st);
            yield return (name, st.Ino, FileMode.DirentType(inode.Mode));
        }
    }
}

/// <summary>struct linux_dirent64 encoding.</summary>
public static class Dirent
{
    /// <summary>Writes one record; returns its length, or 0 if it does not fit.</summary>
    public static int Write(Span<byte> dst, ulong ino, long off, byte type, string name)
    {
        int nameLen = System.Text.Encoding.UTF8.GetByteCount(name);
        int reclen = (19 + nameLen + 1 + 7) & ~7;
        if (reclen > dst.Length) return 0;
        var rec = dst.Slice(0, reclen);
        rec.Clear();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(rec, ino);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(rec.Slice(8), off);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(rec.Slice(16), (ushort)reclen);
        rec[18] = type;
        System.Text.Encoding.UTF8.GetBytes(name, rec.Slice(19));
        return reclen;
    }
}

/// <summary>An empty read-only directory (what /proc and /sys are until their filesystems exist).</summary>
public sealed class EmptyFilesystem : Filesystem
{
    public EmptyFilesystem(string type)
    {
        Type = type;
        Dev = FileMode.MakeDev(0, type == "proc" ? 22u : 23u);
        Root = new SyntheticDirectory(this, 0x16d /* 0555 */, ino: 1);
    }

    public override string Type { get; }
    public override Inode Root { get; }
    public override bool ReadOnly => true;
    public override long Magic => Type == "proc" ? 0x9fa0 : 0x62656572; // PROC_SUPER_MAGIC, SYSFS_MAGIC
}
