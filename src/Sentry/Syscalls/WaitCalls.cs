using System.Runtime.InteropServices;
using Sandbox.Linux;
using Sandbox.Sentry.Kernel;
using K = Sandbox.Sentry.Kernel.Kernel;

namespace Sandbox.Sentry.Syscalls;

/// <summary>wait4, waitid.</summary>
internal static unsafe class WaitCalls
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Wait4] = &Wait4;
        t[Sysno.Waitid] = &Waitid;
    }

    private static long Wait4(Task t)
    {
        int pid = (int)t.A0, options = (int)t.A2;
        if ((options & ~(K.WNOHANG | K.WUNTRACED | K.WCONTINUED | K.__WNOTHREAD | K.__WALL | K.__WCLONE)) != 0) return Err.EINVAL;
        if (pid == int.MinValue) return Err.ESRCH;
        var target = pid switch
        {
            -1 => new K.WaitTarget(K.WaitTarget.Any, 0),
            0 => new K.WaitTarget(K.WaitTarget.Pgid, t.Pgid),
            < 0 => new K.WaitTarget(K.WaitTarget.Pgid, -pid),
            _ => new K.WaitTarget(K.WaitTarget.Pid, pid),
        };
        var res = t.Kernel.Wait(t, target, options | K.WEXITED, out int err);
        if (res == null) return err != 0 ? -err : 0;
        var w = res.Value;
        if (t.A1 != 0)
        {
            int status = w.Code switch
            {
                SignalInfo.CLD_STOPPED => (w.Status << 8) | 0x7f,
                SignalInfo.CLD_CONTINUED => 0xffff,
                _ => w.Exit.WaitStatus,
            };
            if (t.MM.Write(t.A1, status) < 0) return Err.EFAULT;
        }
        if (t.A3 != 0)
        {
            Span<long> ru = stackalloc long[18];
            ru.Clear();
            ru[0] = w.UserTicks / 100; ru[1] = w.UserTicks % 100 * 10_000;
            ru[2] = w.SysTicks / 100; ru[3] = w.SysTicks % 100 * 10_000;
            ru[4] = w.MaxRssKb;
            if (t.MM.CopyOut(t.A3, MemoryMarshal.AsBytes(ru)) < 0) return Err.EFAULT;
        }
        return w.Pid;
    }

    private const int P_ALL = 0, P_PID = 1, P_PGID = 2, P_PIDFD = 3;

    private static long Waitid(Task t)
    {
        int idtype = (int)t.A0, id = (int)t.A1, options = (int)t.A3;
        if ((options & ~(K.WNOHANG | K.WUNTRACED | K.WEXITED | K.WCONTINUED | K.WNOWAIT | K.__WNOTHREAD | K.__WALL | K.__WCLONE)) != 0) return Err.EINVAL;
        if ((options & (K.WEXITED | K.WUNTRACED | K.WCONTINUED)) == 0) return Err.EINVAL;
        var target = idtype switch
        {
            P_ALL => new K.WaitTarget(K.WaitTarget.Any, 0),
            P_PID when id > 0 => new K.WaitTarget(K.WaitTarget.Pid, id),
            P_PGID when id >= 0 => new K.WaitTarget(K.WaitTarget.Pgid, id == 0 ? t.Pgid : id),
            _ => (K.WaitTarget?)null,
        };
        if (target == null) return Err.EINVAL;
        var res = t.Kernel.Wait(t, target.Value, options, out int err);
        if (res == null && err != 0) return -err;
        if (t.A2 != 0)
        {
            Span<byte> si = stackalloc byte[128];
            si.Clear();
            if (res is { } w)
                new SignalInfo(Signals.SIGCHLD, w.Code) { Pid = w.Pid, Uid = t.Creds.Uid, Status = w.Status }.WriteTo(si);
            if (t.MM.CopyOut(t.A2, si) < 0) return Err.EFAULT;
        }
        return 0;
    }
}
