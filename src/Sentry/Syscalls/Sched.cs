using Sandbox.Linux;
using Sandbox.Sentry.Kernel;
using Host = Sandbox.Linux.Native.Sys;

namespace Sandbox.Sentry.Syscalls;

/// <summary>sched_getaffinity, sched_setaffinity, sched_yield, the policy queries, getcpu.</summary>
internal static unsafe class Sched
{
    private const int SCHED_OTHER = 0, SCHED_FIFO = 1, SCHED_RR = 2, SCHED_BATCH = 3, SCHED_IDLE = 5, SCHED_DEADLINE = 6;

    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.SchedGetaffinity] = &SchedGetaffinity;
        t[Sysno.SchedSetaffinity] = &SchedSetaffinity;
        t[Sysno.SchedYield] = &SchedYield;
        t[Sysno.SchedGetscheduler] = &SchedGetscheduler;
        t[Sysno.SchedGetparam] = &SchedGetparam;
        t[Sysno.SchedGetPriorityMax] = &PriorityMax;
        t[Sysno.SchedGetPriorityMin] = &PriorityMin;
        t[Sysno.Getcpu] = &Getcpu;
    }

    private static long CheckPid(Task t, long pid) => pid < 0 ? Err.EINVAL : pid != 0 && pid != t.Tid ? Err.ESRCH : 0;

    private static long SchedGetaffinity(Task t)
    {
        long c = CheckPid(t, (int)t.A0);
        if (c < 0) return c == Err.EINVAL ? Err.ESRCH : c;
        ulong len = t.A1;
        if ((len & 7) != 0) return Err.EINVAL;
        len = Math.Min(len, 1024);
        byte* buf = stackalloc byte[1024];
        long r = Host.Syscall(Host.SYS_sched_getaffinity, 0, (long)len, (long)buf);
        if (r < 0) return r;
        int w = t.MM.CopyOut(t.A2, new ReadOnlySpan<byte>(buf, (int)r));
        return w < 0 ? w : r;
    }

    /// <summary>Checked against the CPUs the sandbox may use; the host placement stays the Sentry's choice.</summary>
    private static long SchedSetaffinity(Task t)
    {
        long c = CheckPid(t, (int)t.A0);
        if (c < 0) return c == Err.EINVAL ? Err.ESRCH : c;
        int len = (int)Math.Min(t.A1, 1024);
        var want = new byte[len];
        int r = t.MM.CopyIn(t.A2, want);
        if (r < 0) return r;
        byte* allowed = stackalloc byte[1024];
        long n = Host.Syscall(Host.SYS_sched_getaffinity, 0, 1024, (long)allowed);
        if (n < 0) return n;
        for (int i = 0; i < Math.Min(len, (int)n); i++) if ((want[i] & allowed[i]) != 0) return 0;
        return Err.EINVAL;
    }

    private static long SchedYield(Task t)
    {
        Thread.Yield();
        return 0;
    }

    private static long SchedGetscheduler(Task t) => CheckPid(t, (int)t.A0) is var c && c < 0 ? c : SCHED_OTHER;

    private static long SchedGetparam(Task t)
    {
        long c = CheckPid(t, (int)t.A0);
        if (c < 0) return c;
        if (t.A1 == 0) return Err.EINVAL;
        return t.MM.Write(t.A1, 0); // sched_priority
    }

    private static long PriorityMax(Task t) => (int)t.A0 switch
    {
        SCHED_FIFO or SCHED_RR => 99,
        SCHED_OTHER or SCHED_BATCH or SCHED_IDLE or SCHED_DEADLINE => 0,
        _ => Err.EINVAL,
    };

    private static long PriorityMin(Task t) => (int)t.A0 switch
    {
        SCHED_FIFO or SCHED_RR => 1,
        SCHED_OTHER or SCHED_BATCH or SCHED_IDLE or SCHED_DEADLINE => 0,
        _ => Err.EINVAL,
    };

    /// <summary>getcpu reports where the host runs the Sentry thread, which the stub shares.</summary>
    private static long Getcpu(Task t)
    {
        uint cpu, node;
        long r = Host.Syscall(309 /* getcpu */, (long)&cpu, (long)&node, 0);
        if (r < 0) return r;
        if (t.A0 != 0 && t.MM.Write(t.A0, cpu) < 0) return Err.EFAULT;
        if (t.A1 != 0 && t.MM.Write(t.A1, node) < 0) return Err.EFAULT;
        return 0;
    }
}
