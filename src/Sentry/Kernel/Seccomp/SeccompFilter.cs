using Sandbox.Linux;
using Sandbox.Linux.Abi;
using SeccompAbi = Sandbox.Linux.Abi.Seccomp;

namespace Sandbox.Sentry.Kernel.Seccomp;

/// <summary>What a filter runs over seccomp_data: a program the application gave, or a profile the sandbox was started with.</summary>
public interface ISeccompRules
{
    /// <summary>The verdict for seccomp_data given as its eight 64-bit words (nr | arch &lt;&lt; 32, instruction_pointer, args[0..5]).</summary>
    uint Run(ReadOnlySpan<ulong> data);
    /// <summary>Instructions, for MAX_INSNS_PER_PATH.</summary>
    int Length { get; }
}

/// <summary>
/// One attached filter and, through Prev, those attached before it. Immutable: fork, clone and
/// execve share the chain; a new filter makes a new head.
/// </summary>
public sealed class SeccompFilter
{
    public ISeccompRules Program { get; }
    public SeccompFilter? Prev { get; }
    /// <summary>SECCOMP_FILTER_FLAG_LOG: actions other than ALLOW would be logged (the Sentry has no audit log; kept for the record).</summary>
    public bool Log { get; }
    /// <summary>How many filters the chain holds (/proc/PID/status Seccomp_filters).</summary>
    public int Count { get; }
    /// <summary>The instructions the kernel counts against MAX_INSNS_PER_PATH: each filter's length plus 4.</summary>
    public int PathInsns { get; }

    public SeccompFilter(ISeccompRules program, SeccompFilter? prev, bool log)
    {
        Program = program; Prev = prev; Log = log;
        Count = (prev?.Count ?? 0) + 1;
        PathInsns = program.Length + (prev == null ? 0 : prev.PathInsns + 4);
    }

    /// <summary>True when <paramref name="other"/> is this chain or one it grew from (TSYNC's check).</summary>
    public static bool IsAncestor(SeccompFilter? other, SeccompFilter? chain)
    {
        if (other == null) return true;
        for (var f = chain; f != null; f = f.Prev) if (f == other) return true;
        return false;
    }

    /// <summary>Every filter's verdict; the least permissive action wins (compared as signed, so KILL_PROCESS is lowest), the first such one keeping its data.</summary>
    public uint Evaluate(ReadOnlySpan<ulong> data)
    {
        uint ret = SeccompAbi.RET_ALLOW;
        for (var f = this; f != null; f = f.Prev)
        {
            uint cur = f.Program.Run(data);
            if ((int)(cur & SeccompAbi.RET_ACTION_FULL) < (int)(ret & SeccompAbi.RET_ACTION_FULL)) ret = cur;
        }
        return ret;
    }
}

/// <summary>What seccomp makes of a syscall before it runs (seccomp(2), "Filter return values").</summary>
public static class SyscallFilter
{
    /// <summary>Strict mode's only calls: read, write, _exit, rt_sigreturn.</summary>
    private static bool StrictAllows(long nr) => nr is Sysno.Read or Sysno.Write or Sysno.Exit or Sysno.RtSigreturn;

    /// <summary>
    /// True when the call must not run: <paramref name="result"/> is then what rax gets (the
    /// task may have been killed or sent SIGSYS).
    /// </summary>
    public static bool Intercept(Task t, long nr, out long result)
    {
        result = 0;
        if (t.SeccompMode == SeccompAbi.MODE_STRICT)
        {
            if (StrictAllows(nr)) return false;
            Kill(t, Signals.SIGKILL, wholeProcess: false);
            return true;
        }
        var chain = t.SeccompFilter;
        if (chain == null) return false;
        Span<ulong> data = stackalloc ulong[8];
        data[0] = (uint)nr | (ulong)SeccompAbi.AUDIT_ARCH_X86_64 << 32;
        data[1] = t.Regs.Rip;
        data[2] = t.A0; data[3] = t.A1; data[4] = t.A2; data[5] = t.A3; data[6] = t.A4; data[7] = t.A5;
        uint ret = chain.Evaluate(data);
        uint action = ret & SeccompAbi.RET_ACTION_FULL;
        int value = (int)(ret & SeccompAbi.RET_DATA);
        switch (action)
        {
            case SeccompAbi.RET_ALLOW:
            case SeccompAbi.RET_LOG:
                return false;
            case SeccompAbi.RET_ERRNO:
                result = -Math.Min(value, 4095); // MAX_ERRNO
                return true;
            case SeccompAbi.RET_TRACE:
            case SeccompAbi.RET_USER_NOTIF:
                // No tracer and no listener: the call is skipped with ENOSYS.
                result = -(long)Errno.ENOSYS;
                return true;
            case SeccompAbi.RET_TRAP:
                // The registers are rolled back (rax = the syscall number) and SIGSYS is forced.
                result = nr;
                t.Kernel.ForceSignal(t, SigsysInfo(t, nr, value));
                return true;
            case SeccompAbi.RET_KILL_THREAD:
                Kill(t, Signals.SIGSYS, wholeProcess: false);
                return true;
            default: // KILL_PROCESS and any unknown action
                Kill(t, Signals.SIGSYS, wholeProcess: true);
                return true;
        }
    }

    private static SignalInfo SigsysInfo(Task t, long nr, int data) => new(Signals.SIGSYS, SeccompAbi.SYS_SECCOMP)
    {
        Errno = data,
        Addr = t.Regs.Rip,
        Syscall = (int)nr,
        Arch = SeccompAbi.AUDIT_ARCH_X86_64,
    };

    /// <summary>Ends the thread, or the process when asked or when the thread is its last.</summary>
    private static void Kill(Task t, int sig, bool wholeProcess)
    {
        t.Kernel.Debug($"task {t.Tid}: seccomp kills the {(wholeProcess ? "process" : "thread")} at syscall {Linux.SyscallTable.Name((long)t.Regs.OrigRax)}");
        int live;
        lock (t.Kernel.Lock) live = t.Group.Tasks.Count(x => !x.Exiting);
        if (wholeProcess || live <= 1) t.BeginExit(new ExitStatus(0, sig));
        else t.ExitThread(new ExitStatus(0, sig));
    }
}
