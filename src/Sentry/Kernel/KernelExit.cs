using Sandbox.Linux;

namespace Sandbox.Sentry.Kernel;

public sealed partial class Kernel
{
    /// <summary>
    /// A task's thread is done: clear_child_tid, release what it held, and if it was the last
    /// thread, the process becomes a zombie for its parent (or is reaped at once).
    /// </summary>
    private void TaskExited(Task t)
    {
        var g = t.Group;
        var status = g.GroupExit ?? t.Exit;
        if (t.ClearChildTid != 0 && t.MM.Users > 1)
        {
            if (t.MM.Write(t.ClearChildTid, 0) == 0) Futexes.Wake(t, t.ClearChildTid, 1, Linux.Abi.Futex.BITSET_MATCH_ANY);
        }
        t.VforkDone?.TrySetResult();
        t.VforkDone = null;
        t.Fds.Release();
        // A thread that leaves a live address space makes its stub thread exit; the first
        // thread of a stub cannot, and stays until the address space ends (Reap below).
        bool linger = t.MM.Users > 1 && t.Context != null && !t.Context.Retire();
        t.MM.Release();
        t.ReleaseHostResources();
        lock (Lock)
        {
            _tasks.Remove(t.Tid);
            g.Tasks.Remove(t);
            if (g.Tasks.Count == 0) GroupExited(g, status);
        }
        if (linger) t.Context!.Reap();
        if (g.Tasks.Count > 0) return;
        Debug($"task {t.Tid}: exit complete");
        string how = status.Signal != 0 ? $"killed by {SignalNames.Name(status.Signal)}" : $"exited with {status.Code}";
        StraceLine($"[pid {t.Tid}] +++ {how} +++");
    }

    /// <summary>The last thread is gone. Caller holds Lock.</summary>
    private void GroupExited(ThreadGroup g, ExitStatus status)
    {
        g.Zombie = true;
        g.DisposeTimers();
        g.FinalStatus = status;
        // Orphans go to the sandbox's init (PID 1), as in a PID namespace.
        if (g.Children.Count > 0 && Init != null && Init != g)
        {
            foreach (var c in g.Children)
            {
                c.Parent = Init;
                Init.Children.Add(c);
            }
            g.Children.Clear();
            Init.ChildEvents.Notify();
            foreach (var t in Init.Tasks) t.Wake();
        }
        if (g == Init)
        {
            // The sandbox ends with its first process: everything else is killed.
            InitStatus = status;
            foreach (var other in _groups.Values)
                if (other != g) ExitGroupLocked(other, new ExitStatus(0, Signals.SIGKILL));
            return;
        }
        var p = g.Parent;
        if (p == null) return;
        var chld = p.Handlers.Actions[Signals.SIGCHLD];
        bool autoReap = g.ExitSignal == Signals.SIGCHLD &&
            (chld.Handler == SigAction.SIG_IGN || (chld.Flags & SaFlags.SA_NOCLDWAIT) != 0);
        if (autoReap)
        {
            Reap(g);
            p.ChildEvents.Notify();
            return;
        }
        p.ChildEvents.Notify();
        foreach (var t in p.Tasks) t.Wake();
        if (g.ExitSignal != 0)
        {
            int code = status.Signal == 0 ? SignalInfo.CLD_EXITED : status.CoreDumped ? SignalInfo.CLD_DUMPED : SignalInfo.CLD_KILLED;
            SendToGroup(p, new SignalInfo(g.ExitSignal, code) { Pid = g.Tgid, Status = status.Signal != 0 ? status.Signal : status.Code });
        }
    }

    /// <summary>Removes a zombie from the tree and frees its id. Caller holds Lock.</summary>
    public void Reap(ThreadGroup g)
    {
        g.Parent?.Children.Remove(g);
        _groups.Remove(g.Tgid);
    }
}
