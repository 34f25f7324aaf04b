using System.Runtime.InteropServices;
using Sandbox.Linux;
using Sandbox.Sentry.Kernel;
using Host = Sandbox.Linux.Native.Sys;

namespace Sandbox.Sentry.Syscalls;

/// <summary>times, getrusage, getitimer: what the application's host thread has used.</summary>
internal static unsafe class Usage
{
    private const int RUSAGE_SELF = 0, RUSAGE_CHILDREN = -1, RUSAGE_THREAD = 1;
    private const long ClockTicks = 100;

    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Times] = &Times;
        t[Sysno.Getrusage] = &Getrusage;
    }

    /// <summary>User and system CPU time of the process's stub, in clock ticks.</summary>
    private static (long User, long Sys) CpuTicks(Task t)
        => Kernel.Kernel.ProcessCpuTicks(t.Group, t.MM.Platform);

    private static long Times(Task t)
    {
        var (u, s) = CpuTicks(t);
        if (t.A0 != 0)
        {
            Span<long> tms = stackalloc long[] { u, s, t.Group.ChildUserTicks, t.Group.ChildSysTicks };
            int r = t.MM.CopyOut(t.A0, MemoryMarshal.AsBytes(tms));
            if (r < 0) return r;
        }
        return (long)(Environment.TickCount64 / (1000 / ClockTicks));
    }

    private static long Getrusage(Task t)
    {
        int who = (int)t.A0;
        if (who is not (RUSAGE_SELF or RUSAGE_CHILDREN or RUSAGE_THREAD)) return Err.EINVAL;
        Span<long> ru = stackalloc long[18]; // struct rusage: 2 timevals + 14 longs
        ru.Clear();
        if (who == RUSAGE_CHILDREN)
        {
            long cu = t.Group.ChildUserTicks, cs = t.Group.ChildSysTicks;
            ru[0] = cu / ClockTicks; ru[1] = cu % ClockTicks * (1_000_000 / ClockTicks);
            ru[2] = cs / ClockTicks; ru[3] = cs % ClockTicks * (1_000_000 / ClockTicks);
            ru[4] = t.Group.ChildMaxRssKb;
        }
        else
        {
            var (u, s) = CpuTicks(t);
            ru[0] = u / ClockTicks; ru[1] = u % ClockTicks * (1_000_000 / ClockTicks);
            ru[2] = s / ClockTicks; ru[3] = s % ClockTicks * (1_000_000 / ClockTicks);
            ru[4] = Math.Max(1, t.Kernel.MemoryFile.Resident() / 1024); // ru_maxrss in KiB
        }
        return t.MM.CopyOut(t.A1, MemoryMarshal.AsBytes(ru));
    }
}
