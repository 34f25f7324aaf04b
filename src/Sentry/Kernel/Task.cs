using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Memory;
using Sandbox.Sentry.Platform;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Kernel;

/// <summary>How a task ended: an exit code, or the signal that killed it.</summary>
public readonly record struct ExitStatus(int Code, int Signal, bool CoreDumped = false)
{
    /// <summary>As a shell reports it: the code, or 128 + the signal.</summary>
    public int ShellCode => Signal != 0 ? 128 + Signal : Code;

    /// <summary>The wait(2) status word.</summary>
    public int WaitStatus => Signal != 0 ? (Signal & 0x7f) | (CoreDumped ? 0x80 : 0) : (Code & 0xff) << 8;
}

/// <summary>
/// A thread of the application. It runs on its own OS thread for its whole life: ptrace
/// requests for its context must come from that thread.
/// </summary>
public sealed partial class Task
{
    public Task(Kernel kernel, int tid, ThreadGroup group, MemoryManager mm, FdTable fds, FsContext fs, Credentials creds)
    {
        Kernel = kernel; Tid = tid; Group = group; MM = mm; Fds = fds; Fs = fs; Creds = creds;
        Fds.Limit = () => Group.Rlimits[Rlimit.NOFILE].Cur;
    }

    public Kernel Kernel { get; }
    public int Tid { get; private set; }

    /// <summary>execve from a non-leader thread: the thread takes over the process id as its own.</summary>
    internal void TakeLeaderId() => Tid = Tgid;
    public ThreadGroup Group { get; }
    public int Tgid => Group.Tgid;
    public int Ppid { get { lock (Kernel.Lock) return Group.Parent?.Tgid ?? 0; } }
    public MemoryManager MM { get; set; }
    public FdTable Fds { get; set; }
    public FsContext Fs { get; set; }
    public Location Root { get => Fs.Root; set => Fs.Root = value; }
    public Location Cwd { get => Fs.Cwd; set => Fs.Cwd = value; }
    public uint Umask { get => Fs.Umask; set => Fs.Umask = value; }
    public Credentials Creds { get; set; }
    public SignalHandlers SignalHandlers => Group.Handlers;
    public Rlimits Rlimits => Group.Rlimits;
    public int Pgid { get => Group.Pgid; set => Group.Pgid = value; }
    public int Sid { get => Group.Sid; set => Group.Sid = value; }

    /// <summary>Signals blocked by this thread (never SIGKILL or SIGSTOP).</summary>
    public ulong SignalMask { get; set; }
    /// <summary>Thread-directed pending signals (tgkill, faults). Guarded by Kernel.Lock.</summary>
    public PendingSignals Pending { get; } = new();
    /// <summary>sigsuspend/ppoll/pselect: the mask to restore once a handler has been set up.</summary>
    public ulong? SavedMask { get; set; }
    public StackT AltStack = new() { Flags = SigAltStack.SS_DISABLE };

    public ulong ClearChildTid { get; set; }
    public ulong RobustList { get; set; }
    public string Comm { get; set; } = "";
    /// <summary>When the task was created (/proc/PID/stat starttime).</summary>
    public DateTimeOffset StartTime { get; } = DateTimeOffset.UtcNow;
    public string ExecPath { get => Group.ExecPath; set => Group.ExecPath = value; }
    public bool Dumpable { get; set; } = true;
    public bool NoNewPrivs { get; set; }
    /// <summary>seccomp(2): SECCOMP_MODE_* and the filters attached (newest first); fork, clone and execve keep both.</summary>
    public int SeccompMode { get; set; }
    public Seccomp.SeccompFilter? SeccompFilter { get; set; }
    /// <summary>sched_setaffinity's mask as the program set it (null: all of the sandbox's CPUs). The host placement stays the Sentry's.</summary>
    public byte[]? Affinity { get; set; }
    public int PdeathSignal { get; set; }

    public UserRegs Regs;
    public IContext? Context { get; set; }

    /// <summary>True while the thread runs application code on the platform (so a signal must interrupt it).</summary>
    public volatile bool InApp;

    /// <summary>What the task is doing, for `sandbox` debugging dumps (SIGUSR1 to the Sentry).</summary>
    public volatile string State = "starting";

    /// <summary>This task's own exit (exit(2) of one thread); see also Group.GroupExit.</summary>
    public bool Exiting { get; private set; }
    public ExitStatus Exit { get; private set; }

    /// <summary>Set for a vfork child until it execs or exits; its parent waits on it.</summary>
    public TaskCompletionSource? VforkDone { get; set; }

    // Argument registers of the current syscall (x86-64 ABI order).
    public ulong A0 => Regs.Rdi;
    public ulong A1 => Regs.Rsi;
    public ulong A2 => Regs.Rdx;
    public ulong A3 => Regs.R10;
    public ulong A4 => Regs.R8;
    public ulong A5 => Regs.R9;

    /// <summary>exit(2): this thread ends.</summary>
    public void ExitThread(ExitStatus status)
    {
        if (Exiting) return;
        Exiting = true;
        Exit = status;
    }

    /// <summary>exit_group(2) or a fatal signal: every thread of the process ends.</summary>
    public void BeginExit(ExitStatus status) => Kernel.ExitGroup(Group, status);

    /// <summary>Makes the task look at its signals now: ends a wait, or interrupts application code.</summary>
    public void Interrupt()
    {
        Wake();
        if (InApp) Context?.Interrupt();
    }

    public override string ToString() => $"task {Tid}";

    /// <summary>The task whose OS thread this is (each task runs on its own thread).</summary>
    [ThreadStatic] private static Task? _current;
    public static Task? Current => _current;
    public void BindToThread() => _current = this;
}
