using System.Text;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Vfs.Dev;

namespace Sandbox.Sentry.Vfs.Proc;

/// <summary>
/// A /proc file: its text is generated when it is opened (as seq_file shows a snapshot per
/// read pass), from the Sentry's own state, never from the host's /proc.
/// </summary>
public sealed class ProcFile : Inode
{
    private readonly Func<byte[]> _content;
    private readonly uint _perm;
    private readonly ulong _ino;
    private readonly uint _uid, _gid;
    private readonly Func<byte[], int>? _write;

    public ProcFile(Filesystem fs, ulong ino, Func<byte[]> content, uint perm = 0x124 /* 0444 */, uint uid = 0, uint gid = 0, Func<byte[], int>? write = null)
        : base(fs) { _content = content; _perm = perm; _ino = ino; _uid = uid; _gid = gid; _write = write; }

    public static ProcFile Text(Filesystem fs, ulong ino, Func<string> text, uint perm = 0x124, uint uid = 0, uint gid = 0)
        => new(fs, ino, () => Encoding.UTF8.GetBytes(text()), perm, uid, gid);

    public override uint Mode => FileMode.S_IFREG | _perm;

    public override int Stat(out Stat st)
    {
        st = ProcFilesystem.StatOf(Fs, _ino, Mode, 1, _uid, _gid);
        return 0;
    }

    public override int SetAttr(in SetAttr attr) => attr.Size != null && _write != null ? 0 : -(int)Errno.EPERM;

    public override int Open(int flags, out FileDescription? file)
    {
        file = null;
        bool write = (flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDONLY;
        file = new ProcSnapshotFile(write && _write != null ? static () => Array.Empty<byte>() : _content, _write) { Flags = flags };
        return 0;
    }
}

/// <summary>
/// An open /proc file. As with seq_file, the text is made at the first read and again by every
/// read from offset 0 (top keeps /proc/stat open and rereads it after lseek), not at open:
/// a /proc/self/comm opened before execve reads the new program's name.
/// </summary>
public sealed class ProcSnapshotFile : FileDescription
{
    private readonly Func<byte[]> _content;
    private byte[]? _data;
    private readonly Func<byte[], int>? _write;
    private long _pos;

    public ProcSnapshotFile(Func<byte[]> content, Func<byte[], int>? write) { _content = content; _write = write; }

    private byte[] Data(long at) => at == 0 || _data == null ? _data = _content() : _data;

    public override bool Positional => true;

    public override long Read(Span<byte> dst, long offset)
    {
        long at = offset < 0 ? _pos : offset;
        var data = Data(at);
        if (at >= data.Length) return 0;
        int n = (int)Math.Min(dst.Length, data.Length - at);
        data.AsSpan((int)at, n).CopyTo(dst);
        if (offset < 0) _pos += n;
        return n;
    }

    public override long Write(ReadOnlySpan<byte> src, long offset)
    {
        if (_write == null) return -(long)Errno.EIO; // no write operation (proc_reg_write)
        int r = _write(src.ToArray());
        return r < 0 ? r : src.Length;
    }

    public override long Seek(long offset, int whence)
    {
        long n = whence switch { Linux.Abi.Seek.SET => offset, Linux.Abi.Seek.CUR => _pos + offset, Linux.Abi.Seek.END => (_data ??= _content()).Length + offset, _ => -1 };
        if (n < 0) return -(long)Errno.EINVAL;
        return _pos = n;
    }
}

/// <summary>A /proc symlink; with a magic target, following it reaches the object itself.</summary>
public sealed class ProcLink : Inode
{
    private readonly Func<string?> _target;
    private readonly Func<Mount, Location?>? _magic;
    private readonly ulong _ino;
    private readonly uint _uid, _gid;

    public ProcLink(Filesystem fs, ulong ino, Func<string?> target, Func<Mount, Location?>? magic = null, uint uid = 0, uint gid = 0)
        : base(fs) { _target = target; _magic = magic; _ino = ino; _uid = uid; _gid = gid; }

    public override uint Mode => FileMode.S_IFLNK | 0x1ff;

    public override int ReadLink(out string target)
    {
        target = _target() ?? "";
        return target.Length == 0 ? -(int)Errno.ENOENT : 0;
    }

    public override bool MagicLink(Mount at, out Location target)
    {
        target = default;
        if (_magic == null) return false;
        var l = _magic(at);
        if (l == null) return false;
        target = l.Value;
        return true;
    }

    public override int Stat(out Stat st)
    {
        st = ProcFilesystem.StatOf(Fs, _ino, Mode, 1, _uid, _gid);
        st.Size = Encoding.UTF8.GetByteCount(_target() ?? "");
        return 0;
    }

