using Sandbox.Linux;

namespace Sandbox.Sentry.Kernel;

/// <summary>What wait4/waitid found.</summary>
public readonly record struct WaitResult(int Pid, int Code, int Status, ExitStatus Exit, long UserTicks, long SysTicks, long MaxRssKb = 0);

public sealed partial class Kernel
{
    public const int WNOHANG = 1, WUNTRACED = 2, WEXITED = 4, WCONTINUED = 8, WNOWAIT = 0x01000000,
        __WNOTHREAD = 0x20000000, __WALL = 0x40000000, __WCLONE = unchecked((int)0x80000000);

    /// <summary>Which children a wait is for: wait4's pid argument, or waitid's idtype/id.</summary>
    public readonly record struct WaitTarget(int Kind, int Id)
    {
        public const int Any = 0, Pid = 1, Pgid = 2;
    }

    /// <summary>
    /// wait4/waitid: blocks (unless WNOHANG) until a matching child has an event the options
    /// ask for. Returns the result, null for WNOHANG with nothing ready, or -errno in Error.
    /// </summary>
    public WaitResult? Wait(Task t, WaitTarget target, int options, out int error)
    {
        error = 0;
        var me = t.Group;
        WaitResult? found = null;
        bool any = false;
        bool Check()
        {
            lock (Lock)
            {
                any = false;
                var groups = new List<ThreadGroup> { me };
                if ((options & __WNOTHREAD) == 0) { } // threads share the group's children here
                foreach (var c in me.Children.ToList())
                {
                    if (!Matches(c, target)) continue;
                    // __WCLONE selects children that report with a signal other than SIGCHLD.
                    bool clone = c.ExitSignal != Signals.SIGCHLD;
                    if ((options & __WALL) == 0 && clone != ((options & __WCLONE) != 0)) continue;
                    any = true;
                    if (c.Zombie && (options & WEXITED) != 0)
                    {
                        var s = c.FinalStatus;
                        int code = s.Signal == 0 ? SignalInfo.CLD_EXITED : s.CoreDumped ? SignalInfo.CLD_DUMPED : SignalInfo.CLD_KILLED;
                        found = new WaitResult(c.Tgid, code, s.Signal != 0 ? s.Signal : s.Code, s, c.UserTicks + c.ChildUserTicks, c.SysTicks + c.ChildSysTicks, Math.Max(c.MaxRssKb, c.ChildMaxRssKb));
                        if ((options & WNOWAIT) == 0) Reap(c);
                        return true;
                    }
                    if (c.StopReportPending && (options & WUNTRACED) != 0)
                    {
                        found = new WaitResult(c.Tgid, SignalInfo.CLD_STOPPED, c.StopSignal, default, 0, 0);
                        if ((options & WNOWAIT) == 0) c.StopReportPending = false;
                        return true;
                    }
                    if (c.ContinueReportPending && (options & WCONTINUED) != 0)
                    {
                        found = new WaitResult(c.Tgid, SignalInfo.CLD_CONTINUED, Signals.SIGCONT, default, 0, 0);
                        if ((options & WNOWAIT) == 0) c.ContinueReportPending = false;
                        return true;
                    }
                }
                return !any;
            }
        }
        while (true)
        {
            if (Check())
            {
                if (found != null) return found;
                error = (int)Errno.ECHILD;
                return null;
            }
            if ((options & WNOHANG) != 0) return null;
            var r = t.BlockUntil(Check, -1, me.ChildEvents);
            if (r == BlockResult.Interrupted) { error = (int)Errno.ERESTARTSYS; return null; }
            if (found != null) return found;
            if (!any) { error = (int)Errno.ECHILD; return null; }
        }
    }

    private static bool Matches(ThreadGroup c, WaitTarget w) => w.Kind switch
    {
        WaitTarget.Any => true,
        WaitTarget.Pid => c.Tgid == w.Id,
        _ => c.Pgid == w.Id,
    };
}
