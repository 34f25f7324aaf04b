using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Host = Sandbox.Linux.Native.Sys;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Syscalls;

/// <summary>clock_gettime, clock_getres, gettimeofday, time, nanosleep, clock_nanosleep.</summary>
internal static unsafe class Time
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.ClockGettime] = &ClockGettime;
        t[Sysno.ClockGetres] = &ClockGetres;
        t[Sysno.Gettimeofday] = &Gettimeofday;
        t[Sysno.Time] = &TimeCall;
        t[Sysno.Nanosleep] = &Nanosleep;
        t[Sysno.ClockNanosleep] = &ClockNanosleep;
        t[Sysno.ClockSettime] = &ClockSettime;
        t[Sysno.Settimeofday] = &Settimeofday;
    }

    /// <summary>
    /// The host clock that serves a sandbox clock id: wall and monotonic clocks are the
    /// host's; CPU-time clocks are those of the application's own host thread.
    /// </summary>
    private static bool TryHostClock(Task t, int id, out long hostId)
    {
        hostId = id;
        switch (id)
        {
            case ClockId.REALTIME or ClockId.MONOTONIC or ClockId.MONOTONIC_RAW or ClockId.REALTIME_COARSE
                or ClockId.MONOTONIC_COARSE or ClockId.BOOTTIME or ClockId.REALTIME_ALARM or ClockId.BOOTTIME_ALARM or ClockId.TAI:
                return true;
            case ClockId.PROCESS_CPUTIME_ID:
            case ClockId.THREAD_CPUTIME_ID:
                hostId = OwnCpuClock(t);
                return true;
        }
        if (id >= 0) return false;
        // CPU clocks encoded with a pid (clock_getcpuclockid): only the caller's own.
        int pid = ~(id >> 3);
        bool thread = (id & 4) != 0;
        if ((id & 3) != 2) return false;
        if (pid != 0 && pid != (thread ? t.Tid : t.Tgid)) return false;
        hostId = OwnCpuClock(t);
        return true;
    }

    /// <summary>
    /// The host CPU clock of the task's application thread. A thread CPU clock only names
    /// threads of the caller's own host process: a ptrace stub runs one application thread per
    /// process for now, so its process clock is it; without a host process of its own (kvm:
    /// the application runs in a vCPU thread of the Sentry) it is that thread's clock.
    /// </summary>
    private static long OwnCpuClock(Task t) => CpuClock(t.Context!.HostTid, thread: t.MM.Platform is { HostPid: 0 });

    /// <summary>MAKE_PROCESS_CPUCLOCK / MAKE_THREAD_CPUCLOCK with CPUCLOCK_SCHED.</summary>
    private static long CpuClock(int hostPid, bool thread) => ((long)~hostPid << 3) | (thread ? 4L : 0L) | 2L;

    private static long ClockGettime(Task t)
    {
        if (!TryHostClock(t, (int)t.A0, out long id)) return Err.EINVAL;
        Timespec ts;
        long r = Host.Syscall(Host.SYS_clock_gettime, id, (long)&ts);
        if (r < 0) return r;
        return t.MM.Write(t.A1, ts);
    }

    private static long ClockGetres(Task t)
    {
        if (!TryHostClock(t, (int)t.A0, out long id)) return Err.EINVAL;
        if (t.A1 == 0) return 0;
        Timespec ts;
        long r = Host.Syscall(229 /* clock_getres */, id, (long)&ts);
        if (r < 0) return r;
        return t.MM.Write(t.A1, ts);
    }

    /// <summary>The sandbox may never set the host's clocks: checked like Linux, then EPERM.</summary>
    private static long ClockSettime(Task t)
    {
        int id = (int)t.A0;
        if (id is not (ClockId.REALTIME or ClockId.TAI) && !TryHostClock(t, id, out _)) return Err.EINVAL;
        int r = t.MM.Read(t.A1, out Timespec ts);
        if (r < 0) return r;
        if (id is not (ClockId.REALTIME)) return Err.EINVAL;
        if (!ts.IsValid) return Err.EINVAL;
        return Err.EPERM;
    }

    private static long Settimeofday(Task t)
    {
        if (t.A0 != 0)
        {
            int r = t.MM.Read(t.A0, out Timeval tv);
            if (r < 0) return r;
            if (tv.Usec < 0 || tv.Usec >= 1_000_000 || tv.Sec < 0) return Err.EINVAL;
        }
        return Err.EPERM;
    }

    private static long Gettimeofday(Task t)
    {
        Timespec ts;
        Host.Syscall(Host.SYS_clock_gettime, ClockId.REALTIME, (long)&ts);
        if (t.A0 != 0)
        {
            var tv = new Timeval { Sec = ts.Sec, Usec = ts.Nsec / 1000 };
            int r = t.MM.Write(t.A0, tv);
            if (r < 0) return r;
        }
        if (t.A1 != 0)
        {
            int r = t.MM.Write(t.A1, 0UL); // struct timezone: minuteswest = 0, dsttime = 0
            if (r < 0) return r;
        }
        return 0;
    }

    private static long TimeCall(Task t)
    {
        Timespec ts;
        Host.Syscall(Host.SYS_clock_gettime, ClockId.REALTIME, (long)&ts);
        if (t.A0 != 0)
        {
            int r = t.MM.Write(t.A0, ts.Sec);
            if (r < 0) return r;
        }
        return ts.Sec;
    }

    private static long Nanosleep(Task t) => Sleep(t, ClockId.MONOTONIC, 0, t.A0, t.A1);

    private static long ClockNanosleep(Task t)
    {
        int id = (int)t.A0, flags = (int)t.A1;
        if (id is ClockId.THREAD_CPUTIME_ID) return Err.EINVAL;
        if (id is not (ClockId.REALTIME or ClockId.MONOTONIC or ClockId.BOOTTIME or ClockId.TAI or ClockId.REALTIME_ALARM or ClockId.BOOTTIME_ALARM or ClockId.PROCESS_CPUTIME_ID))
            return id is ClockId.MONOTONIC_RAW or ClockId.REALTIME_COARSE or ClockId.MONOTONIC_COARSE ? -(long)Errno.EOPNOTSUPP : Err.EINVAL;
        if (id == ClockId.PROCESS_CPUTIME_ID) return -(long)Errno.EOPNOTSUPP;
        return Sleep(t, id, flags & ClockId.TIMER_ABSTIME, t.A2, t.A3);
    }

    /// <summary>
    /// nanosleep/clock_nanosleep: the task waits in the Sentry, so signals interrupt it. A
    /// handler gets EINTR (and the time left in rem); otherwise the sleep resumes where it was
    /// (the restart keeps the original deadline, as Linux's restart_block does).
    /// </summary>
    private static long Sleep(Task t, int clock, int flags, ulong reqAddr, ulong remAddr)
    {
        int r = t.MM.Read(reqAddr, out Timespec req);
        if (r < 0) return r;
        if (!req.IsValid) return Err.EINVAL;
        long deadline;
        if (t.RestartedSyscall && t.SleepDeadline != 0) deadline = t.SleepDeadline;
        else if ((flags & ClockId.TIMER_ABSTIME) != 0)
        {
            Timespec now;
            Host.Syscall(Host.SYS_clock_gettime, clock, (long)&now);
            deadline = Task.MonotonicNow() + Math.Max(0, req.TotalNanoseconds - now.TotalNanoseconds);
        }
        else deadline = Task.MonotonicNow() + req.TotalNanoseconds;
        t.SleepDeadline = 0;
        if (t.BlockUntil(() => false, deadline) != BlockResult.Interrupted) return 0;
        if ((flags & ClockId.TIMER_ABSTIME) == 0 && remAddr != 0)
        {
            var left = Timespec.FromNanoseconds(Math.Max(0, deadline - Task.MonotonicNow()));
            if (t.MM.Write(remAddr, left) < 0) return Err.EFAULT;
        }
        t.SleepDeadline = deadline;
        return -(long)Errno.ERESTART_RESTARTBLOCK;
    }
}
