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
        ExitRobustList(t);
        // The tid is gone before anyone waiting on clear_child_tid (pthread_join) can look it up.
        lock (Lock) _tasks.Remove(t.Tid);
        if (t.ClearChildTid != 0 && t.MM.Users > 1)
        {
            if (t.MM.Write(t.ClearChildTid, 0) == 0) Futexes.Wake(t, t.ClearChildTid, 1, Linux.Abi.Futex.BITSET_MATCH_ANY, isPrivate: false);
        }
        t.VforkDone?.TrySetResult();
        t.VforkDone = null;
        t.Fds.Release();
        if (g.Tasks.Count == 1 && t.MM.Platform is { HostPid: > 0 } space)
        {
            var (u, s) = HostCpuTicks(space.HostPid);
            g.UserTicks = u; g.SysTicks = s;
            g.MaxRssKb = HostPeakRssKb(space.HostPid);
        }
        else if (t.MM.Platform is { HostPid: 0 } && t.Context is { HostTid: > 0 } ctx)
        {
            var (u, s) = HostThreadCpuTicks(ctx.HostTid);
            Interlocked.Add(ref g.EndedThreadUserTicks, u);
            Interlocked.Add(ref g.EndedThreadSysTicks, s);
            if (g.Tasks.Count == 1)
            {
                g.UserTicks = Volatile.Read(ref g.EndedThreadUserTicks); g.SysTicks = Volatile.Read(ref g.EndedThreadSysTicks);
                ulong rss = 0;
                foreach (var v in t.MM.Vmas) rss += t.MM.File.PopulatedBytes(v.FileOffset, v.Length);
                g.MaxRssKb = (long)(rss / 1024); // what is resident at the end: no host process keeps a peak
            }
        }
        // A thread that leaves a live address space makes its stub thread exit; the first
        // thread of a stub cannot, and stays until the address space ends (Reap below).
        bool linger = t.MM.Users > 1 && t.Context != null && !t.Context.Retire();
        t.MM.Release();
        t.ReleaseHostResources();
        lock (Lock)
        {
            _tasks.Remove(t.Tid);
            g.Tasks.Remove(t);
            foreach (var other in g.Tasks) other.Wake(); // an exec may be waiting for the others to go
            // Decided now, not when this thread began exiting: an exit_group may have come since.
            status = g.GroupExit ?? t.Exit;
            if (g.Tasks.Count == 0)
            {
                // SEM_UNDO adjustments go back before the parent can see the exit (semop(2)).
                _ipc?.Sem.ExitUndo(g);
                GroupExited(g, status);
            }
        }
        if (linger) t.Context!.Reap();
        if (g.Tasks.Count > 0) return;
        Debug($"task {t.Tid}: exit complete");
        string how = status.Signal != 0 ? $"killed by {SignalNames.Name(status.Signal)}" : $"exited with {status.Code}";
        StraceLine($"[pid {t.Tid}] +++ {how} +++");
    }

    private const uint FUTEX_WAITERS = 0x80000000, FUTEX_OWNER_DIED = 0x40000000, FUTEX_TID_MASK = 0x3fffffff;

    /// <summary>
    /// Robust futexes (set_robust_list(2)): every lock the thread still holds is marked
    /// FUTEX_OWNER_DIED and one waiter is woken, so the next locker sees EOWNERDEAD.
    /// </summary>
    private void ExitRobustList(Task t)
    {
        if (t.RobustList == 0) return;
        ulong head = t.RobustList;
        if (t.MM.Read(head, out ulong next) < 0) return;
        if (t.MM.Read(head + 8, out long futexOffset) < 0) return;
        if (t.MM.Read(head + 16, out ulong pending) < 0) return;
        int limit = 2048; // ROBUST_LIST_LIMIT
        void Handle(ulong entry)
        {
            ulong uaddr = (ulong)((long)(entry & ~1UL) + futexOffset);
            if (t.MM.Read(uaddr, out uint word) < 0) return;
            if ((word & FUTEX_TID_MASK) != (uint)t.Tid) return;
            uint nw = (word & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
            if (t.MM.Write(uaddr, nw) < 0) return;
            if ((word & FUTEX_WAITERS) != 0) Futexes.Wake(t, uaddr, 1, Linux.Abi.Futex.BITSET_MATCH_ANY, isPrivate: false);
        }
        while (next != head && next != 0 && limit-- > 0)
        {
            ulong entry = next;
            if (t.MM.Read(entry, out next) < 0) break;
            if (entry != pending) Handle(entry);
        }
        if (pending != 0) Handle(pending);
    }

    /// <summary>The last thread is gone. Caller holds Lock.</summary>
    private void GroupExited(ThreadGroup g, ExitStatus status)
    {
        g.Zombie = true;
        g.DisposeTimers();
        if (g.Tty != null && g.Sid == g.Tgid) ReleaseControllingTerminal(g, onExit: true);
        g.FinalStatus = status;
        // Children whose parent-death signal is set hear of it (prctl(PR_SET_PDEATHSIG)).
        foreach (var c in g.Children)
            foreach (var ct in c.Tasks)
                if (ct.PdeathSignal != 0) SendToTask(ct, new SignalInfo(ct.PdeathSignal, SignalInfo.SI_USER) { Pid = g.Tgid });
        var children = g.Children.ToArray();
        // Orphans go to the nearest subreaper, else the sandbox's init (PID 1), as in a PID namespace.
        if (g.Children.Count > 0 && Options.Pod)
            AdoptOrphansInPod(g);
        else if (g.Children.Count > 0 && Init != null && Init != g)
        {
            var reaper = g.Parent;
            while (reaper != null && !(reaper.ChildSubreaper && !reaper.Zombie)) reaper = reaper.Parent;
            reaper ??= Init;
            foreach (var c in g.Children)
            {
                c.Parent = reaper;
                reaper.Children.Add(c);
                // A zombie handed over must still be reported to its new parent.
                if (c.Zombie && c.ExitSignal != 0)
                    SendToGroup(reaper, new SignalInfo(c.ExitSignal, SignalInfo.CLD_EXITED) { Pid = c.Tgid, Status = c.FinalStatus.Code });
            }
            g.Children.Clear();
            reaper.ChildEvents.Notify();
            foreach (var t in reaper.Tasks) t.Wake();
        }
        if (g != Init)
        {
            foreach (var c in children)
                if (!c.Zombie) HangUpIfOrphaned(c, g);
            HangUpIfOrphaned(g, null);
        }
        if (g == Init)
        {
            // The sandbox ends with its first process: everything else is killed.
            InitStatus = status;
            foreach (var other in _groups.Values)
                if (other != g) ExitGroupLocked(other, new ExitStatus(0, Signals.SIGKILL));
            return;
        }
        if (g.Container is { } container && container.Init == g)
        {
            // The container ends with its first process: the rest of it is killed.
            foreach (var other in _groups.Values)
                if (other != g && other.Container == container && !other.Zombie) ExitGroupLocked(other, new ExitStatus(0, Signals.SIGKILL));
        }
        var p = g.Parent;
        if (p == null)
        {
            // A pod's controller started it: nobody in the sandbox waits for it.
            if (Options.Pod)
            {
                Reap(g);
                g.OnExit?.Invoke(status);
            }
            return;
        }
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

    /// <summary>User and system CPU time of a host process in clock ticks (/proc/PID/stat fields 14, 15).</summary>
    public static (long User, long Sys) HostCpuTicks(int pid) => CpuTicksFrom($"{pid}/stat");

    /// <summary>
    /// The application's share of a thread of the Sentry's own process that runs a vCPU: its
    /// guest time as user time and its host kernel time as system time. The Sentry's own work
    /// on that thread is left out, as it is for a ptrace stub. (/proc/PID/stat of a thread id
    /// would sum the whole process.)
    /// </summary>
    public static (long User, long Sys) HostThreadCpuTicks(int tid)
    {
        try
        {
            string? stat = Linux.Native.HostProc.ReadAllText($"self/task/{tid}/stat");
            if (stat == null) return (0, 0);
            var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(f[40]) /* guest_time */, long.Parse(f[12]) /* stime */);
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return (0, 0);
        }
    }

    /// <summary>
    /// User and system ticks of a process: its stub's, or where it has no host process of its
    /// own (kvm: each thread runs in a Sentry thread) those of its threads' host threads, the
    /// ended ones included.
    /// </summary>
    public static (long User, long Sys) ProcessCpuTicks(ThreadGroup g, Platform.IAddressSpace? space)
    {
        if (space is { HostPid: > 0 }) return HostCpuTicks(space.HostPid);
        if (space == null) return (0, 0);
        long u = Volatile.Read(ref g.EndedThreadUserTicks), s = Volatile.Read(ref g.EndedThreadSysTicks);
        Task[] tasks;
        lock (g.Kernel.Lock) tasks = g.Tasks.ToArray();
        foreach (var t in tasks)
            if (t.Context is { HostTid: > 0 } c)
            {
                var (a, b) = HostThreadCpuTicks(c.HostTid);
                u += a; s += b;
            }
        return (u, s);
    }

    private static (long User, long Sys) CpuTicksFrom(string path)
    {
        try
        {
            string? stat = Linux.Native.HostProc.ReadAllText(path);
            if (stat == null) return (0, 0);
            var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(f[11]), long.Parse(f[12]));
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return (0, 0);
        }
    }

    /// <summary>VmHWM of a host process in KiB.</summary>
    public static long HostPeakRssKb(int pid)
    {
        try
        {
            foreach (var line in (Linux.Native.HostProc.ReadAllText($"{pid}/status") ?? "").Split('\n'))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0]);
        }
        catch (FormatException) { }
        return 0;
    }

    /// <summary>Removes a zombie from the tree and frees its id; its CPU time goes to the parent. Caller holds Lock.</summary>
    public void Reap(ThreadGroup g)
    {
        if (g.Parent is { } p)
        {
            p.ChildUserTicks += g.UserTicks + g.ChildUserTicks;
            p.ChildSysTicks += g.SysTicks + g.ChildSysTicks;
            p.ChildMaxRssKb = Math.Max(p.ChildMaxRssKb, Math.Max(g.MaxRssKb, g.ChildMaxRssKb));
        }
        g.Parent?.Children.Remove(g);
        _groups.Remove(g.Tgid);
    }
}
