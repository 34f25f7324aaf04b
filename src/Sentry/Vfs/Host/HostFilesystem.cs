using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Linux.Native;

namespace Sandbox.Sentry.Vfs.Host;

/// <summary>
/// A read-only passthrough of a host directory: each lookup is openat(parent, name,
/// O_PATH|O_NOFOLLOW), so the Sentry's own walk (which resolves symlinks inside the sandbox
/// root) is the only walk. Inodes keep their O_PATH fd while a budget of host fds lasts (half
/// of RLIMIT_NOFILE); beyond it they reopen one from the nearest ancestor that has one, for
/// each use, so a tree of any size can be walked. The Gofer serves the same tree over 9P.
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
    private readonly int _fd; // -1: none kept (over budget); see AcquireFd
    private readonly HostInode? _parent;
    private readonly byte[] _cname;

    private static int _kept;
    private static readonly int Budget = FdBudget();

    private static int FdBudget()
    {
        long* rl = stackalloc long[2];
        return Sys.Syscall(97 /* getrlimit */, 7 /* RLIMIT_NOFILE */, (long)rl) == 0 ? (int)Math.Clamp(rl[0] / 2, 64, 1 << 20) : 512;
    }

    /// <summary>An O_PATH fd for this inode: its own (temporary false), or a fresh one the caller closes.</summary>
    private int AcquireFd(out bool temporary)
    {
        temporary = false;
        if (_fd >= 0) return _fd;
        int parentFd = _parent!.AcquireFd(out bool parentTemp);
        int fd = OpenPath(_cname, parentFd, 0);
        if (parentTemp) Sys.Close(parentFd);
        temporary = fd >= 0;
        return fd;
    }

    private static void Done(int fd, bool temporary) { if (temporary) Sys.Close(fd); }
    private readonly string _name;
    private readonly uint _mode;

    internal HostInode(HostFilesystem fs, int opathFd, HostInode? parent, string name) : base(fs)
    {
        _parent = parent; _name = name; _cname = Sys.CString(name);
        Stat s;
        fixed (byte* empty = "\0"u8)
            Sys.Syscall(Sys.SYS_newfstatat, opathFd, (long)empty, (long)&s, AtFlags.AT_EMPTY_PATH);
        _mode = s.Mode;
        if (parent == null || Interlocked.Increment(ref _kept) <= Budget) _fd = opathFd;
        else
        {
            Interlocked.Decrement(ref _kept);
            Sys.Close(opathFd);
            _fd = -1;
        }
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
        int dir = AcquireFd(out bool temp);
        if (dir < 0) return dir;
        int fd = OpenPath(Sys.CString(name), dir, 0);
        Done(dir, temp);
        if (fd < 0) return fd;
        child = new HostInode((HostFilesystem)Fs, fd, this, name);
        return 0;
    }

    public override int ReadLink(out string target)
    {
        target = "";
        if (!IsSymlink) return -(int)Errno.EINVAL;
        byte* buf = stackalloc byte[4096];
        int fd = AcquireFd(out bool temp);
        if (fd < 0) return fd;
        long n;
        fixed (byte* empty = "\0"u8)
            n = Sys.Syscall(Sys.SYS_readlinkat, fd, (long)empty, (long)buf, 4096);
        Done(fd, temp);
        if (n < 0) return (int)n;
        target = System.Text.Encoding.UTF8.GetString(buf, (int)n);
        return 0;
    }

    public override int Stat(out Stat st)
    {
        Stat s = default;
        long r;
        int fd = AcquireFd(out bool temp);
        if (fd < 0) { st = default; return fd; }
        fixed (byte* empty = "\0"u8)
            r = Sys.Syscall(Sys.SYS_newfstatat, fd, (long)empty, (long)&s, AtFlags.AT_EMPTY_PATH);
        Done(fd, temp);
        st = s;
        return (int)r;
    }

    public override int Statx(uint mask, out Statx stx)
    {
        Statx s = default;
        long r;
        int fd = AcquireFd(out bool temp);
        if (fd < 0) { stx = default; return fd; }
        fixed (byte* empty = "\0"u8)
            r = Sys.Syscall(Sys.SYS_statx, fd, (long)empty, AtFlags.AT_EMPTY_PATH | AtFlags.AT_SYMLINK_NOFOLLOW, mask, (long)&s);
        Done(fd, temp);
        stx = s;
        return (int)r;
    }

    public override int StatFs(Span<byte> statfs)
    {
        int fd = AcquireFd(out bool temp);
        if (fd < 0) return fd;
        int r;
        fixed (byte* p = statfs) r = (int)Sys.Syscall(138 /* fstatfs */, fd, (long)p);
        Done(fd, temp);
        if (r < 0) return r;
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
        if (_parent == null)
            fixed (byte* dot = ".\0"u8) fd = (int)Sys.SyscallRetry(Sys.SYS_openat, _fd, (long)dot, hostFlags, 0);
        else
        {
            int dir = _parent.AcquireFd(out bool temp);
            if (dir < 0) return dir;
            fd = OpenIn(dir, _name, hostFlags);
            Done(dir, temp);
        }
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
