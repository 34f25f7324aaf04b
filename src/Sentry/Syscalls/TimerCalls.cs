using System.Runtime.InteropServices;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Host = Sandbox.Linux.Native.Sys;

namespace Sandbox.Sentry.Syscalls;

/// <summary>alarm, setitimer, getitimer, timer_create/settime/gettime/getoverrun/delete.</summary>
internal static unsafe class TimerCalls
{
    private const int ITIMER_REAL = 0, ITIMER_VIRTUAL = 1, ITIMER_PROF = 2;
    private const int SIGEV_SIGNAL = 0, SIGEV_NONE = 1, SIGEV_THREAD = 2, SIGEV_THREAD_ID = 4;

    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Alarm] = &Alarm;
        t[Sysno.Setitimer] = &Setitimer;
        t[Sysno.Getitimer] = &Getitimer;
        t[Sysno.TimerCreate] = &TimerCreate;
        t[Sysno.TimerSettime] = &TimerSettime;
        t[Sysno.TimerGettime] = &TimerGettime;
        t[Sysno.TimerGetoverrun] = &TimerGetoverrun;
        t[Sysno.TimerDelete] = &TimerDelete;
    }

    private static long Monotonic() => Task.MonotonicNow();

    private static long WallClock(int clock)
    {
        Timespec ts;
        Host.Syscall(Host.SYS_clock_gettime, clock, (long)&ts);
        return ts.TotalNanoseconds;
    }

    /// <summary>CPU time of the process's stub (user, or user+system), ns; 100 Hz clock ticks.</summary>
    private static long CpuTime(ThreadGroup g, bool withSystem)
    {
        var (user, sys) = Kernel.Kernel.ProcessCpuTicks(g, g.Leader?.MM.Platform);
        return (user + (withSystem ? sys : 0)) * 10_000_000;
    }

    private static IntervalTimer ITimer(Task t, int which)
    {
        var g = t.Group;
        lock (g)
        {
            return g.ITimers[which] ??= which switch
            {
                ITIMER_REAL => new IntervalTimer(Monotonic, false, _ => t.Kernel.SendToGroup(g, new SignalInfo(Signals.SIGALRM, SignalInfo.SI_KERNEL))),
                ITIMER_VIRTUAL => new IntervalTimer(() => CpuTime(g, false), true, _ => t.Kernel.SendToGroup(g, new SignalInfo(Signals.SIGVTALRM, SignalInfo.SI_KERNEL))),
                _ => new IntervalTimer(() => CpuTime(g, true), true, _ => t.Kernel.SendToGroup(g, new SignalInfo(Signals.SIGPROF, SignalInfo.SI_KERNEL))),
            };
        }
    }

    private static long Alarm(Task t)
    {
        var (v, _) = ITimer(t, ITIMER_REAL).Set((long)(uint)t.A0 * 1_000_000_000, 0, false);
        long sec = v / 1_000_000_000, usec = v % 1_000_000_000 / 1000;
        if ((sec == 0 && usec != 0) || usec >= 500_000) sec++;
        return sec;
    }

    private static long Setitimer(Task t)
    {
        int which = (int)t.A0;
        if (which is < 0 or > 2) return Err.EINVAL;
        Span<long> nv = stackalloc long[4]; // it_interval, it_value as timevals
        nv.Clear();
        if (t.A1 != 0)
        {
            int r = t.MM.CopyIn(t.A1, MemoryMarshal.AsBytes(nv));
            if (r < 0) return r;
            if (nv[1] < 0 || nv[1] >= 1_000_000 || nv[3] < 0 || nv[3] >= 1_000_000 || nv[0] < 0 || nv[2] < 0) return Err.EINVAL;
        }
        var (v, i) = ITimer(t, which).Set(nv[2] * 1_000_000_000 + nv[3] * 1000, nv[0] * 1_000_000_000 + nv[1] * 1000, false);
        if (t.A2 != 0) return WriteItimerval(t, t.A2, v, i);
        return 0;
    }

    private static long WriteItimerval(Task t, ulong addr, long value, long interval)
    {
        Span<long> ov = stackalloc long[] { interval / 1_000_000_000, interval % 1_000_000_000 / 1000, value / 1_000_000_000, value % 1_000_000_000 / 1000 };
        // A pending timer never reads as zero (it would look disarmed).
        if (value > 0 && ov[2] == 0 && ov[3] == 0) ov[3] = 1;
        return t.MM.CopyOut(addr, MemoryMarshal.AsBytes(ov));
    }

    private static long Getitimer(Task t)
    {
        int which = (int)t.A0;
        if (which is < 0 or > 2) return Err.EINVAL;
        var (v, i) = ITimer(t, which).Get();
        return WriteItimerval(t, t.A1, v, i);
    }

    private static long TimerCreate(Task t)
    {
        int clock = (int)t.A0;
        if (clock is not (ClockId.REALTIME or ClockId.MONOTONIC or ClockId.BOOTTIME or ClockId.PROCESS_CPUTIME_ID or ClockId.THREAD_CPUTIME_ID or ClockId.REALTIME_ALARM or ClockId.BOOTTIME_ALARM or ClockId.TAI))
            return Err.EINVAL;
        int signo = Signals.SIGALRM, notify = SIGEV_SIGNAL, tid = 0;
        ulong value;
        var g = t.Group;
        int id;
        lock (g) id = g.NextTimerId;
        value = (ulong)id;
        if (t.A1 != 0)
        {
            Span<byte> sev = stackalloc byte[64];
            int r = t.MM.CopyIn(t.A1, sev);
            if (r < 0) return r;
            value = BitConverter.ToUInt64(sev);
            signo = BitConverter.ToInt32(sev.Slice(8));
            notify = BitConverter.ToInt32(sev.Slice(12));
            tid = BitConverter.ToInt32(sev.Slice(16));
            if (notify is not (SIGEV_SIGNAL or SIGEV_NONE or SIGEV_THREAD_ID)) return Err.EINVAL;
            if (notify != SIGEV_NONE && (signo < 1 || signo > Signals.NSIG)) return Err.EINVAL;
            if (notify == SIGEV_THREAD_ID && (t.Kernel.FindTask(tid) is not { } tt || tt.Group != g)) return Err.EINVAL;
        }
        Func<long> now = clock switch
        {
            ClockId.PROCESS_CPUTIME_ID or ClockId.THREAD_CPUTIME_ID => () => CpuTime(g, true),
            ClockId.MONOTONIC or ClockId.BOOTTIME or ClockId.BOOTTIME_ALARM => () => WallClock(clock == ClockId.MONOTONIC ? ClockId.MONOTONIC : ClockId.BOOTTIME),
            _ => () => WallClock(ClockId.REALTIME),
        };
        bool sampled = clock is ClockId.PROCESS_CPUTIME_ID or ClockId.THREAD_CPUTIME_ID;
        var k = t.Kernel;
        int timerId = id;
        SignalInfo? queued = null;
        var timer = new IntervalTimer(now, sampled, overrun =>
        {
            if (notify == SIGEV_NONE) return;
            // While its signal is still pending, a timer counts overruns instead of queueing again.
            var last = queued;
            if (last != null && !last.Dequeued)
            {
                Interlocked.Add(ref last.TimerOverrun, 1 + overrun);
                return;
            }
            var info = new SignalInfo(signo, SignalInfo.SI_TIMER) { Addr = (ulong)timerId, Value = value, TimerOverrun = overrun };
            queued = info;
            if (notify == SIGEV_THREAD_ID && k.FindTask(tid) is { } target) k.SendToTask(target, info);
            else k.SendToGroup(g, info);
        });
        lock (g) g.TimerSignals[id] = () => queued?.TimerOverrun ?? 0;
        lock (g)
        {
            g.NextTimerId++;
            g.PosixTimers[id] = timer;
        }
        int w = t.MM.Write(t.A2, id);
        if (w < 0)
        {
            lock (g) g.PosixTimers.Remove(id);
            timer.Dispose();
            return w;
        }
        return 0;
    }

    private static IntervalTimer? Find(Task t, int id)
    {
        lock (t.Group) return t.Group.PosixTimers.GetValueOrDefault(id);
    }

    private static long TimerSettime(Task t)
    {
        var timer = Find(t, (int)t.A0);
        if (timer == null) return Err.EINVAL;
        int flags = (int)t.A1;
        Span<Timespec> its = stackalloc Timespec[2];
        int r = t.MM.CopyIn(t.A2, MemoryMarshal.AsBytes(its));
        if (r < 0) return r;
        if (!its[0].IsValid || !its[1].IsValid) return Err.EINVAL;
        var (v, i) = timer.Set(its[1].TotalNanoseconds, its[0].TotalNanoseconds, (flags & ClockId.TIMER_ABSTIME) != 0);
        if (t.A3 != 0)
        {
            Span<Timespec> old = stackalloc Timespec[] { Timespec.FromNanoseconds(i), Timespec.FromNanoseconds(v) };
            return t.MM.CopyOut(t.A3, MemoryMarshal.AsBytes(old));
        }
        return 0;
    }

    private static long TimerGettime(Task t)
    {
        var timer = Find(t, (int)t.A0);
        if (timer == null) return Err.EINVAL;
        var (v, i) = timer.Get();
        Span<Timespec> cur = stackalloc Timespec[] { Timespec.FromNanoseconds(i), Timespec.FromNanoseconds(v) };
        return t.MM.CopyOut(t.A1, MemoryMarshal.AsBytes(cur));
    }

    /// <summary>The overrun count of the timer's last delivered signal.</summary>
    private static long TimerGetoverrun(Task t)
    {
        lock (t.Group)
            return t.Group.TimerSignals.TryGetValue((int)t.A0, out var f) ? f() : Err.EINVAL;
    }

    private static long TimerDelete(Task t)
    {
        IntervalTimer? timer;
        lock (t.Group)
        {
            if (!t.Group.PosixTimers.Remove((int)t.A0, out timer)) return Err.EINVAL;
            t.Group.TimerSignals.Remove((int)t.A0);
        }
        timer!.Dispose();
        return 0;
    }
}
