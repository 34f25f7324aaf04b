using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Linux.Native;
using IoctlCmd = Sandbox.Linux.Abi.Ioctl;
using SeekWhence = Sandbox.Linux.Abi.Seek;

namespace Sandbox.Sentry.Vfs.Host;

/// <summary>
/// A file description backed by a host fd: files of the passthrough rootfs, and the stdio
/// fds handed to the Sentry. Data moves with one host call straight into the memory file.
/// </summary>
public sealed unsafe class HostFileDescription : FileDescription
{
    private readonly int _fd;
    private readonly bool _ownsFd;
    private readonly bool _positional;

    public HostFileDescription(int hostFd, int flags, bool ownsFd, bool positional)
    {
        _fd = hostFd; Flags = flags; _ownsFd = ownsFd; _positional = positional;
    }

    /// <summary>Wraps a host fd the Sentry was given (stdio): seekable only if the host says so.</summary>
    public static HostFileDescription ForStdio(int hostFd) => Wrap(hostFd, owned: false);

    /// <summary>Wraps a host fd handed over to the sandbox (a pod's stdio, passed with SCM_RIGHTS); <paramref name="owned"/>: closed on the last release.</summary>
    public static HostFileDescription Wrap(int hostFd, bool owned)
    {
        long fl = Sys.Syscall(Sys.SYS_fcntl, hostFd, Fcntl.F_GETFL);
        int flags = fl < 0 ? OpenFlags.O_RDWR : (int)fl & ~OpenFlags.O_LARGEFILE;
        bool seekable = Sys.Syscall(Sys.SYS_lseek, hostFd, 0, SeekWhence.CUR) >= 0;
        return new HostFileDescription(hostFd, flags, ownsFd: owned, positional: seekable);
    }

    public int HostFd => _fd;

    public override int HostPollFd => _fd;

    /// <summary>Readiness as the host reports it (a zero-timeout poll of the fd).</summary>
    public override short Readiness(short events) => Sys.PollNow(_fd, events);

    /// <summary>
    /// Reads from a host pipe or terminal wait in the Sentry, so that a signal can interrupt
    /// them (a blocking host read could not be).
    /// </summary>
    private long WaitReadable()
    {
        var t = Sandbox.Sentry.Kernel.Task.Current;
        if (t == null || _positional) return 0;
        if ((Readiness(Poll.POLLIN) & (Poll.POLLIN | Poll.POLLHUP | Poll.POLLERR)) != 0) return 0;
        if (NonBlocking) return 0;
        var r = t.BlockUntil(() => (Readiness(Poll.POLLIN) & (Poll.POLLIN | Poll.POLLHUP | Poll.POLLERR)) != 0, -1, null, _fd, Poll.POLLIN);
        return r == Sandbox.Sentry.Kernel.BlockResult.Interrupted ? -(long)Errno.ERESTARTSYS : 0;
    }
    public override bool Positional => _positional;

    public override long Read(Span<byte> dst, long offset)
    {
        if (!Readable) return -(long)Errno.EBADF;
        if (offset < 0 && dst.Length > 0)
        {
            long w = WaitReadable();
            if (w < 0) return w;
        }
        fixed (byte* p = dst)
            return offset < 0
                ? Sys.SyscallRetry(Sys.SYS_read, _fd, (long)p, dst.Length)
                : Sys.SyscallRetry(Sys.SYS_pread64, _fd, (long)p, dst.Length, offset);
    }

    public override long Write(ReadOnlySpan<byte> src, long offset)
    {
        if (!Writable) return -(long)Errno.EBADF;
        fixed (byte* p = src)
            return offset < 0
                ? Sys.SyscallRetry(Sys.SYS_write, _fd, (long)p, src.Length)
                : Sys.SyscallRetry(Sys.SYS_pwrite64, _fd, (long)p, src.Length, offset);
    }

    public override long Seek(long offset, int whence)
    {
        if (whence is < 0 or > SeekWhence.HOLE) return -(long)Errno.EINVAL;
        return Sys.Syscall(Sys.SYS_lseek, _fd, offset, whence);
    }

    public override int Stat(out Stat st)
    {
        Stat s;
        long r = Sys.Syscall(Sys.SYS_fstat, _fd, (long)&s);
        st = s;
        return (int)r;
    }

    public override int Statx(uint mask, out Statx stx)
    {
        if (Location is { } l) return l.Inode.Statx(mask, out stx);
        Statx s;
        long r;
        fixed (byte* empty = "\0"u8)
            r = Sys.Syscall(Sys.SYS_statx, _fd, (long)empty, AtFlags.AT_EMPTY_PATH, mask, (long)&s);
        stx = s;
        return (int)r;
    }

    public override long GetDents64(Span<byte> dst)
    {
        if (Location is { } l && !l.Inode.IsDirectory) return -(long)Errno.ENOTDIR;
        fixed (byte* p = dst)
            return Sys.SyscallRetry(Sys.SYS_getdents64, _fd, (long)p, dst.Length);
    }

    public override long Available()
    {
        int n;
        long r = Sys.Syscall(Sys.SYS_ioctl, _fd, IoctlCmd.FIONREAD, (long)&n);
        return r < 0 ? r : n;
    }

    /// <summary>Terminal ioctls are passed to the host fd only for the calls listed here.</summary>
    public override long Ioctl(Kernel.Task task, uint cmd, ulong arg)
    {
        switch (cmd)
        {
            case IoctlCmd.TCGETS: return HostOut(task, cmd, arg, IoctlCmd.TermiosSize);
            case IoctlCmd.TIOCGWINSZ: return HostOut(task, cmd, arg, IoctlCmd.WinsizeSize);
            case IoctlCmd.TIOCGPGRP: return HostOut(task, cmd, arg, 4);
            case IoctlCmd.TCSETS or IoctlCmd.TCSETSW or IoctlCmd.TCSETSF:
                return HostIn(task, cmd, arg, IoctlCmd.TermiosSize);
            case IoctlCmd.TIOCSWINSZ: return HostIn(task, cmd, arg, IoctlCmd.WinsizeSize);
            case IoctlCmd.FIONREAD:
            {
                long n = Available();
                if (n < 0) return n;
                return task.MM.Write(arg, (int)n);
            }
            default: return -(long)Errno.ENOTTY;
        }
    }

    private long HostOut(Kernel.Task task, uint cmd, ulong arg, int size)
    {
        byte* buf = stackalloc byte[64];
        long r = Sys.Syscall(Sys.SYS_ioctl, _fd, cmd, (long)buf);
        if (r < 0) return r;
        int c = task.MM.CopyOut(arg, new ReadOnlySpan<byte>(buf, size));
        return c < 0 ? c : r;
    }

    private long HostIn(Kernel.Task task, uint cmd, ulong arg, int size)
    {
        byte* buf = stackalloc byte[64];
        int c = task.MM.CopyIn(arg, new Span<byte>(buf, size));
        if (c < 0) return c;
        // Check that it is a terminal before letting the host act on it.
        byte* probe = stackalloc byte[64];
        long t = Sys.Syscall(Sys.SYS_ioctl, _fd, IoctlCmd.TCGETS, (long)probe);
        if (t < 0) return t;
        return Sys.Syscall(Sys.SYS_ioctl, _fd, cmd, (long)buf);
    }

    protected override void Release()
    {
        if (_ownsFd) Sys.Close(_fd);
    }
}
