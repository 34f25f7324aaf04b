using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Syscalls;

/// <summary>kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo.</summary>
internal static unsafe class KillCalls
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Kill] = &Kill;
        t[Sysno.Tkill] = &Tkill;
        t[Sysno.Tgkill] = &Tgkill;
        t[Sysno.RtSigqueueinfo] = &RtSigqueueinfo;
        t[Sysno.RtTgsigqueueinfo] = &RtTgsigqueueinfo;
    }

    private static bool ValidSignal(int sig) => sig >= 0 && sig <= Signals.NSIG;

    private static SignalInfo UserInfo(Task t, int sig, int code) => new(sig, code) { Pid = t.Tgid, Uid = t.Creds.Uid };

    /// <summary>check_kill_permission(): same uid (real or effective against real or saved), CAP_KILL, or SIGCONT within the session.</summary>
    private static bool MaySignal(Task t, Task? target, int sig)
    {
        if (target == null || target.Group == t.Group) return true;
        var c = t.Creds;
        if (c.Has(Cap.KILL)) return true;
        var tc = target.Creds;
        if (c.Euid == tc.Suid || c.Euid == tc.Uid || c.Uid == tc.Suid || c.Uid == tc.Uid) return true;
        return sig == Signals.SIGCONT && target.Sid == t.Sid;
    }

    private static long Kill(Task t)
    {
        int pid = (int)t.A0, sig = (int)t.A1;
        if (!ValidSignal(sig)) return Err.EINVAL;
        var k = t.Kernel;
        if (pid > 0)
        {
            var g = k.FindGroup(pid);
            if (g == null) return Err.ESRCH;
            if (!MaySignal(t, g.Leader, sig)) return Err.EPERM;
            k.SendToGroup(g, UserInfo(t, sig, SignalInfo.SI_USER));
            return 0;
        }
        // 0: our process group; -1: everyone but init and ourselves; < -1: group -pid.
        int pgid = pid == 0 ? t.Pgid : -pid;
        bool found = false, sent = false;
        foreach (var g in k.Groups())
        {
            if (g.Zombie) continue;
            if (pid == -1 ? g.IsInit || g == t.Group : g.Pgid != pgid) continue;
            found = true;
            if (!MaySignal(t, g.Leader, sig)) continue;
            sent = true;
            k.SendToGroup(g, UserInfo(t, sig, SignalInfo.SI_USER));
        }
        return sent ? 0 : found ? Err.EPERM : Err.ESRCH;
    }

    private static long Tkill(Task t) => ThreadKill(t, -1, (int)t.A0, (int)t.A1);
    private static long Tgkill(Task t) => (int)t.A0 <= 0 ? Err.EINVAL : ThreadKill(t, (int)t.A0, (int)t.A1, (int)t.A2);

    /// <summary>tkill (tgid -1: any process) and tgkill.</summary>
    private static long ThreadKill(Task t, int tgid, int tid, int sig)
    {
        if (tid <= 0) return Err.EINVAL;
        if (!ValidSignal(sig)) return Err.EINVAL;
        var target = t.Kernel.FindTask(tid);
        if (target == null || (tgid != -1 && target.Tgid != tgid)) return Err.ESRCH;
        if (!MaySignal(t, target, sig)) return Err.EPERM;
        t.Kernel.SendToTask(target, UserInfo(t, sig, SignalInfo.SI_TKILL));
        return 0;
    }

    private static long RtSigqueueinfo(Task t) => QueueInfo(t, (int)t.A0, -1, (int)t.A1, t.A2);
    private static long RtTgsigqueueinfo(Task t) => QueueInfo(t, (int)t.A0, (int)t.A1, (int)t.A2, t.A3);

    private static long QueueInfo(Task t, int tgid, int tid, int sig, ulong infoAddr)
    {
        var raw = new byte[128];
        int r = t.MM.CopyIn(infoAddr, raw);
        if (r < 0) return r;
        if (!ValidSignal(sig)) return Err.EINVAL;
        int code = BitConverter.ToInt32(raw, 8);
        // Only kernel-style codes are refused to other processes (rt_sigqueueinfo(2)).
        var g = t.Kernel.FindGroup(tgid);
        if ((code >= 0 || code == SignalInfo.SI_TKILL) && (g == null || g != t.Group)) return Err.EPERM;
        var info = new SignalInfo(sig, code) { Raw = raw };
        if (tid == -1)
        {
            if (g == null) return Err.ESRCH;
            if (!MaySignal(t, g.Leader, sig)) return Err.EPERM;
            t.Kernel.SendToGroup(g, info);
            return 0;
        }
        var target = t.Kernel.FindTask(tid);
        if (target == null || target.Tgid != tgid) return Err.ESRCH;
        if (!MaySignal(t, target, sig)) return Err.EPERM;
        t.Kernel.SendToTask(target, info);
        return 0;
    }
}
