using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Kernel;

/// <summary>
/// A process: the thread group its tasks belong to, its place in the process tree, its signal
/// dispositions and process-directed pending signals, limits, ids and exit state. Fields are
/// guarded by <see cref="Kernel.Lock"/> unless said otherwise.
/// </summary>
public sealed class ThreadGroup
{
    public ThreadGroup(Kernel kernel, int tgid)
    {
        Kernel = kernel; Tgid = tgid; Pgid = tgid; Sid = tgid;
    }

    public Kernel Kernel { get; }

    /// <summary>The pod container this process runs in (inherited by fork); null outside a pod.</summary>
    public Container? Container { get; set; }

    /// <summary>
    /// For a process a pod's controller started (it has no parent in the sandbox): told its
    /// exit status once it is gone. Called with the kernel lock held: it must not block.
    /// </summary>
    public Action<ExitStatus>? OnExit { get; set; }

    /// <summary>A pod's PID 1 that never runs (see Pod.AddPauseProcess): signals do not reach it.</summary>
    public bool Pause { get; init; }
    public int Tgid { get; }
    public ThreadGroup? Parent { get; set; }
    public List<ThreadGroup> Children { get; } = new();
    public List<Task> Tasks { get; } = new();
    public Task? Leader => Tasks.Count > 0 ? Tasks[0] : _leader;
    private Task? _leader;
    public void SetLeader(Task t) => _leader = t;

    public int Pgid { get; set; }
    public int Sid { get; set; }

    /// <summary>The controlling terminal (inherited by fork, dropped by setsid). Kernel lock.</summary>
    public Vfs.Tty.Pty? Tty { get; set; }
    public SignalHandlers Handlers { get; set; } = new();
    public PendingSignals SharedPending { get; } = new();
    public Rlimits Rlimits { get; set; } = Rlimits.FromHost();

    /// <summary>The signal the parent gets when this process ends (clone's CSIGNAL; usually SIGCHLD).</summary>
    public int ExitSignal { get; set; } = Linux.Signals.SIGCHLD;

    /// <summary>Set once the whole group is going away (exit_group, fatal signal, exec's de-thread).</summary>
    public ExitStatus? GroupExit { get; set; }

    /// <summary>All tasks have exited; the parent may reap it.</summary>
    public bool Zombie { get; set; }
    public ExitStatus FinalStatus { get; set; }

    /// <summary>Job control: stopped by a stop signal, with the signal; and a pending report for wait.</summary>
    public bool Stopped { get; set; }
    public int StopSignal { get; set; }
    public bool StopReportPending { get; set; }
    public bool ContinueReportPending { get; set; }

    /// <summary>Children's events (exit, stop, continue) wake waiters here.</summary>
    public WaitQueue ChildEvents { get; } = new();

    /// <summary>CPU time of reaped children, in clock ticks (times(2), getrusage RUSAGE_CHILDREN).</summary>
    public long ChildUserTicks, ChildSysTicks;

    /// <summary>The process's own CPU time, recorded when its last thread ends (clock ticks).</summary>
    public long UserTicks, SysTicks;
    /// <summary>CPU ticks of threads that have ended, where threads have no host process of their own (kvm).</summary>
    public long EndedThreadUserTicks, EndedThreadSysTicks;
    /// <summary>Peak resident set (KiB) of the process, and the largest of its reaped children.</summary>
    public long MaxRssKb, ChildMaxRssKb;

    /// <summary>The program this process runs (for /proc/PID/exe later, and diagnostics).</summary>
    public string ExecPath { get; set; } = "";

    public bool IsInit => Parent == null;

    /// <summary>prctl(PR_SET_CHILD_SUBREAPER): orphaned descendants are re-parented here.</summary>
    public bool ChildSubreaper { get; set; }

    /// <summary>The process has called execve (setpgid on it from the parent then fails with EACCES).</summary>
    public bool DidExec { get; set; }

    /// <summary>setitimer's ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF (lock the group to use).</summary>
    public IntervalTimer?[] ITimers { get; } = new IntervalTimer?[3];
    /// <summary>timer_create's timers by id.</summary>
    public Dictionary<int, IntervalTimer> PosixTimers { get; } = new();
    public int NextTimerId { get; set; }
    /// <summary>timer_getoverrun's answer per timer id.</summary>
    public Dictionary<int, Func<int>> TimerSignals { get; } = new();

    /// <summary>Stops every timer (the process is gone).</summary>
    public void DisposeTimers()
    {
        lock (this)
        {
            foreach (var t in ITimers) t?.Dispose();
            foreach (var t in PosixTimers.Values) t.Dispose();
            PosixTimers.Clear();
        }
    }

    public override string ToString() => $"tg {Tgid}";
}
