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

    private static Task? Target(Task t, int pid) => pid == 0 ? t : pid < 0 ? null : t.Kernel.FindTask(pid);

    // sched_getaffinity(2) returns the size of the kernel's cpumask it copied (8-byte words).
    private static long SchedGetaffinity(Task t)
    {
        var target = Target(t, (int)t.A0);
        if (target == null) return Err.ESRCH;
        ulong len = t.A1;
        var mask = target.Affinity ?? t.Kernel.CpuMask;
        if ((len & 7) != 0 || len < (ulong)mask.Length) return Err.EINVAL;
        int w = t.MM.CopyOut(t.A2, mask);
        return w < 0 ? w : mask.Length;
    }

    /// <summary>Kept as the program's view, within the CPUs the sandbox may use; the host placement stays the Sentry's choice.</summary>
    private static long SchedSetaffinity(Task t)
    {
        var target = Target(t, (int)t.A0);
        if (target == null) return Err.ESRCH;
        var allowed = t.Kernel.CpuMask;
        var want = new byte[(int)Math.Min(t.A1, 1024)];
        int r = t.MM.CopyIn(t.A2, want);
        if (r < 0) return r;
        var mask = new byte[allowed.Length];
        bool any = false;
        for (int i = 0; i < mask.Length && i < want.Length; i++) { mask[i] = (byte)(want[i] & allowed[i]); any |= mask[i] != 0; }
        if (!any) return Err.EINVAL;
        target.Affinity = mask;
        return 0;
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
