using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Vfs.Dev;

namespace Sandbox.Sentry.Vfs.Tmp;

/// <summary>An open tmpfs regular file.</summary>
public sealed class TmpFile : FileDescription
{
    private readonly TmpInode _inode;
    private long _pos;
    private readonly object _posLock = new();

    public TmpFile(TmpInode inode) { _inode = inode; }

    public override bool Positional => true;

    public override long Read(Span<byte> dst, long offset)
    {
        if (offset >= 0) return _inode.ReadAt(dst, offset);
        lock (_posLock)
        {
            long n = _inode.ReadAt(dst, _pos);
            if (n > 0) _pos += n;
            return n;
        }
    }

    public override long Write(ReadOnlySpan<byte> src, long offset)
    {
        bool append = (Flags & OpenFlags.O_APPEND) != 0;
        // pwrite(2) on an O_APPEND file appends all the same (a Linux bug, BUGS in pwrite(2)).
        if (offset >= 0) return _inode.WriteAt(src, offset, append, out _);
        lock (_posLock)
        {
            long n = _inode.WriteAt(src, _pos, append, out long end);
            if (n >= 0) _pos = end;
            return n;
        }
    }

    public override long Seek(long offset, int whence)
    {
        if (whence is Sandbox.Linux.Abi.Seek.DATA or Sandbox.Linux.Abi.Seek.HOLE)
        {
            long at = _inode.SeekDataOrHole(offset, whence == Sandbox.Linux.Abi.Seek.HOLE);
            if (at >= 0) lock (_posLock) _pos = at;
            return at;
        }
        lock (_posLock)
        {
            long size = _inode.Size;
            long n = whence switch
            {
                Sandbox.Linux.Abi.Seek.SET => offset,
                Sandbox.Linux.Abi.Seek.CUR => _pos + offset,
                Sandbox.Linux.Abi.Seek.END => size + offset,
                Sandbox.Linux.Abi.Seek.DATA => offset < size ? offset : -1,
                Sandbox.Linux.Abi.Seek.HOLE => offset < size ? size : -1,
                _ => -2,
            };
            if (n == -2) return -(long)Errno.EINVAL;
            if (n == -1 && whence is Sandbox.Linux.Abi.Seek.DATA or Sandbox.Linux.Abi.Seek.HOLE) return -(long)Errno.ENXIO;
            if (n < 0) return -(long)Errno.EINVAL;
            return _pos = n;
        }
    }

    public override long Available()
    {
        lock (_posLock) return Math.Max(0, _inode.Size - _pos);
    }
}

/// <summary>An open tmpfs directory: entries in creation order, each at the offset it was given.</summary>
public sealed class TmpDirectoryFile : FileDescription
{
    private readonly TmpInode _dir;
    private long _pos;

    public TmpDirectoryFile(TmpInode dir) { _dir = dir; }

    public override long Read(Span<byte> dst, long offset) => -(long)Errno.EISDIR;
    public override bool Positional => true; // pread(2) on a directory is EISDIR, not ESPIPE
    public override long Write(ReadOnlySpan<byte> src, long offset) => -(long)Errno.EBADF;

    public override long Seek(long offset, int whence)
    {
        lock (this)
        {
            long n = whence switch { Sandbox.Linux.Abi.Seek.SET => offset, Sandbox.Linux.Abi.Seek.CUR => _pos + offset, _ => -1 };
            if (n < 0) return -(long)Errno.EINVAL;
            return _pos = n;
        }
    }

    public override long GetDents64(Span<byte> dst)
    {
        if (_dir.Removed) return -(long)Errno.ENOENT;
        ulong parentIno = _dir.Ino;
        if (Location is { } l && l.Dentry.Parent?.Inode is TmpInode p) parentIno = p.Ino;
        lock (this)
        {
            long before = _pos;
            int n = _dir.ReadDir(dst, ref _pos, parentIno);
            if (n == 0 && _pos == before && _dir.ReadDir(stackalloc byte[280], ref before, parentIno) > 0) return -(long)Errno.EINVAL;
            return n;
        }
    }
}
