using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Vfs;

/// <summary>
/// An open file description (what open(2) creates and dup(2) shares): status flags, offset,
/// and the operations. Reads and writes take host spans that usually point straight into the
/// memory file, so data moves once.
/// </summary>
public abstract class FileDescription
{
    private int _refs = 1;

    /// <summary>Access mode and status flags (O_APPEND, O_NONBLOCK, ...), as F_GETFL shows them.</summary>
    public int Flags { get; set; }

    /// <summary>Where it was opened, if it was opened by path.</summary>
    public Location? Location { get; set; }

    // Access mode 3 (open(2)) checks read and write permission but allows neither.
    public bool Readable => (Flags & OpenFlags.O_ACCMODE) is OpenFlags.O_RDONLY or OpenFlags.O_RDWR && (Flags & OpenFlags.O_PATH) == 0;
    public bool Writable => (Flags & OpenFlags.O_ACCMODE) is OpenFlags.O_WRONLY or OpenFlags.O_RDWR && (Flags & OpenFlags.O_PATH) == 0;

    /// <summary>Reads at the file offset (offset &lt; 0) or at <paramref name="offset"/>. Bytes or -errno.</summary>
    public virtual long Read(Span<byte> dst, long offset) => -(long)Errno.EINVAL;

    public virtual long Write(ReadOnlySpan<byte> src, long offset) => -(long)Errno.EINVAL;

    public virtual long Seek(long offset, int whence) => -(long)Errno.ESPIPE;

    /// <summary>True for files that never touch the caller's buffer (/dev/null): no EFAULT for bad ones.</summary>
    public virtual bool IgnoresBuffer => false;

    /// <summary>Whether pread/pwrite work (ESPIPE for pipes, ttys, sockets).</summary>
    public virtual bool Positional => false;

    public virtual int Stat(out Stat st)
    {
        if (Location is { } l) return l.Inode.Stat(out st);
        st = default;
        return -(int)Errno.EBADF;
    }

    public virtual int Statx(uint mask, out Statx stx)
    {
        if (Location is { } l) return l.Inode.Statx(mask, out stx);
        int r = Stat(out var st);
        stx = r == 0 ? StatConvert.ToStatx(st) : default;
        return r;
    }

    /// <summary>Fills <paramref name="dst"/> with linux_dirent64 records. Bytes or -errno.</summary>
    public virtual long GetDents64(Span<byte> dst) => -(long)Errno.ENOTDIR;

    /// <summary>ioctl(2). The handler copies its own arguments through <paramref name="task"/>'s memory.</summary>
    public virtual long Ioctl(Task task, uint cmd, ulong arg) => -(long)Errno.ENOTTY;

    /// <summary>poll(2) readiness: the subset of POLLIN|POLLOUT|... that holds now (POLLHUP/POLLERR always reported).</summary>
    public virtual short Readiness(short events) => (short)(events & (Poll.POLLIN | Poll.POLLOUT | Poll.POLLRDNORM | Poll.POLLWRNORM));

    /// <summary>Where waiters for readiness changes wait (null: readiness never changes).</summary>
    public virtual WaitQueue? ReadinessQueue => null;

    /// <summary>A host fd whose readiness is this file's (host-backed files), or -1.</summary>
    public virtual int HostPollFd => -1;

    /// <summary>When readiness may change by itself (timers), as CLOCK_MONOTONIC ns; -1 if never.</summary>
    public virtual long NextDeadline => -1;

    public bool NonBlocking => (Flags & OpenFlags.O_NONBLOCK) != 0;

    /// <summary>Bytes readable without blocking (FIONREAD), or -errno.</summary>
    public virtual long Available() => -(long)Errno.ENOTTY;

    public void IncRef() => Interlocked.Increment(ref _refs);

    /// <summary>Has taken a flock(2) lock at some point: only then does its last close visit the lock table.</summary>
    internal volatile bool HoldsFlock;

    /// <summary>Has taken an OFD record lock: its last close drops the description's locks.</summary>
    internal volatile bool HoldsOfdLock;

    public void DecRef()
    {
        if (Interlocked.Decrement(ref _refs) == 0)
        {
            Released = true;
            if (Inotify.Fsnotify.Active) Inotify.Fsnotify.Closed(this);
            if (HoldsFlock) FlockTable.Unlock(this);
            if (HoldsOfdLock && RecordLockTable.KeyOf(this, out var key)) RecordLockTable.Release(key, this);
            Release();
        }
    }

    /// <summary>The last reference is gone (epoll drops such files from its interest lists).</summary>
    public bool Released { get; private set; }

    /// <summary>Called when the last reference goes away.</summary>
    protected virtual void Release() { }
}
