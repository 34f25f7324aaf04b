using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Vfs.Pipe;

/// <summary>
/// A pipe (pipe(7)): a ring buffer of Capacity bytes, readers and writers. Writes of at most
/// PIPE_BUF bytes are atomic; a write with no reader left gets EPIPE and SIGPIPE.
/// </summary>
public sealed class Pipe
{
    public const int PipeBuf = 4096;
    public const int DefaultCapacity = 65536;
    public const int MaxCapacity = 1 << 20; // fs.pipe-max-size

    private byte[] _buf = new byte[DefaultCapacity];
    private int _head, _count;
    private static long _nextIno = 1;

    public object Lock { get; } = new();
    public int Readers, Writers;
    /// <summary>Opens for reading and for writing ever made (pipe_inode_info's r_counter/w_counter): a FIFO
    /// open waiting for its partner is done when one came, even if it is gone again.</summary>
    public int ReaderOpens, WriterOpens;
    public WaitQueue Queue { get; } = new();
    public ulong Ino { get; } = (ulong)Interlocked.Increment(ref _nextIno);
    public long Created { get; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    public int Capacity => _buf.Length;
    public int Count { get { lock (Lock) return _count; } }

    public int Free => _buf.Length - _count;

    /// <summary>O_DIRECT "packet mode" (pipe(2)): each write is a packet, each read takes at most one.</summary>
    public bool PacketMode { get; set; }
    private readonly Queue<int> _packets = new();

    private void CopyOut(Span<byte> dst)
    {
        int first = Math.Min(dst.Length, _buf.Length - _head);
        _buf.AsSpan(_head, first).CopyTo(dst);
        _buf.AsSpan(0, dst.Length - first).CopyTo(dst.Slice(first));
        _head = (_head + dst.Length) % _buf.Length;
        _count -= dst.Length;
    }

    private void CopyIn(ReadOnlySpan<byte> src)
    {
        int tail = (_head + _count) % _buf.Length;
        int first = Math.Min(src.Length, _buf.Length - tail);
        src.Slice(0, first).CopyTo(_buf.AsSpan(tail));
        src.Slice(first).CopyTo(_buf.AsSpan(0));
        _count += src.Length;
    }

    /// <summary>tee(2): copies up to dst.Length buffered bytes without consuming them. Caller holds Lock.</summary>
    public int PeekLocked(Span<byte> dst)
    {
        int n = Math.Min(dst.Length, _count);
        int first = Math.Min(n, _buf.Length - _head);
        _buf.AsSpan(_head, first).CopyTo(dst);
        _buf.AsSpan(0, n - first).CopyTo(dst.Slice(first));
        return n;
    }

    /// <summary>Buffered bytes, and whether any writer is left. Caller holds Lock.</summary>
    public int CountLocked => _count;

    public long Read(Span<byte> dst, bool nonBlocking)
    {
        if (dst.Length == 0) return 0;
        var t = Task.Current;
        while (true)
        {
            lock (Lock)
            {
                if (_count > 0)
                {
                    if (PacketMode && _packets.Count > 0)
                    {
                        int len = _packets.Dequeue();
                        int take = Math.Min(dst.Length, len);
                        CopyOut(dst.Slice(0, take));
                        if (len > take) { var skip = new byte[len - take]; CopyOut(skip); } // the rest of the packet is dropped
                        Queue.Notify();
                        return take;
                    }
                    int n = Math.Min(dst.Length, _count);
                    CopyOut(dst.Slice(0, n));
                    Queue.Notify();
                    return n;
                }
                if (Writers == 0) return 0;
                if (nonBlocking || t == null) return -(long)Errno.EAGAIN;
            }
            if (t.BlockUntil(() => { lock (Lock) return _count > 0 || Writers == 0; }, -1, Queue) == BlockResult.Interrupted)
                return -(long)Errno.ERESTARTSYS;
        }
    }

    public long Write(ReadOnlySpan<byte> src, bool nonBlocking)
    {
        var t = Task.Current;
        long done = 0;
        bool atomic = src.Length <= PipeBuf;
        while (true)
        {
            lock (Lock)
            {
                if (Readers == 0)
                {
                    if (done > 0) return done;
                    if (t != null) t.Kernel.SendToTask(t, new SignalInfo(Signals.SIGPIPE, SignalInfo.SI_USER) { Pid = t.Tgid, Uid = t.Creds.Uid });
                    return -(long)Errno.EPIPE;
                }
                int room = Free;
                int want = (int)(src.Length - done);
                if (want == 0) return done;
                if (room > 0 && (!atomic || room >= want))
                {
                    int n = Math.Min(room, want);
                    if (PacketMode) n = Math.Min(n, PipeBuf);
                    CopyIn(src.Slice((int)done, n));
                    if (PacketMode) _packets.Enqueue(n);
                    done += n;
                    Queue.Notify();
                    if (done == src.Length) return done;
                    continue;
                }
                if (nonBlocking || t == null) return done > 0 ? done : -(long)Errno.EAGAIN;
            }
            int need = atomic ? src.Length : 1;
            if (t.BlockUntil(() => { lock (Lock) return Readers == 0 || Free >= need; }, -1, Queue) == BlockResult.Interrupted)
                return done > 0 ? done : -(long)Errno.ERESTARTSYS;
        }
    }

    /// <summary>F_SETPIPE_SZ: rounded up to a power of two pages; beyond fs.pipe-max-size only for root.</summary>
    public long SetCapacity(uint size, bool privileged)
    {
        if (size > (1u << 31)) return -(long)Errno.EINVAL;
        int cap = (int)Math.Max(4096, System.Numerics.BitOperations.RoundUpToPowerOf2(Math.Max(size, 1)));
        if (cap > MaxCapacity && !privileged) return -(long)Errno.EPERM;
        if (cap > (256 << 20)) return -(long)Errno.ENOMEM;
        lock (Lock)
        {
            if (cap < _count) return -(long)Errno.EBUSY;
            var nb = new byte[cap];
            int c = _count;
            CopyOut(nb.AsSpan(0, c));
            _buf = nb; _head = 0; _count = c;
            Queue.Notify();
            return cap;
        }
    }

    public short Readiness(bool reader, short events)
    {
        lock (Lock)
        {
            short r = 0;
            if (reader)
            {
                if (_count > 0) r |= (short)(events & (Poll.POLLIN | Poll.POLLRDNORM));
                if (Writers == 0) r |= Poll.POLLHUP;
            }
            else
            {
                if (Free >= PipeBuf) r |= (short)(events & (Poll.POLLOUT | Poll.POLLWRNORM));
                if (Readers == 0) r |= Poll.POLLERR;
            }
            return r;
        }
    }
}

/// <summary>One end of a pipe.</summary>
public sealed class PipeEnd : FileDescription
{
    private readonly bool _reader, _writer;