    public override int Open(int flags, out FileDescription? file) { file = null; return -(int)Errno.ELOOP; }
}

/// <summary>A /proc directory whose entries are computed on every lookup and listing.</summary>
public sealed class ProcDir : Inode
{
    private readonly Func<IEnumerable<string>> _names;
    private readonly Func<string, Inode?> _lookup;
    private readonly ulong _ino;
    private readonly uint _perm, _uid, _gid;

    public ProcDir(Filesystem fs, ulong ino, Func<IEnumerable<string>> names, Func<string, Inode?> lookup, uint perm = 0x16d /* 0555 */, uint uid = 0, uint gid = 0)
        : base(fs) { _names = names; _lookup = lookup; _ino = ino; _perm = perm; _uid = uid; _gid = gid; }

    /// <summary>A directory of fixed names, each made by its factory when looked up.</summary>
    public static ProcDir Fixed(Filesystem fs, ulong ino, IReadOnlyDictionary<string, Func<Inode>> entries, uint uid = 0, uint gid = 0)
        => new(fs, ino, () => entries.Keys, n => entries.TryGetValue(n, out var f) ? f() : null, 0x16d, uid, gid);

    public override uint Mode => FileMode.S_IFDIR | _perm;
    public override bool DynamicChildren => true;
    public ulong Ino => _ino;

    public override int Create(string name, uint mode, uint uid, uint gid, string? symlinkTarget, out Inode? child)
    {
        child = null;
        return -(int)Errno.ENOENT;
    }

    public override int Lookup(string name, out Inode? child)
    {
        child = _lookup(name);
        return child != null ? 0 : -(int)Errno.ENOENT;
    }

    public override int Stat(out Stat st)
    {
        st = ProcFilesystem.StatOf(Fs, _ino, Mode, 2, _uid, _gid);
        return 0;
    }

    public override int Open(int flags, out FileDescription? file)
    {
        if ((flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDONLY) { file = null; return -(int)Errno.EISDIR; }
        file = new SnapshotDirectoryFile(() => _ino, () => List().ToList()) { Flags = flags };
        return 0;
    }

    internal IEnumerable<(string Name, ulong Ino, byte Type)> List()
    {
        foreach (var name in _names().ToArray())
        {
            var c = _lookup(name);
            if (c == null) continue;
            c.Stat(out var st);
            yield return (name, st.Ino, FileMode.DirentType(c.Mode));
        }
    }
}

/// <summary>What /proc/PID/fd/N of a pipe opens: the same pipe, a new end (pipe(7) via /proc).</summary>
public sealed class PipeLinkInode : Inode
{
    private readonly Pipe.Pipe _pipe;
    private readonly ulong _ino;
    public PipeLinkInode(Filesystem fs, Pipe.Pipe pipe, ulong ino) : base(fs) { _pipe = pipe; _ino = ino; }
    public override uint Mode => FileMode.S_IFIFO | 0x180;
    public override int Stat(out Stat st) { st = ProcFilesystem.StatOf(Fs, _ino, Mode, 1, 0, 0); return 0; }
    // An anonymous pipe reopened never waits for a partner, unlike a FIFO (fifo_open on pipefs).
    public override int Open(int flags, out FileDescription? file)
    {
        file = new Pipe.PipeEnd(_pipe, reader: (flags & OpenFlags.O_ACCMODE) != OpenFlags.O_WRONLY, flags) { Flags = flags };
        return 0;
    }
}

/// <summary>
/// What /proc/PID/fd/N of the sandbox's own stdio opens: the same host file again, as
/// `echo > /dev/stdout` expects, never with more access than the descriptor had.
/// </summary>
public sealed unsafe class HostStdioInode : Inode
{
    private readonly Host.HostFileDescription _file;
    private readonly ulong _ino;
    public HostStdioInode(Filesystem fs, Host.HostFileDescription file, ulong ino) : base(fs) { _file = file; _ino = ino; }

    public override uint Mode { get { _file.Stat(out var st); return st.Mode; } }

    public override int Stat(out Stat st) => _file.Stat(out st);

    public override int Open(int flags, out FileDescription? file)
    {
        file = null;
        int acc = flags & OpenFlags.O_ACCMODE;
        if ((acc != OpenFlags.O_WRONLY && !_file.Readable) || (acc != OpenFlags.O_RDONLY && !_file.Writable)) return -(int)Errno.EACCES;
        int keep = OpenFlags.O_ACCMODE | OpenFlags.O_APPEND | OpenFlags.O_NONBLOCK | OpenFlags.O_TRUNC;
        long fd = Linux.Native.HostProc.OpenAt($"self/fd/{_file.HostFd}", (flags & keep) | OpenFlags.O_NOCTTY);
        if (fd < 0) return (int)fd;
        bool seekable = Linux.Native.Sys.Syscall(Linux.Native.Sys.SYS_lseek, fd, 0, Linux.Abi.Seek.CUR) >= 0;
        file = new Host.HostFileDescription((int)fd, flags & keep, ownsFd: true, positional: seekable);
        return 0;
    }
}
