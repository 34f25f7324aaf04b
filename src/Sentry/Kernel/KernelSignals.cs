using Sandbox.Linux;

namespace Sandbox.Sentry.Kernel;

public sealed partial class Kernel
{
    /// <summary>Whether a signal would be thrown away at generation (ignored and not blocked anywhere it could wait).</summary>
    private static bool Discarded(ThreadGroup g, int sig, ulong blockedIn)
    {
        if (sig is Signals.SIGKILL or Signals.SIGSTOP) return false;
        if ((blockedIn & PendingSignals.Bit(sig)) != 0) return false;
        var h = g.Handlers.Actions[sig].Handler;
        return h == SigAction.SIG_IGN || (h == SigAction.SIG_DFL && Task.DefaultFor(sig) == Task.DefaultAction.Ignore);
    }

    /// <summary>A process-directed signal (kill(2)): any thread that does not block it takes it.</summary>
    public void SendToGroup(ThreadGroup g, SignalInfo info)
    {
        Task? target = null;
        lock (Lock)
        {
            if (g.Zombie || g.GroupExit != null || g.Pause) return;
            int sig = info.Signo;
            if (sig == 0) return;
            PrepareSignal(g, sig);
            if (sig == Signals.SIGKILL)
            {
                ExitGroupLocked(g, new ExitStatus(0, Signals.SIGKILL));
                return;
            }
            ulong allBlocked = ~0UL;
            foreach (var t in g.Tasks) allBlocked &= t.SignalMask;
            if (Discarded(g, sig, allBlocked)) return;
            g.SharedPending.Enqueue(info);
            foreach (var t in g.Tasks)
                if ((t.SignalMask & PendingSignals.Bit(sig)) == 0) { target = t; break; }
            // Blocked everywhere: it stays pending, but sigwait-style waiters must look.
            if (target == null) foreach (var t in g.Tasks) t.Wake();
        }
        target?.Interrupt();
    }

    /// <summary>A thread-directed signal (tgkill(2), faults).</summary>
    public void SendToTask(Task t, SignalInfo info)
    {
        lock (Lock)
        {
            var g = t.Group;
            if (g.Zombie || g.GroupExit != null || g.Pause) return;
            int sig = info.Signo;
            if (sig == 0) return;
            PrepareSignal(g, sig);
            if (sig == Signals.SIGKILL)
            {
                ExitGroupLocked(g, new ExitStatus(0, Signals.SIGKILL));
                return;
            }
            if (Discarded(g, sig, t.SignalMask)) return;
            t.Pending.Enqueue(info);
            if ((t.SignalMask & PendingSignals.Bit(sig)) != 0) { t.Wake(); return; }
        }
        t.Interrupt();
    }

    /// <summary>
    /// A synchronous fault's signal (force_sig_info): it cannot be blocked or ignored away; if
    /// it is, the action is reset to the default, which ends the process.
    /// </summary>
    public void ForceSignal(Task t, SignalInfo info)
    {
        lock (Lock)
        {
            int sig = info.Signo;
            var act = t.Group.Handlers.Actions[sig];
            bool blocked = (t.SignalMask & PendingSignals.Bit(sig)) != 0;
            if (blocked || act.Handler == SigAction.SIG_IGN)
            {
                t.Group.Handlers.Actions[sig] = default;
                t.SignalMask &= ~PendingSignals.Bit(sig);
            }
            t.Pending.Enqueue(info);
        }
    }

    /// <summary>Stop signals discard pending SIGCONT, SIGCONT discards pending stops and resumes (signal(7)).</summary>
    private void PrepareSignal(ThreadGroup g, int sig)
    {
        if (Task.DefaultFor(sig) == Task.DefaultAction.Stop)
        {
            g.SharedPending.Discard(Signals.SIGCONT);
            foreach (var t in g.Tasks) t.Pending.Discard(Signals.SIGCONT);
        }
        else if (sig == Signals.SIGCONT)
        {
            foreach (int s in new[] { Signals.SIGSTOP, Signals.SIGTSTP, Signals.SIGTTIN, Signals.SIGTTOU })
            {
                g.SharedPending.Discard(s);
                foreach (var t in g.Tasks) t.Pending.Discard(s);
            }
            if (g.Stopped)
            {
                g.Stopped = false;
                g.StopReportPending = false;
                g.ContinueReportPending = true;
                foreach (var t in g.Tasks) t.Wake();
                NotifyParent(g, SignalInfo.CLD_CONTINUED, Signals.SIGCONT);
            }
        }
    }

    /// <summary>Group stop: every thread parks until SIGCONT; the parent hears of it.</summary>
    public void StopGroup(ThreadGroup g, int sig)
    {
        lock (Lock)
        {
            if (g.GroupExit != null || g.Stopped) return;
            g.Stopped = true;
            g.StopSignal = sig;
            g.StopReportPending = true;
            g.ContinueReportPending = false;
            foreach (var t in g.Tasks) t.Interrupt();
            NotifyParent(g, SignalInfo.CLD_STOPPED, sig);
        }
    }

    /// <summary>exit_group(2) and fatal signals: every thread of the group ends with this status.</summary>
    public void ExitGroup(ThreadGroup g, ExitStatus status)
    {
        lock (Lock) ExitGroupLocked(g, status);
    }

    private void ExitGroupLocked(ThreadGroup g, ExitStatus status)
    {
        if (g.GroupExit != null) return;
        g.GroupExit = status;
        g.Stopped = false;
        foreach (var t in g.Tasks) t.Interrupt();
    }

    /// <summary>SIGCHLD (or the exit signal) and a wake-up for the parent's waiters. Caller holds Lock.</summary>
    private void NotifyParent(ThreadGroup g, int code, int status)
    {
        var p = g.Parent;
        if (p == null) return;
        p.ChildEvents.Notify();
        foreach (var t in p.Tasks) t.Wake();
        if (code is SignalInfo.CLD_STOPPED or SignalInfo.CLD_CONTINUED)
        {
            if ((p.Handlers.Actions[Signals.SIGCHLD].Flags & SaFlags.SA_NOCLDSTOP) != 0) return;
            SendToGroup(p, new SignalInfo(Signals.SIGCHLD, code) { Pid = g.Tgid, Status = status });
        }
    }
}