    /// <param name="both">A FIFO opened O_RDWR (fifo(7)): one description that reads and writes.</param>
    public PipeEnd(Pipe pipe, bool reader, int flags, bool both = false)
    {
        Pipe = pipe; _reader = reader || both; _writer = !reader || both;
        Flags = (both ? OpenFlags.O_RDWR : reader ? OpenFlags.O_RDONLY : OpenFlags.O_WRONLY) | (flags & OpenFlags.O_NONBLOCK);
        lock (pipe.Lock) { if (_reader) { pipe.Readers++; pipe.ReaderOpens++; } if (_writer) { pipe.Writers++; pipe.WriterOpens++; } }
    }

    public Pipe Pipe { get; }

    public override long Read(Span<byte> dst, long offset) => _reader ? Pipe.Read(dst, NonBlocking) : -(long)Errno.EBADF;
    public override long Write(ReadOnlySpan<byte> src, long offset) => _writer ? Pipe.Write(src, NonBlocking) : -(long)Errno.EBADF;

    public override int Stat(out Stat st)
    {
        st = new Stat { Dev = FileMode.MakeDev(0, 14), Ino = Pipe.Ino, Nlink = 1, Mode = FileMode.S_IFIFO | 0x180, Blksize = 4096,
            Uid = (uint)(Task.Current?.Creds.Euid ?? 0), Gid = (uint)(Task.Current?.Creds.Egid ?? 0),
            Atime = new Timespec(Pipe.Created, 0), Mtime = new Timespec(Pipe.Created, 0), Ctime = new Timespec(Pipe.Created, 0) };
        return 0;
    }

    public override long Available() => Pipe.Count;
    public override short Readiness(short events)
        => _reader && _writer ? (short)(Pipe.Readiness(true, events) | Pipe.Readiness(false, events)) : Pipe.Readiness(_reader, events);
    public override WaitQueue? ReadinessQueue => Pipe.Queue;

    public override long Ioctl(Task task, uint cmd, ulong arg)
        => cmd == Sandbox.Linux.Abi.Ioctl.FIONREAD ? task.MM.Write(arg, (int)Pipe.Count) : -(long)Errno.ENOTTY;

    protected override void Release()
    {
        lock (Pipe.Lock) { if (_reader) Pipe.Readers--; if (_writer) Pipe.Writers--; }
        Pipe.Queue.Notify();
    }
}
