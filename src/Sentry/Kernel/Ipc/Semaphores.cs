using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Kernel.Ipc;

/// <summary>An IPC namespace's System V semaphores (semget(2), semop(2), semctl(2)), with kernel.sem's limits.</summary>
public sealed class Semaphores
{
    public Semaphores(int semmsl, int semmns, int semopm, int semmni)
    {
        Semmsl = semmsl; Semmns = semmns; Semopm = semopm;
        Registry.Limit = Math.Min(semmni, SysV.IdMultiplier);
    }

    public IpcRegistry<SemSet> Registry { get; } = new();
    public int Semmsl { get; }
    public int Semmns { get; }
    public int Semopm { get; }
    /// <summary>Semaphores in all sets (against SEMMNS).</summary>
    public int UsedSems { get; private set; }
    private readonly Dictionary<ThreadGroup, Dictionary<int, SemUndo>> _undo = new();

    public long Get(int key, int nsems, int flags, Credentials c)
    {
        if (nsems < 0 || nsems > Semmsl) return -(long)Errno.EINVAL;
        lock (Registry.Lock)
        {
            return Registry.Get(key, flags, c,
                existing => existing == null ? (nsems == 0 ? -(long)Errno.EINVAL : 0) : (nsems > existing.Nsems ? -(long)Errno.EINVAL : 0),
                () =>
                {
                    if (UsedSems + nsems > Semmns) return -(long)Errno.ENOSPC;
                    var s = new SemSet(key, (uint)flags, c, nsems);
                    long id = Registry.Add(s);
                    if (id >= 0) UsedSems += nsems;
                    return id;
                });
        }
    }

    /// <summary>The caller's adjustments for a set, made on first use (under the lock).</summary>
    public SemUndo UndoFor(ThreadGroup g, SemSet s)
    {
        if (!_undo.TryGetValue(g, out var list)) _undo[g] = list = new();
        if (!list.TryGetValue(s.Id, out var u) || u.Set != s)
        {
            list[s.Id] = u = new SemUndo(s, g);
            s.Undos.Add(u);
        }
        return u;
    }

    /// <summary>
    /// Tries a whole semop array atomically (semop(2)): 0 done (values, semadj and sempid
    /// updated), 1 when it must wait (<paramref name="blocking"/> says on which operation),
    /// or -EAGAIN (IPC_NOWAIT) / -ERANGE. Nothing changes unless it is done.
    /// </summary>
    public static long Try(SemSet s, ReadOnlySpan<SemBuf> ops, SemUndo? undo, int tgid, out int blocking)
    {
        blocking = 0;
        int i = 0;
        long result = 0;
        for (; i < ops.Length; i++)
        {
            var o = ops[i];
            int cur = s.Val[o.Num], next = cur + o.Op;
            if (o.Op == 0 && cur != 0 || next < 0)
            {
                blocking = i;
                result = (o.Flg & SysV.NOWAIT) != 0 ? -(long)Errno.EAGAIN : 1;
                break;
            }
            if (next > SysV.SEMVMX) { result = -(long)Errno.ERANGE; break; }
            if ((o.Flg & SysV.SEM_UNDO) != 0)
            {
                int adj = undo!.Adj[o.Num] - o.Op;
                if (adj < -SysV.SEMAEM - 1 || adj > SysV.SEMAEM) { result = -(long)Errno.ERANGE; break; }
                undo.Adj[o.Num] = (short)adj;
            }
            s.Val[o.Num] = (ushort)next;
        }
        if (result != 0)
        {
            for (int j = i - 1; j >= 0; j--)
            {
                var o = ops[j];
                s.Val[o.Num] = (ushort)(s.Val[o.Num] - o.Op);
                if ((o.Flg & SysV.SEM_UNDO) != 0) undo!.Adj[o.Num] += o.Op;
            }
            return result;
        }
        foreach (var o in ops) s.Pid[o.Num] = tgid;
        s.Otime = IpcObject.Now();
        return 0;
    }

    /// <summary>After values changed: completes the waiting operations that can now run, in order, until none can.</summary>
    public static void Update(SemSet s)
    {
        bool progress = true;
        while (progress)
        {
            progress = false;
            for (int i = 0; i < s.Queue.Count; i++)
            {
                var w = s.Queue[i];
                long r = Try(s, w.Ops, w.Undo, w.Tgid, out int blocking);
                if (r == 1) { w.Blocking = blocking; continue; }
                s.Queue.RemoveAt(i);
                w.Status = r;
                w.Task.Wake();
                if (r == 0 && w.Alters) { progress = true; break; }
                i--;
            }
        }
    }

    /// <summary>IPC_RMID: waiters fail with EIDRM, adjustments are forgotten.</summary>
    public void Remove(SemSet s)
    {
        foreach (var w in s.Queue) { w.Status = -(long)Errno.EIDRM; w.Task.Wake(); }
        s.Queue.Clear();
        foreach (var u in s.Undos)
            if (_undo.TryGetValue(u.Group, out var list) && list.TryGetValue(s.Id, out var mine) && mine == u) list.Remove(s.Id);
        s.Undos.Clear();
        UsedSems -= s.Nsems;
        Registry.Remove(s);
    }

    /// <summary>SETVAL/SETALL: the adjustments of that semaphore (or all, for -1) are cleared in every process.</summary>
    public static void ClearAdjustments(SemSet s, int num)
    {
        foreach (var u in s.Undos)
            if (num < 0) Array.Clear(u.Adj);
            else u.Adj[num] = 0;
    }

    /// <summary>A process's last thread is gone: its semadj values are added back, clamped to [0, SEMVMX] (semop(2)).</summary>
    public void ExitUndo(ThreadGroup g)
    {
        lock (Registry.Lock)
        {
            if (!_undo.Remove(g, out var list)) return;
            foreach (var u in list.Values)
            {
                var s = u.Set;
                s.Undos.Remove(u);
                if (s.Removed) continue;
                bool changed = false;
                for (int i = 0; i < u.Adj.Length; i++)
                {
                    if (u.Adj[i] == 0) continue;
                    s.Val[i] = (ushort)Math.Clamp(s.Val[i] + u.Adj[i], 0, SysV.SEMVMX);
                    s.Pid[i] = g.Tgid;
                    changed = true;
                }
                if (changed) Update(s);
            }
        }
    }
}
