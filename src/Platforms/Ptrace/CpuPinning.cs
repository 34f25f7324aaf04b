using Sandbox.Linux.Native;

namespace Sandbox.Platforms.Ptrace;

/// <summary>Places a tracer thread and its stub on the same CPU, spreading pairs round-robin.</summary>
internal static unsafe class CpuPinning
{
    private static int _next;

    /// <summary>Pins the calling thread and <paramref name="stubTid"/> to one allowed CPU.</summary>
    public static void PinPair(int stubTid)
    {
        ulong* allowed = stackalloc ulong[16];
        long n = Sys.Syscall(Sys.SYS_sched_getaffinity, 0, 128, (long)allowed);
        if (n <= 0) return;
        var cpus = new List<int>();
        for (int w = 0; w < n / 8; w++)
            for (int b = 0; b < 64; b++)
                if ((allowed[w] & (1UL << b)) != 0) cpus.Add(w * 64 + b);
        if (cpus.Count <= 1) return;
        int cpu = cpus[(int)((uint)Interlocked.Increment(ref _next) % (uint)cpus.Count)];
        ulong* mask = stackalloc ulong[16];
        new Span<ulong>(mask, 16).Clear();
        mask[cpu / 64] = 1UL << (cpu % 64);
        Sys.Syscall(203 /* sched_setaffinity */, 0, 128, (long)mask);
        Sys.Syscall(203, stubTid, 128, (long)mask);
    }
}
