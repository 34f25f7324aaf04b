using Sandbox.Linux;
using Sandbox.Linux.Abi;

namespace Sandbox.Sentry.Vfs.Dev;

/// <summary>A character device node: opening it creates the device's file description.</summary>
public sealed class DeviceInode : Inode
{
    private readonly uint _major, _minor;
    private readonly ulong _ino;
    private readonly Func<FileDescription> _open;
    private readonly long _time = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public DeviceInode(Filesystem fs, uint major, uint minor, ulong ino, Func<FileDescription> open) : base(fs)
    {
        _major = major; _minor = minor; _ino = ino; _open = open;
    }

    public override uint Mode => FileMode.S_IFCHR | 0x1b6; // 0666

    public override int Stat(out Stat st)
    {
        st = new Stat { Dev = Fs.Dev, Ino = _ino, Nlink = 1, Mode = Mode, Rdev = FileMode.MakeDev(_major, _minor),
            Blksize = 4096, Atime = new Timespec(_time, 0), Mtime = new Timespec(_time, 0), Ctime = new Timespec(_time, 0) };
        return 0;
    }

    public override int Open(int flags, out FileDescription? file)
    {
        file = _open();
        file.Flags = flags & ~(OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_NOCTTY | OpenFlags.O_TRUNC | OpenFlags.O_CLOEXEC);
        return 0;
    }
}

/// <summary>Devices are seekable to anywhere and report position 0 (drivers/char/mem.c null_lseek).</summary>
public abstract class CharDevice : FileDescription
{
    public override bool Positional => true;
    public override long Seek(long offset, int whence) => whence is >= 0 and <= 2 ? 0 : -(long)Errno.EINVAL;
}

public sealed class NullDevice : CharDevice
{
    public override bool IgnoresBuffer => true;
    public override long Read(Span<byte> dst, long offset) => Readable ? 0 : -(long)Errno.EBADF;
    public override long Write(ReadOnlySpan<byte> src, long offset) => Writable ? src.Length : -(long)Errno.EBADF;
}

public sealed class ZeroDevice : CharDevice
{
    public override long Read(Span<byte> dst, long offset)
    {
        if (!Readable) return -(long)Errno.EBADF;
        dst.Clear();
        return dst.Length;
    }
    public override long Write(ReadOnlySpan<byte> src, long offset) => Writable ? src.Length : -(long)Errno.EBADF;
}

public sealed class FullDevice : CharDevice
{
    public override long Read(Span<byte> dst, long offset)
    {
        if (!Readable) return -(long)Errno.EBADF;
        dst.Clear();
        return dst.Length;
    }
    // Even a zero-length write is ENOSPC (write_full() answers before looking at the count).
    public override long Write(ReadOnlySpan<byte> src, long offset) => Writable ? -(long)Errno.ENOSPC : -(long)Errno.EBADF;
}

public sealed class RandomDevice : CharDevice
{
    public override long Read(Span<byte> dst, long offset)
    {
        if (!Readable) return -(long)Errno.EBADF;
        Sandbox.Linux.Native.HostRandom.Fill(dst);
        return dst.Length;
    }
    // Writing to /dev/random mixes entropy in; the sandbox accepts and drops it.
    public override long Write(ReadOnlySpan<byte> src, long offset) => Writable ? src.Length : -(long)Errno.EBADF;
}
