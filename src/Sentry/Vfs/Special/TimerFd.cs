using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Linux.Native;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Vfs.Special;

/// <summary>
/// timerfd(2): expirations are computed from the clock when looked at, so no thread runs for
/// a timer; waiters sleep until the next expiry (<see cref="NextDeadline"/>).
/// </summary>
public sealed unsafe class TimerFd : AnonFile
{
    private readonly int _clock;
    private long _next;      // expiry on _clock, ns; 0 = disarmed
    private long _interval;  // ns
    private ulong _expirations;

    public TimerFd(int clock) { _clock = clock; }

    public static long Now(int clock)
    {
        Timespec ts;
        Sys.Syscall(Sys.SYS_clock_gettime, clock is ClockId.REALTIME_ALARM ? ClockId.REALTIME : clock is ClockId.BOOTTIME_ALARM ? ClockId.BOOTTIME : clock, (long)&ts);
        return ts.TotalNanoseconds;
    }

    /// <summary>Counts expirations up to now. Caller holds the lock.</summary>
    private void Advance()
    {
        if (_next == 0) return;
        long now = Now(_clock);
        if (now < _next) return;
        if (_interval > 0)
        {
            long n = (now - _next) / _interval + 1;
            _expirations += (ulong)n;
            _next += n * _interval;
        }
        else
        {
            _expirations++;
            _next = 0;
        }
    }

    public (Timespec Value, Timespec Interval) Get()
    {
        lock (this)
        {
            Advance();
            long left = _next == 0 ? 0 : Math.Max(1, _next - Now(_clock));
            return (Timespec.FromNanoseconds(left), Timespec.FromNanoseconds(_interval));
        }
    }

    public (Timespec Value, Timespec Interval) Set(Timespec value, Timespec interval, bool absolute)
    {
        lock (this)
        {
            var old = GetLocked();
            _expirations = 0;
            _interval = interval.TotalNanoseconds;
            long v = value.TotalNanoseconds;
            _next = v == 0 ? 0 : absolute ? Math.Max(v, 1) : Now(_clock) + v;
            Queue.Notify();
            return old;
        }
    }

    private (Timespec, Timespec) GetLocked()
    {
        Advance();
        long left = _next == 0 ? 0 : Math.Max(1, _next - Now(_clock));
        return (Timespec.FromNanoseconds(left), Timespec.FromNanoseconds(_interval));
    }

    public override long Read(Span<byte> dst, long offset)
    {
        if (dst.Length < 8) return -(long)Errno.EINVAL;
        var t = Task.Current;
        while (true)
        {
            long deadline;
            lock (this)
            {
                Advance();
                if (_expirations > 0)
                {
                    BitConverter.TryWriteBytes(dst, _expirations);
                    _expirations = 0;
                    return 8;
                }
                if (NonBlocking || t == null) return -(long)Errno.EAGAIN;
                deadline = NextDeadline;
            }
            var r = t.BlockUntil(() => { lock (this) { Advance(); return _expirations > 0; } }, deadline, Queue);
            if (r == BlockResult.Interrupted) return -(long)Errno.ERESTARTSYS;
        }
    }

    public override long Write(ReadOnlySpan<byte> src, long offset) => -(long)Errno.EINVAL;

    public override short Readiness(short events)
    {
        lock (this)
        {
            Advance();
            return _expirations > 0 ? (short)(events & (Poll.POLLIN | Poll.POLLRDNORM)) : (short)0;
        }
    }

    /// <summary>The next expiry as CLOCK_MONOTONIC ns (what waits are measured against).</summary>
    public override long NextDeadline
    {
        get
        {
            lock (this)
            {
                if (_next == 0) return -1;
                return Task.MonotonicNow() + Math.Max(0, _next - Now(_clock));
            }
        }
    }
}
