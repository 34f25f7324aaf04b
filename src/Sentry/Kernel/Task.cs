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
}

/// <summary>
/// A thread of the application. It runs on its own OS thread for its whole life: ptrace
/// requests for its context must come from that thread.
/// </summary>
public sealed partial class Task
{
    public Task(Kernel kernel, int tid, MemoryManager mm, FdTable fds, Location root, Location cwd, Credentials creds)
    {
        Kernel = kernel; Tid = tid; Tgid = tid; Pgid = tid; Sid = tid; MM = mm; Fds = fds; Root = root; Cwd = cwd; Creds = creds;
        Fds.Limit = () => Rlimits[Rlimit.NOFILE].Cur;
    }

    public Kernel Kernel { get; }
    public int Tid { get; }
    public int Tgid { get; }
    public int Ppid { get; set; }
    public MemoryManager MM { get; }
    public FdTable Fds { get; }
    public Location Root { get; set; }
    public Location Cwd { get; set; }
    public Credentials Creds { get; set; }
    public uint Umask { get; set; } = 0x12; // 022
    public SignalHandlers SignalHandlers { get; } = new();
    public ulong SignalMask { get; set; }
    public StackT AltStack = new() { Flags = SigAltStack.SS_DISABLE };
    public Rlimits Rlimits { get; } = Rlimits.FromHost();
    public ulong ClearChildTid { get; set; }
    public ulong RobustList { get; set; }
    public string Comm { get; set; } = "";
    public bool Dumpable { get; set; } = true;
    public bool NoNewPrivs { get; set; }
    public int PdeathSignal { get; set; }
    public int Pgid { get; set; }
    public int Sid { get; set; }
    public string ExecPath { get; set; } = "";

    public UserRegs Regs;
    public IContext? Context { get; set; }

    public bool Exiting { get; private set; }
    public ExitStatus Exit { get; private set; }

    // Argument registers of the current syscall (x86-64 ABI order).
    public ulong A0 => Regs.Rdi;
    public ulong A1 => Regs.Rsi;
    public ulong A2 => Regs.Rdx;
    public ulong A3 => Regs.R10;
    public ulong A4 => Regs.R8;
    public ulong A5 => Regs.R9;

    /// <summary>Ends the task (exit_group for now: threads come with the processes issue).</summary>
    public void BeginExit(ExitStatus status)
    {
        if (Exiting) return;
        Exiting = true;
        Exit = status;
    }

    /// <summary>The task's loop: run the application until it traps, handle the trap, repeat.</summary>
    public ExitStatus Run()
    {
        var ctx = Context ?? throw new InvalidOperationException("task has no context");
        bool strace = Kernel.Options.Strace != null;
        while (!Exiting)
        {
            var stop = ctx.Switch(ref Regs);
            switch (stop.Reason)
            {
                case StopReason.Syscall:
                    if (strace) Syscalls.Strace.Dispatch(this);
                    else Syscalls.SyscallTable.Dispatch(this);
                    break;
                case StopReason.Fault:
                    HandleFault(stop);
                    break;
                case StopReason.Signal:
                    HandleHostSignal(stop.Signal);
                    break;
                case StopReason.Gone:
                    Kernel.Debug($"task {Tid}: platform context lost (signal {stop.Signal}, code {stop.Code})");
                    BeginExit(new ExitStatus(0, stop.Signal != 0 ? stop.Signal : Signals.SIGKILL));
                    break;
            }
        }
        Kernel.StraceLine(Exit.Signal != 0
            ? $"[pid {Tid}] +++ killed by {SignalNames.Name(Exit.Signal)}{(Exit.CoreDumped ? " (core dumped)" : "")} +++"
            : $"[pid {Tid}] +++ exited with {Exit.Code} +++");
        return Exit;
    }

    private void HandleFault(StopInfo stop)
    {
        // Signal delivery to application handlers arrives with the processes issue; until then
        // a synchronous fault ends the task the way the default action would.
        Kernel.Debug($"task {Tid}: {SignalNames.Name(stop.Signal)} code={stop.Code} addr=0x{stop.FaultAddress:x} rip=0x{Regs.Rip:x}");
        bool core = stop.Signal is Signals.SIGSEGV or Signals.SIGBUS or Signals.SIGILL or Signals.SIGFPE or Signals.SIGTRAP;
        BeginExit(new ExitStatus(0, stop.Signal, core));
    }

    private void HandleHostSignal(int sig)
    {
        var act = SignalHandlers.Actions[sig];
        if (act.Handler == SigAction.SIG_IGN || (act.Handler == SigAction.SIG_DFL && DefaultIgnored(sig)))
        {
            Kernel.Debug($"task {Tid}: host signal {SignalNames.Name(sig)} ignored");
            return;
        }
        Kernel.Debug($"task {Tid}: terminated by host signal {SignalNames.Name(sig)}");
        BeginExit(new ExitStatus(0, sig));
    }

    private static bool DefaultIgnored(int sig) => sig is Signals.SIGCHLD or Signals.SIGURG or Signals.SIGWINCH or Signals.SIGCONT;
}
