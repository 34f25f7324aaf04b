using Sandbox.Linux;

namespace Sandbox.Sentry.Kernel;

/// <summary>
/// Orphaned process groups (POSIX.1 "orphaned process group"; Linux kernel/exit.c): a group
/// none of whose members has a parent in another group of the same session. Job control
/// cannot resume such a group, so the kernel hangs up its stopped members instead.
/// </summary>
public sealed partial class Kernel
{
    /// <summary>Whether group <paramref name="pgid"/> is (or, without <paramref name="ignore"/>, would be) orphaned. Caller holds Lock.</summary>
    internal bool IsOrphanedPgrp(int pgid, ThreadGroup? ignore)
    {
        foreach (var g in _groups.Values)
        {
            if (g.Pgid != pgid || g == ignore || g.Zombie) continue;
            // The sandbox's first process counts as linked: whoever started the sandbox is its
            // parent outside, as a shell is for a job it runs.
            var p = g.Parent;
            if (p == null || (p.Pgid != pgid && p.Sid == g.Sid)) return false;
        }
        return true;
    }

    private bool HasStoppedJobs(int pgid)
    {
        foreach (var g in _groups.Values)
            if (g.Pgid == pgid && g.Stopped && !g.Zombie) return true;
        return false;
    }

    /// <summary>
    /// kill_orphaned_pgrp(): <paramref name="member"/>'s group just lost <paramref name="link"/>
    /// (or, with link null, member itself is exiting and was the group's link to its parent).
    /// A newly orphaned group with a stopped member gets SIGHUP and SIGCONT. Caller holds Lock.
    /// </summary>
    private void HangUpIfOrphaned(ThreadGroup member, ThreadGroup? link)
    {
        ThreadGroup? ignore = null;
        if (link == null) { link = member.Parent; ignore = member; }
        if (link == null) return;
        int pgid = member.Pgid;
        if (link.Pgid == pgid || link.Sid != member.Sid) return;
        if (!IsOrphanedPgrp(pgid, ignore) || !HasStoppedJobs(pgid)) return;
        foreach (var g in _groups.Values.ToArray())
        {
            if (g.Pgid != pgid || g.Zombie) continue;
            SendToGroup(g, new SignalInfo(Signals.SIGHUP, SignalInfo.SI_KERNEL));
            SendToGroup(g, new SignalInfo(Signals.SIGCONT, SignalInfo.SI_KERNEL));
        }
    }
}
