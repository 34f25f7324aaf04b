using Sandbox.Linux;

namespace Sandbox.Sentry.Kernel;

public sealed partial class Kernel
{
    /// <summary>
    /// In a pod, orphans go to the nearest subreaper, else to their container's first process
    /// (its PID 1 as far as reparenting goes), else nobody: a parentless orphan is reaped as
    /// soon as it ends. Caller holds Lock.
    /// </summary>
    private void AdoptOrphansInPod(ThreadGroup g)
    {
        var reaper = g.Parent;
        while (reaper != null && !(reaper.ChildSubreaper && !reaper.Zombie)) reaper = reaper.Parent;
        if (reaper == null && g.Container?.Init is { Zombie: false, GroupExit: null } init && init != g) reaper = init;
        foreach (var c in g.Children)
        {
            c.Parent = reaper;
            if (reaper == null)
            {
                if (c.Zombie) Reap(c);
                continue;
            }
            reaper.Children.Add(c);
            if (c.Zombie && c.ExitSignal != 0)
                SendToGroup(reaper, new SignalInfo(c.ExitSignal, SignalInfo.CLD_EXITED) { Pid = c.Tgid, Status = c.FinalStatus.Code });
        }
        g.Children.Clear();
        if (reaper == null) return;
        reaper.ChildEvents.Notify();
        foreach (var t in reaper.Tasks) t.Wake();
    }

    /// <summary>Kills every process of a container (Destroy, a pod's shutdown).</summary>
    public void KillContainer(Container c)
    {
        lock (Lock)
            foreach (var g in _groups.Values)
                if (g.Container == c && !g.Zombie) ExitGroupLocked(g, new ExitStatus(0, Signals.SIGKILL));
    }

    /// <summary>Whether any process of the container is still alive.</summary>
    public bool ContainerHasProcesses(Container c)
    {
        lock (Lock)
            foreach (var g in _groups.Values)
                if (g.Container == c && !g.Zombie) return true;
        return false;
    }

    /// <summary>How many threads run now (0 once every process has ended).</summary>
    public int LiveThreads => Volatile.Read(ref _liveThreads);
}
