using Sandbox.Linux;
using Sandbox.Linux.Native;

namespace Sandbox.Sentry.Kernel;

/// <summary>Tasks waiting for something; whoever changes that something calls <see cref="Notify"/>.</summary>
public sealed class WaitQueue
{
    private readonly List<Task> _waiters = new();

    public void Add(Task t) { lock (_waiters) _waiters.Add(t); }
    public void Remove(Task t) { lock (_waiters) _waiters.Remove(t); }

    private long _generation;

    /// <summary>Counts notifications: edge-triggered epoll reports an event only after a new one.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public void Notify()
    {
        Interlocked.Increment(ref _generation);
        Task[] ws;
        lock (_waiters)
        {
            if (_waiters.Count == 0) return;
            ws = _waiters.ToArray();
        }
        foreach (var t in ws) t.Wake();
    }
}

/// <summary>Why a blocking wait ended.</summary>
public enum BlockResult { Ready, Interrupted, TimedOut }

public sealed partial class Task
{
    // An eventfd per task: anything that may end a wait (a signal, data, a child's exit) writes
    // it, and every wait of the task polls it, alongside a host fd when the wait is for one.
    // Created with the task: a lazily created one could be created twice by racing wakers.
    private int _wakeFd = (int)Sys.Syscall(290 /* eventfd2 */, 0, 0x80000 | 0x800 /* EFD_CLOEXEC|EFD_NONBLOCK */);

    private int WakeFd => _wakeFd;

    /// <summary>Ends the task's current wait (or makes its next one return at once).</summary>
    public void Wake()
    {
        ulong one = 1;
        unsafe { Sys.Syscall(Sys.SYS_write, WakeFd, (long)&one, 8); }
    }

    private unsafe void DrainWake()
    {
        ulong v;
        Sys.Syscall(Sys.SYS_read, WakeFd, (long)&v, 8);
    }

    /// <summary>
    /// Blocks until <paramref name="ready"/> holds, a signal needs the task's attention, or the
    /// deadline (CLOCK_MONOTONIC ns; -1 for none) passes. Optionally also wakes when a host fd
    /// becomes ready for <paramref name="hostEvents"/>.
    /// </summary>
    public unsafe BlockResult BlockUntil(Func<bool> ready, long deadlineNs = -1, WaitQueue? queue = null, int hostFd = -1, short hostEvents = 0, WaitQueue? queue2 = null, bool interruptible = true)
    {
        queue?.Add(this);
        queue2?.Add(this);
        string before = State;
        State = "blocked in " + before;
        try
        {
            int wfd = WakeFd;
            long* pfd = stackalloc long[2];
            while (true)
            {
                DrainWake();
                if (ready()) return BlockResult.Ready;
                if (interruptible && HasWakingSignal()) return BlockResult.Interrupted;
                int timeoutMs = -1;
                if (deadlineNs >= 0)
                {
                    long left = deadlineNs - MonotonicNow();
                    if (left <= 0) return BlockResult.TimedOut;
                    timeoutMs = (int)Math.Min((left + 999_999) / 1_000_000, int.MaxValue);
                }
                // struct pollfd { int fd; short events; short revents; }
                ((int*)pfd)[0] = wfd; ((short*)pfd)[2] = 1 /* POLLIN */; ((short*)pfd)[3] = 0;
                int n = 1;
                if (hostFd >= 0) { ((int*)pfd)[2] = hostFd; ((short*)pfd)[6] = hostEvents; ((short*)pfd)[7] = 0; n = 2; }
                Sys.Syscall(7 /* poll */, (long)pfd, n, timeoutMs);
            }
        }
        finally
        {
            State = before;
            queue?.Remove(this);
            queue2?.Remove(this);
        }
    }

    /// <summary>Sleeps until the deadline unless a signal interrupts. True when it slept through.</summary>
    public bool SleepUntil(long deadlineNs) => BlockUntil(() => false, deadlineNs) == BlockResult.TimedOut;

    public static unsafe long MonotonicNow()
    {
        Linux.Abi.Timespec ts;
        Sys.Syscall(Sys.SYS_clock_gettime, 1, (long)&ts);
        return ts.TotalNanoseconds;
    }

    private void CloseWakeFd()
    {
        // Late wakers may still write to it: close only once nobody can find the task (after exit).
        int fd = Interlocked.Exchange(ref _wakeFd, -1);
        if (fd >= 0) Sys.Close(fd);
    }
}

public sealed partial class Task
{
    /// <summary>Host resources of the task itself (not of its process): its wake-up eventfd.</summary>
    public void ReleaseHostResources() => CloseWakeFd();
}

public sealed partial class Task
{
    /// <summary>
    /// Like <see cref="BlockUntil"/> for many sources at once (poll, select, epoll): any of the
    /// queues, any host fd becoming ready, a signal, or the deadline.
    /// </summary>
    public unsafe BlockResult BlockUntilAny(Func<bool> ready, long deadlineNs, List<WaitQueue> queues, List<(int Fd, short Events)> hostFds)
    {
        foreach (var q in queues) q.Add(this);
        string before = State;
        State = "blocked in " + before;
        try
        {
            int n = 1 + hostFds.Count;
            var pfds = new long[n];
            fixed (long* pfd = pfds)
            {
                while (true)
                {
                    DrainWake();
                    if (ready()) return BlockResult.Ready;
                    if (HasWakingSignal()) return BlockResult.Interrupted;
                    int timeoutMs = -1;
                    if (deadlineNs >= 0)
                    {
                        long left = deadlineNs - MonotonicNow();
                        if (left <= 0) return BlockResult.TimedOut;
                        timeoutMs = (int)Math.Min((left + 999_999) / 1_000_000, int.MaxValue);
                    }
                    ((int*)pfd)[0] = WakeFd; ((short*)pfd)[2] = 1; ((short*)pfd)[3] = 0;
                    for (int i = 0; i < hostFds.Count; i++)
                    {
                        ((int*)(pfd + 1 + i))[0] = hostFds[i].Fd;
                        ((short*)(pfd + 1 + i))[2] = hostFds[i].Events;
                        ((short*)(pfd + 1 + i))[3] = 0;
                    }
                    Sys.Syscall(7 /* poll */, (long)pfd, n, timeoutMs);
                }
            }
        }
        finally
        {
            State = before;
            foreach (var q in queues) q.Remove(this);
        }
    }
}
