using System.Runtime.InteropServices;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Linux.Native;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Syscalls;

/// <summary>
/// IPC mode "host" for semaphores and message queues: the calls are made on the host kernel by
/// the Sentry, their arguments and answers copied through the Sentry's memory. A call that
/// would block is made with IPC_NOWAIT and retried as the object changes (polled, backing off
/// to 10 ms), so that the task stays interruptible by signals and the Sentry thread is never
/// stuck in the host kernel. SEM_UNDO is refused (EINVAL): the host would apply it when the
/// Sentry exits, not when the process does.
/// </summary>
internal static unsafe class SysvHostCalls
{
    public static bool Host(Task t) => t.Kernel.Options.Ipc == Kernel.Ipc.IpcMode.Host;

    /// <summary>Retries <paramref name="attempt"/> (made with IPC_NOWAIT) while it says <paramref name="busy"/>, until the deadline or a signal.</summary>
    private static long Poll(Task t, Func<long> attempt, long busy, bool wait, long deadline, long timedOut)
    {
        long delay = 200_000;
        while (true)
        {
            long r = attempt();
            if (r != busy || !wait) return r;
            long until = Task.MonotonicNow() + delay;
            if (deadline >= 0 && until > deadline) until = deadline;
            if (t.BlockUntil(() => false, until) == BlockResult.Interrupted) return Err.EINTR;
            if (deadline >= 0 && Task.MonotonicNow() >= deadline) return timedOut;
            delay = Math.Min(delay * 2, 10_000_000);
        }
    }

    /// <summary>
    /// The host sees the Sentry (root): the application's own credentials are checked here
    /// against the object's struct ipc_perm (IPC_STAT's answer starts with it for both kinds).
    /// Flag: rwx bits for ipcperms, or -1 for owner-only commands (IPC_SET, IPC_RMID).
    /// </summary>
    private static long Check(Task t, int nr, int id, int flag)
    {
        byte* b = stackalloc byte[128];
        long r = nr == Sysno.Semctl ? Sys.Syscall(nr, id, 0, SysV.STAT, (long)b) : Sys.Syscall(nr, id, SysV.STAT, (long)b);
        if (r < 0) return r;
        ref var p = ref *(IpcPerm64*)b;
        var c = t.Creds;
        if (flag < 0) return c.Euid == p.Uid || c.Euid == p.Cuid || c.Has(Cap.SYS_ADMIN) ? 0 : Err.EPERM;
        return Kernel.Ipc.IpcObject.Permits(p, c, flag) ? 0 : Err.EACCES;
    }

    public static long Semget(Task t) => Sys.Syscall(Sysno.Semget, (int)t.A0, (int)t.A1, (int)t.A2);

    public static long Semop(Task t, int id, ulong sopsAddr, ulong nsops, ulong timeoutAddr)
    {
        if ((long)nsops < 1 || id < 0) return Err.EINVAL;
        if (nsops > 500) return -(long)Errno.E2BIG; // SEMOPM: the host checks its own too
        long read = SysvSemCalls.ReadOps(t, sopsAddr, (int)nsops, timeoutAddr, out var ops, out long deadline);
        if (read < 0) return read;
        bool wait = false, alter = false;
        foreach (var o in ops) alter |= o.Op != 0;
        long ok = Check(t, Sysno.Semctl, id, alter ? 2 : 4);
        if (ok < 0) return ok;
        for (int i = 0; i < ops.Length; i++)
        {
            if ((ops[i].Flg & SysV.SEM_UNDO) != 0) return Err.EINVAL;
            wait |= (ops[i].Flg & SysV.NOWAIT) == 0;
            ops[i].Flg |= SysV.NOWAIT;
        }
        return Poll(t, () => { fixed (SemBuf* p = ops) return Sys.Syscall(Sysno.Semop, id, (long)p, ops.Length); },
            Err.EAGAIN, wait, deadline, Err.EAGAIN);
    }

