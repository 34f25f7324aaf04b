using System.Runtime.InteropServices;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Kernel.Ipc;

namespace Sandbox.Sentry.Syscalls;

/// <summary>System V semaphores: semget(2), semop(2), semtimedop(2), semctl(2).</summary>
internal static unsafe class SysvSemCalls
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Semget] = &Semget;
        t[Sysno.Semop] = &Semop;
        t[Sysno.Semtimedop] = &Semtimedop;
        t[Sysno.Semctl] = &Semctl;
    }

    private static long Semget(Task t) => SysvHostCalls.Host(t) ? SysvHostCalls.Semget(t) : t.Kernel.Ipc.Sem.Get((int)t.A0, (int)t.A1, (int)t.A2, t.Creds);

    private static long Semop(Task t) => SysvHostCalls.Host(t) ? SysvHostCalls.Semop(t, (int)t.A0, t.A1, t.A2, 0) : DoSemop(t, (int)t.A0, t.A1, t.A2, 0);

    private static long Semtimedop(Task t) => SysvHostCalls.Host(t) ? SysvHostCalls.Semop(t, (int)t.A0, t.A1, t.A2, t.A3) : DoSemop(t, (int)t.A0, t.A1, t.A2, t.A3);

    /// <summary>semop's operations and semtimedop's deadline (absolute, monotonic; -1: none or too
    /// far to matter): 0, or -EFAULT / -EINVAL for a bad pointer or timespec.</summary>
    internal static long ReadOps(Task t, ulong sopsAddr, int nsops, ulong timeoutAddr, out SemBuf[] ops, out long deadline)
    {
        ops = new SemBuf[nsops];
        deadline = -1;
        if (t.MM.CopyIn(sopsAddr, MemoryMarshal.AsBytes(ops.AsSpan())) < 0) return Err.EFAULT;
        if (timeoutAddr == 0) return 0;
        if (t.MM.Read(timeoutAddr, out Timespec ts) < 0) return Err.EFAULT;
        if (!ts.IsValid) return Err.EINVAL;
        deadline = ts.Sec > 1L << 32 ? -1 : Task.MonotonicNow() + ts.TotalNanoseconds;
        return 0;
    }

    private static long DoSemop(Task t, int id, ulong sopsAddr, ulong nsopsArg, ulong timeoutAddr)
    {
        var sem = t.Kernel.Ipc.Sem;
        if ((long)nsopsArg < 1 || id < 0) return Err.EINVAL;
        if (nsopsArg > (ulong)sem.Semopm) return -(long)Errno.E2BIG;
        int nsops = (int)nsopsArg;
        long read = ReadOps(t, sopsAddr, nsops, timeoutAddr, out var ops, out long deadline);
        if (read < 0) return read;
        int max = 0;
        bool undos = false, alter = false;
        foreach (var o in ops)
        {
            max = Math.Max(max, o.Num);
            undos |= (o.Flg & SysV.SEM_UNDO) != 0;
            alter |= o.Op != 0;
        }
        SemWaiter w;
        SemSet? set;
        lock (sem.Registry.Lock)
        {
            set = sem.Registry.ById(id);
            if (set == null) return Err.EINVAL;
            if (max >= set.Nsems) return -(long)Errno.EFBIG;
            if (!set.Permits(t.Creds, alter ? 2 : 4)) return Err.EACCES;
            var undo = undos ? sem.UndoFor(t.Group, set) : null;
            long r = Semaphores.Try(set, ops, undo, t.Tgid, out int blocking);
            if (r == 0 && alter) Semaphores.Update(set);
            if (r != 1) return r;
            w = new SemWaiter { Task = t, Ops = ops, Undo = undo, Blocking = blocking, Tgid = t.Tgid, Alters = alter };
            set.Queue.Add(w);
        }
        var res = t.BlockUntil(() => Volatile.Read(ref w.Status) != 1, deadline);
        lock (sem.Registry.Lock)
        {
            if (w.Status != 1) return w.Status;
            set.Queue.Remove(w);
        }
        // semop(2) is never restarted after a signal handler (signal(7)).
        return res == BlockResult.TimedOut ? Err.EAGAIN : Err.EINTR;
    }

    private static long Semctl(Task t)
    {
        int id = (int)t.A0, num = (int)t.A1, cmd = (int)t.A2;
        ulong arg = t.A3;
        if (id < 0) return Err.EINVAL;
        if (SysvHostCalls.Host(t)) return SysvHostCalls.Semctl(t, id, num, cmd, arg);
        var sem = t.Kernel.Ipc.Sem;
        switch (cmd)
        {
            case SysV.INFO or SysV.SEM_INFO:
            {
                SemInfo info;
                int maxIdx;
                lock (sem.Registry.Lock)
                {
                    info = new SemInfo
                    {
                        Semmni = sem.Registry.Limit, Semmns = sem.Semmns, Semmsl = sem.Semmsl, Semopm = sem.Semopm, Semvmx = SysV.SEMVMX,
                        Semmnu = SemmnsDefault, Semmap = SemmnsDefault, Semume = SemopmDefault,
                        Semusz = cmd == SysV.SEM_INFO ? sem.Registry.Count : SemUsz,
                        Semaem = cmd == SysV.SEM_INFO ? sem.UsedSems : SysV.SEMAEM,
                    };
                    maxIdx = sem.Registry.MaxIndex;
                }
                return t.MM.Write(arg, info) < 0 ? Err.EFAULT : maxIdx;
            }
            case SysV.STAT or SysV.SEM_STAT or SysV.SEM_STAT_ANY:
            {
                SemidDs ds;
                long r;
                lock (sem.Registry.Lock)
                {
                    var s = cmd == SysV.STAT ? sem.Registry.ById(id) : sem.Registry.ByIndex(id);
                    if (s == null) return Err.EINVAL;
                    if (cmd != SysV.SEM_STAT_ANY && !s.Permits(t.Creds, 4)) return Err.EACCES;
                    ds = s.Stat();
                    r = cmd == SysV.STAT ? 0 : s.Id;
                }
                return t.MM.Write(arg, ds) < 0 ? Err.EFAULT : r;
            }
            case SysV.GETALL or SysV.SETALL:
            {
                ushort[] vals;
                lock (sem.Registry.Lock)
                {
                    var s = sem.Registry.ById(id);
                    if (s == null) return Err.EINVAL;
                    if (!s.Permits(t.Creds, cmd == SysV.SETALL ? 2 : 4)) return Err.EACCES;
                    vals = cmd == SysV.GETALL ? (ushort[])s.Val.Clone() : new ushort[s.Nsems];
                }
                if (cmd == SysV.GETALL) return t.MM.CopyOut(arg, MemoryMarshal.AsBytes(vals.AsSpan())) < 0 ? Err.EFAULT : 0;
                if (t.MM.CopyIn(arg, MemoryMarshal.AsBytes(vals.AsSpan())) < 0) return Err.EFAULT;
                foreach (var v in vals) if (v > SysV.SEMVMX) return -(long)Errno.ERANGE;
                lock (sem.Registry.Lock)
                {
                    var s = sem.Registry.ById(id);
                    if (s == null || s.Nsems != vals.Length) return -(long)Errno.EIDRM;
                    Semaphores.ClearAdjustments(s, -1);
                    vals.CopyTo(s.Val);
                    Array.Fill(s.Pid, t.Tgid);
                    s.Ctime = IpcObject.Now();
                    Semaphores.Update(s);
                    return 0;
                }
            }
            case SysV.GETVAL or SysV.GETPID or SysV.GETNCNT or SysV.GETZCNT:
            {
                lock (sem.Registry.Lock)
                {
                    var s = sem.Registry.ById(id);
                    if (s == null) return Err.EINVAL;
                    if (!s.Permits(t.Creds, 4)) return Err.EACCES;
                    if (num < 0 || num >= s.Nsems) return Err.EINVAL;
                    return cmd switch
                    {
                        SysV.GETVAL => s.Val[num],
                        SysV.GETPID => s.Pid[num],
                        SysV.GETNCNT => s.Count(num, zero: false),
                        _ => s.Count(num, zero: true),
                    };
                }
            }
            case SysV.SETVAL:
            {
                int val = (int)arg;
                if (val < 0 || val > SysV.SEMVMX) return -(long)Errno.ERANGE;
                lock (sem.Registry.Lock)
                {
                    var s = sem.Registry.ById(id);
                    if (s == null) return Err.EINVAL;
                    if (num < 0 || num >= s.Nsems) return Err.EINVAL;
                    if (!s.Permits(t.Creds, 2)) return Err.EACCES;
                    Semaphores.ClearAdjustments(s, num);
                    s.Val[num] = (ushort)val;
                    s.Pid[num] = t.Tgid;
                    s.Ctime = IpcObject.Now();
                    Semaphores.Update(s);
                    return 0;
                }
            }
            case SysV.SET or SysV.RMID:
            {
                SemidDs ds = default;
                if (cmd == SysV.SET && t.MM.Read(arg, out ds) < 0) return Err.EFAULT;
                lock (sem.Registry.Lock)
                {
                    var s = sem.Registry.ById(id);
                    if (s == null) return Err.EINVAL;
                    if (!s.MayAdminister(t.Creds)) return Err.EPERM;
                    if (cmd == SysV.RMID) { sem.Remove(s); return 0; }
                    if (ds.Perm.Uid == uint.MaxValue || ds.Perm.Gid == uint.MaxValue) return Err.EINVAL;
                    s.Set(ds.Perm);
                    s.Ctime = IpcObject.Now();
                    return 0;
                }
            }
            default:
                return Err.EINVAL;
        }
    }

    // linux/sem.h's compile-time values that seminfo reports beside the sysctl ones.
    private const int SemmnsDefault = 1024000000, SemopmDefault = 500, SemUsz = 20;
}
