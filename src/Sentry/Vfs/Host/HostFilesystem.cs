using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Linux.Native;

namespace Sandbox.Sentry.Vfs.Host;

/// <summary>
/// A read-only passthrough of a host directory: each inode holds an O_PATH fd, each lookup is
/// openat(parent, name, O_PATH|O_NOFOLLOW), so the Sentry's own walk (which resolves symlinks
/// inside the sandbox root) is the only walk. The Gofer replaces this in its own issue; it sits
/// behind the same Inode seam.
/// </summary>
public sealed class HostFilesystem : Filesystem
{
    public HostFilesystem(string hostPath)
    {
        int fd = HostInode.OpenPath(Sys.CString(hostPath), -100, OpenFlags.O_DIRECTORY);
        if (fd < 0) throw new IOException($"rootfs {hostPath}: {ErrnoText.Message(-fd)}");
        HostPath = hostPath;
        Root = new HostInode(this, fd, null, "");
    }

    public string HostPath { get; }
    public override string Type => "hostfs";
    public override Inode Root { get; }
    public override bool ReadOnly => true;
}

public sealed unsafe class HostInode : Inode
{
    private readonly int _fd;
    private readonly HostInode? _parent;
    private readonly string _name;
    private readonly uint _mode;

    internal HostInode(HostFilesystem fs, int opathFd, HostInode? parent, string name) : base(fs)
    {
        _fd = opathFd; _parent = parent; _name = name;
        Stat(out var st);
        _mode = st.Mode;
    }

    internal static int OpenPath(byte[] name, int dirFd, int extra)
    {
        fixed (byte* p = name)
            return (int)Sys.SyscallRetry(Sys.SYS_openat, dirFd, (long)p, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC | extra, 0);
    }

    public override uint Mode => _mode;

    public override int Lookup(string name, out Inode? child)
    {
        child = null;
        if (!IsDirectory) return -(int)Errno.ENOTDIR;
        int fd = OpenPath(Sys.CString(name), _fd, 0);
        if (fd < 0) return fd;
        child = new HostInode((HostFilesystem)Fs, fd, this, name);
        return 0;
    }

    public override int ReadLink(out string target)
    {
        target = "";
        if (!IsSymlink) return -(int)Errno.EINVAL;
        byte* buf = stackalloc byte[4096];
        fixed (byte* empty = "\0"u8)
        {
            long n = Sys.Syscall(Sys.SYS_readlinkat, _fd, (long)empty, (long)buf, 4096);
            if (n < 0) return (int)n;
            target = System.Text.Encoding.UTF8.GetString(buf, (int)n);
        }
        return 0;
    }

    public override int Stat(out Stat st)
    {
        Stat s;
        long r;
        fixed (byte* empty = "\0"u8)
            r = Sys.Syscall(Sys.SYS_newfstatat, _fd, (long)empty, (long)&s, AtFlags.AT_EMPTY_PATH);
        st = s;
        return (int)r;
    }

    public override int Statx(uint mask, out Statx stx)
    {
        Statx s;
        long r;
        fixed (byte* empty = "\0"u8)
            r = Sys.Syscall(Sys.SYS_statx, _fd, (long)empty, AtFlags.AT_EMPTY_PATH | AtFlags.AT_SYMLINK_NOFOLLOW, mask, (long)&s);
        stx = s;
        return (int)r;
    }

    public override int StatFs(Span<byte> statfs)
    {
        fixed (byte* p = statfs)
        {
            int r = (int)Sys.Syscall(138 /* fstatfs */, _fd, (long)p);
            if (r < 0) return r;
        }
        // The passthrough is read-only whatever the host mount is.
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(statfs)[10] |= 1; // ST_RDONLY
        return 0;
    }

    public override int Open(int flags, out FileDescription? file)
    {
        file = null;
        if ((flags & OpenFlags.O_PATH) != 0)
        {
            file = new PathFileDescription(flags);
            return 0;
        }
        // The passthrough is read-only: never open a host file for writing, whatever asked.
        if ((flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDONLY || (flags & OpenFlags.O_TRUNC) != 0) return -(int)Errno.EROFS;
        // Reopen through the parent with O_NOFOLLOW: never through a host path.
        int hostFlags = (flags & (OpenFlags.O_ACCMODE | OpenFlags.O_NONBLOCK | OpenFlags.O_DIRECTORY | OpenFlags.O_NOATIME))
                        | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC | OpenFlags.O_LARGEFILE;
        int fd;
        fixed (byte* dot = ".\0"u8)
            fd = _parent == null
                ? (int)Sys.SyscallRetry(Sys.SYS_openat, _fd, (long)dot, hostFlags, 0)
                : OpenIn(_parent._fd, _name, hostFlags);
        if (fd < 0) return fd;
        file = new HostFileDescription(fd, flags, ownsFd: true, positional: true);
        return 0;
    }

    private static int OpenIn(int dirFd, string name, int flags)
    {
        fixed (byte* p = Sys.CString(name))
            return (int)Sys.SyscallRetry(Sys.SYS_openat, dirFd, (long)p, flags, 0);
    }
}

/// <summary>An O_PATH file: it names a file but reads and writes fail with EBADF.</summary>
public sealed class PathFileDescription : FileDescription
{
    public PathFileDescription(int flags) { Flags = flags; }
    public override long Read(Span<byte> dst, long offset) => -(long)Errno.EBADF;
    public override long Write(ReadOnlySpan<byte> src, long offset) => -(long)Errno.EBADF;
    public override long GetDents64(Span<byte> dst) => -(long)Errno.EBADF;
    public override long Ioctl(Kernel.Task task, uint cmd, ulong arg) => -(long)Errno.EBADF;
    public override long Seek(long offset, int whence) => -(long)Errno.EBADF;
}
