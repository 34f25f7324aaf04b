using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Vfs.Special;

/// <summary>An epoll instance (epoll(7)): an interest list of (fd, file) with events and data.</summary>
public sealed class Epoll : AnonFile
{
    public const uint EPOLLIN = 0x1, EPOLLPRI = 0x2, EPOLLOUT = 0x4, EPOLLERR = 0x8, EPOLLHUP = 0x10,
        EPOLLRDNORM = 0x40, EPOLLRDBAND = 0x80, EPOLLWRNORM = 0x100, EPOLLWRBAND = 0x200, EPOLLMSG = 0x400,
        EPOLLRDHUP = 0x2000, EPOLLEXCLUSIVE = 1u << 28, EPOLLWAKEUP = 1u << 29, EPOLLONESHOT = 1u << 30, EPOLLET = 1u << 31;

    public sealed class Entry
    {
        public required int Fd;
        public required FileDescription File;
        public uint Events;
        public ulong Data;
        public bool Disabled;      // EPOLLONESHOT fired
        public long LastGeneration = -1;
        public short LastReady;
    }

    private readonly List<Entry> _interest = new();

    public int Add(int fd, FileDescription file, uint events, ulong data)
    {
        lock (_interest)
        {
            if (_interest.Exists(e => e.Fd == fd && e.File == file)) return -(int)Errno.EEXIST;
            _interest.Add(new Entry { Fd = fd, File = file, Events = events, Data = data });
        }
        Queue.Notify();
        return 0;
    }

    public int Modify(int fd, FileDescription file, uint events, ulong data)
    {
        lock (_interest)
        {
            var e = _interest.Find(x => x.Fd == fd && x.File == file);
            if (e == null) return -(int)Errno.ENOENT;
            if ((e.Events & EPOLLEXCLUSIVE) != 0) return -(int)Errno.EINVAL;
            e.Events = events; e.Data = data; e.Disabled = false; e.LastGeneration = -1; e.LastReady = 0;
        }
        Queue.Notify();
        return 0;
    }

    public int Remove(int fd, FileDescription file)
    {
        lock (_interest) return _interest.RemoveAll(x => x.Fd == fd && x.File == file) > 0 ? 0 : -(int)Errno.ENOENT;
    }

    private static short PollMask(uint events) => (short)((events & 0xffff) | EPOLLERR | EPOLLHUP);

    /// <summary>Collects ready events (at most max), applying ET and ONESHOT. Consumes edges.</summary>
    public List<(uint Events, ulong Data)> Collect(int max, bool consume = true)
    {
        var result = new List<(uint, ulong)>();
        lock (_interest)
        {
            _interest.RemoveAll(e => e.File.Released);
            foreach (var e in _interest)
            {
                if (result.Count >= max) break;
                if (e.Disabled) continue;
                short ready = (short)(e.File.Readiness(PollMask(e.Events)) & PollMask(e.Events));
                if (ready == 0) { e.LastReady = 0; continue; }
                if ((e.Events & EPOLLET) != 0)
                {
                    long gen = e.File.ReadinessQueue?.Generation ?? -2;
                    bool edge = gen == -2 ? (ready & ~e.LastReady) != 0 : gen != e.LastGeneration || (ready & ~e.LastReady) != 0;
                    if (!edge) continue;
                    if (consume) { e.LastGeneration = gen; e.LastReady = ready; }
                }
                result.Add(((uint)(ushort)ready, e.Data));
                if (consume && (e.Events & EPOLLONESHOT) != 0) e.Disabled = true;
            }
        }
        return result;
    }

    /// <summary>What a wait must watch: every interest's queue, host fd and timer deadline.</summary>
    public void WaitSources(List<WaitQueue> queues, List<(int, short)> hostFds, ref long deadline)
    {
        queues.Add(Queue);
        lock (_interest)
            foreach (var e in _interest)
                if (!e.Disabled) Syscalls.PollCallsAccess.WaitSources(e.File, PollMask(e.Events), queues, hostFds, ref deadline);
    }

    public override short Readiness(short events)
        => Collect(1, consume: false).Count > 0 ? (short)(events & (Poll.POLLIN | Poll.POLLRDNORM)) : (short)0;

    public override long NextDeadline
    {
        get
        {
            long d = -1;
            var q = new List<WaitQueue>();
            var h = new List<(int, short)>();
            WaitSources(q, h, ref d);
            return d;
        }
    }

    public override long Read(Span<byte> dst, long offset) => -(long)Errno.EINVAL;
    public override long Write(ReadOnlySpan<byte> src, long offset) => -(long)Errno.EINVAL;
}
