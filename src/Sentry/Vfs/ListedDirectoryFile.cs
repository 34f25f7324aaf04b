using Sandbox.Linux;
using Sandbox.Sentry.Vfs.Dev;

namespace Sandbox.Sentry.Vfs;

/// <summary>
/// An open directory of an in-memory filesystem: "." and "..", then the entries, as
/// linux_dirent64 records; the file offset is the index of the next entry.
/// </summary>
public abstract class ListedDirectoryFile : FileDescription
{
    private long _pos;

    /// <summary>The directory's own inode number (for "." and "..").</summary>
    protected abstract ulong SelfIno { get; }

    /// <summary>The entries after "." and "..", in readdir order.</summary>
    protected abstract IEnumerable<(string Name, ulong Ino, byte Type)> Entries();

    public override long Read(Span<byte> dst, long offset) => -(long)Errno.EISDIR;
    public override bool Positional => true; // pread(2) on a directory is EISDIR, not ESPIPE
    public override long Write(ReadOnlySpan<byte> src, long offset) => -(long)Errno.EBADF;

    public override long Seek(long offset, int whence)
    {
        long n = whence switch { Linux.Abi.Seek.SET => offset, Linux.Abi.Seek.CUR => _pos + offset, _ => -1 };
        if (n < 0) return -(long)Errno.EINVAL;
        return _pos = n;
    }

    public override long GetDents64(Span<byte> dst)
    {
        var entries = new List<(string Name, ulong Ino, byte Type)> { (".", SelfIno, 4), ("..", SelfIno, 4) };
        entries.AddRange(Entries());
        int written = 0;
        for (; _pos < entries.Count; _pos++)
        {
            var (name, ino, type) = entries[(int)_pos];
            int n = Dirent.Write(dst.Slice(written), ino, _pos + 1, type, name);
            if (n == 0) break;
            written += n;
        }
        if (written == 0 && _pos < entries.Count) return -(long)Errno.EINVAL;
        return written;
    }
}

/// <summary>A directory whose listing is computed once per open (and again after a rewind), so offsets stay meaningful.</summary>
public sealed class SnapshotDirectoryFile : ListedDirectoryFile
{
    private readonly Func<ulong> _selfIno;
    private readonly Func<List<(string Name, ulong Ino, byte Type)>> _list;
    private List<(string Name, ulong Ino, byte Type)>? _entries;

    public SnapshotDirectoryFile(Func<ulong> selfIno, Func<List<(string Name, ulong Ino, byte Type)>> list) { _selfIno = selfIno; _list = list; }

    protected override ulong SelfIno => _selfIno();
    protected override IEnumerable<(string Name, ulong Ino, byte Type)> Entries() => _entries ??= _list();

    public override long Seek(long offset, int whence)
    {
        if (whence == Linux.Abi.Seek.SET && offset == 0) _entries = null; // rewinddir sees changes
        return base.Seek(offset, whence);
    }
}