    public static long Semctl(Task t, int id, int num, int cmd, ulong arg)
    {
        int flag = cmd switch
        {
            SysV.SET or SysV.RMID => -1,
            SysV.SETVAL or SysV.SETALL => 2,
            SysV.GETVAL or SysV.GETPID or SysV.GETNCNT or SysV.GETZCNT or SysV.GETALL or SysV.STAT => 4,
            _ => 0,
        };
        if (flag != 0 && Check(t, Sysno.Semctl, id, flag) is < 0 and var denied) return denied;
        switch (cmd)
        {
            case SysV.GETVAL or SysV.GETPID or SysV.GETNCNT or SysV.GETZCNT or SysV.SETVAL or SysV.RMID:
                return Sys.Syscall(Sysno.Semctl, id, num, cmd, (long)arg);
            case SysV.STAT or SysV.SEM_STAT or SysV.SEM_STAT_ANY or SysV.SET:
                return Through(t, Sysno.Semctl, id, num, cmd, arg, sizeof(SemidDs), cmd == SysV.SET);
            case SysV.INFO or SysV.SEM_INFO:
                return Through(t, Sysno.Semctl, id, num, cmd, arg, sizeof(SemInfo), false);
            case SysV.GETALL or SysV.SETALL:
            {
                SemidDs ds;
                long r = Sys.Syscall(Sysno.Semctl, id, 0, SysV.STAT, (long)&ds);
                if (r < 0) return r;
                return Through(t, Sysno.Semctl, id, num, cmd, arg, (int)ds.Nsems * 2, cmd == SysV.SETALL);
            }
            default:
                return Err.EINVAL;
        }
    }

    public static long Msgget(Task t) => Sys.Syscall(Sysno.Msgget, (int)t.A0, (int)t.A1);

    public static long Msgsnd(Task t, int id, ulong msgp, ulong size, int flags)
    {
        if (size > 1 << 20 || id < 0) return Err.EINVAL; // the host checks MSGMAX itself
        var buf = new byte[8 + size];
        if (t.MM.CopyIn(msgp, buf) < 0) return Err.EFAULT;
        if (Check(t, Sysno.Msgctl, id, 2) is < 0 and var denied) return denied;
        bool wait = (flags & SysV.NOWAIT) == 0;
        return Poll(t, () => { fixed (byte* p = buf) return Sys.Syscall(Sysno.Msgsnd, id, (long)p, (long)size, flags | SysV.NOWAIT); },
            Err.EAGAIN, wait, -1, Err.EAGAIN);
    }

    public static long Msgrcv(Task t, int id, ulong msgp, ulong size, long type, int flags)
    {
        if (id < 0 || (long)size < 0) return Err.EINVAL;
        if (Check(t, Sysno.Msgctl, id, 4) is < 0 and var denied) return denied;
        var buf = new byte[8 + Math.Min(size, 1 << 20)];
        bool wait = (flags & SysV.NOWAIT) == 0;
        long r = Poll(t, () => { fixed (byte* p = buf) return Sys.Syscall(Sysno.Msgrcv, id, (long)p, (long)Math.Min(size, 1 << 20), type, flags | SysV.NOWAIT); },
            -(long)Errno.ENOMSG, wait, -1, -(long)Errno.ENOMSG);
        if (r < 0) return r;
        return t.MM.CopyOut(msgp, buf.AsSpan(0, 8 + (int)r)) < 0 ? Err.EFAULT : r;
    }

    public static long Msgctl(Task t, int id, int cmd, ulong buf)
    {
        int flag = cmd is SysV.SET or SysV.RMID ? -1 : cmd == SysV.STAT ? 4 : 0;
        if (flag != 0 && Check(t, Sysno.Msgctl, id, flag) is < 0 and var denied) return denied;
        return MsgctlOnHost(t, id, cmd, buf);
    }

    private static long MsgctlOnHost(Task t, int id, int cmd, ulong buf) => cmd switch
    {
        SysV.RMID => Sys.Syscall(Sysno.Msgctl, id, cmd, 0),
        SysV.STAT or SysV.MSG_STAT or SysV.MSG_STAT_ANY or SysV.SET => Through(t, Sysno.Msgctl, id, cmd, 0, buf, sizeof(MsqidDs), cmd == SysV.SET, threeArgs: true),
        SysV.INFO or SysV.MSG_INFO => Through(t, Sysno.Msgctl, id, cmd, 0, buf, sizeof(MsgInfo), false, threeArgs: true),
        _ => Err.EINVAL,
    };

    /// <summary>A ctl call whose last argument points at <paramref name="size"/> bytes: copied in (SET) or out.</summary>
    private static long Through(Task t, int nr, int id, int a1, int a2, ulong user, int size, bool input, bool threeArgs = false)
    {
        var b = new byte[Math.Max(size, 1)];
        if (input && t.MM.CopyIn(user, b.AsSpan(0, size)) < 0) return Err.EFAULT;
        long r;
        fixed (byte* p = b)
            r = threeArgs ? Sys.Syscall(nr, id, a1, (long)p) : Sys.Syscall(nr, id, a1, a2, (long)p);
        if (r >= 0 && !input && t.MM.CopyOut(user, b.AsSpan(0, size)) < 0) return Err.EFAULT;
        return r;
    }
}
