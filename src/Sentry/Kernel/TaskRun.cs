using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Platform;

namespace Sandbox.Sentry.Kernel;

public sealed partial class Task
{
    /// <summary>-ERESTART* left in rax by the last syscall, to be resolved when signals are handled.</summary>
    private long _restartCode;
    private bool _restarting;

    /// <summary>The task's loop: handle signals, run the application until it traps, handle the trap.</summary>
    public void Run()
    {
        bool strace = Kernel.Options.Strace != null;
        while (true)
        {
            // A stopped process acts on nothing but SIGKILL and SIGCONT (signal(7)).
            if (Group.Stopped && Group.GroupExit == null)
            {
                BlockUntil(() => !Group.Stopped || Group.GroupExit != null, interruptible: false);
                continue;
            }
            HandleSignals();
            if (Exiting || Group.GroupExit != null) break;
            if (Group.Stopped) continue;
            InApp = true;
            State = "in application";
            var stop = Context!.Switch(ref Regs);
            InApp = false;
            State = stop.Reason == StopReason.Syscall ? $"syscall {Linux.SyscallTable.Name((long)Regs.OrigRax)}" : stop.Reason.ToString();
            switch (stop.Reason)
            {
                case StopReason.Syscall:
                    RestartedSyscall = _restarting;
                    _restarting = false;
                    if (strace) Syscalls.Strace.Dispatch(this);
                    else Syscalls.SyscallTable.Dispatch(this);
                    long rax = (long)Regs.Rax;
                    if (rax <= -(long)Errno.ERESTARTSYS && rax >= -(long)Errno.ERESTART_RESTARTBLOCK) _restartCode = -rax;
                    break;
                case StopReason.Fault:
                    HandleFault(stop);
                    break;
                case StopReason.Signal:
                    break; // an interrupt: the signals are looked at on the next turn
                case StopReason.Gone:
                    Kernel.Debug($"task {Tid}: platform context lost (signal {stop.Signal}, code {stop.Code})");
                    BeginExit(new ExitStatus(0, Signals.SIGKILL));
                    break;
            }
        }
    }

    private void HandleFault(StopInfo stop)
    {
        if (stop.Signal == Signals.SIGSEGV && MM.HandleFault(stop.FaultAddress, stop.Code, Regs.Rip, Rlimits[Linux.Abi.Rlimit.STACK].Cur))
            return;
        Kernel.Debug($"task {Tid}: {SignalNames.Name(stop.Signal)} code={stop.Code} addr=0x{stop.FaultAddress:x} rip=0x{Regs.Rip:x}");
        var info = new SignalInfo(stop.Signal, stop.Code) { Addr = stop.FaultAddress };
        if (stop.Signal == Signals.SIGTRAP && stop.Code <= 0) info = new SignalInfo(Signals.SIGTRAP, SignalInfo.SI_KERNEL);
        Kernel.ForceSignal(this, info);
    }

    /// <summary>
    /// Resolves a pending syscall restart when no handler runs: the syscall instruction is
    /// executed again (rip points after the 2-byte `syscall`).
    /// </summary>
    /// <summary>The syscall now running is a restart of an interrupted one.</summary>
    public bool RestartedSyscall { get; private set; }
    /// <summary>An interrupted sleep's deadline (CLOCK_MONOTONIC ns), for its restart.</summary>
    public long SleepDeadline { get; set; }

    private void RestartIfPending()
    {
        if (_restartCode == 0) return;
        _restartCode = 0;
        _restarting = true;
        Regs.Rax = Regs.OrigRax;
        Regs.Rip -= 2;
    }

    /// <summary>For a handler about to run: EINTR, or restart per SA_RESTART (signal(7)).</summary>
    private void ResolveRestartForHandler(ulong saFlags)
    {
        if (_restartCode == 0) return;
        bool restart = _restartCode switch
        {
            (long)Errno.ERESTARTNOINTR => true,
            (long)Errno.ERESTARTSYS => (saFlags & SaFlags.SA_RESTART) != 0,
            _ => false,
        };
        if (restart) RestartIfPending();
        else { Regs.Rax = unchecked((ulong)-(long)Errno.EINTR); _restartCode = 0; }
    }

    private bool HasWakingSignal()
    {
        if (Group.GroupExit != null || Exiting) return true;
        lock (Kernel.Lock)
            return ((Pending.Mask | Group.SharedPending.Mask) & ~SignalMask) != 0;
    }
}

public static class SaFlags
{
    public const ulong SA_NOCLDSTOP = 1, SA_NOCLDWAIT = 2, SA_SIGINFO = 4, SA_RESTORER = 0x04000000,
        SA_ONSTACK = 0x08000000, SA_RESTART = 0x10000000, SA_NODEFER = 0x40000000, SA_RESETHAND = 0x80000000;
}
