using Sandbox.Linux.Abi;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Kernel.Ipc;

/// <summary>A System V semaphore set (semget(2)): values, last pids, and the operations waiting on it.</summary>
public sealed class SemSet : IpcObject
{
    public SemSet(int key, uint mode, Credentials c, int nsems) : base(key, mode, c)
    {
        Val = new ushort[nsems];
        Pid = new int[nsems];
        Ctime = Now();
    }

    public readonly ushort[] Val;
    public readonly int[] Pid;
    public long Otime, Ctime;
    /// <summary>Blocked semop calls, first come first served.</summary>
    public readonly List<SemWaiter> Queue = new();
    /// <summary>The SEM_UNDO adjustments processes hold on this set.</summary>
    public readonly List<SemUndo> Undos = new();

    public int Nsems => Val.Length;

    /// <summary>Waiters blocked on semaphore <paramref name="num"/>: for an increase (semncnt) or for zero (semzcnt).</summary>
    public int Count(int num, bool zero)
    {
        int n = 0;
        foreach (var w in Queue)
            if (w.Ops[w.Blocking].Num == num && (w.Ops[w.Blocking].Op == 0) == zero) n++;
        return n;
    }

    public SemidDs Stat() => new() { Perm = Perm, Otime = Otime, Ctime = Ctime, Nsems = (ulong)Nsems };
}

/// <summary>One blocked semop: its operations, the one that blocked, and how it ended (1: still waiting).</summary>
public sealed class SemWaiter
{
    public required Task Task;
    public required SemBuf[] Ops;
    public SemUndo? Undo;
    public int Blocking;
    public int Tgid;
    public bool Alters;
    public long Status = 1;
}

/// <summary>A process's semadj values for one set (SEM_UNDO), applied when the process exits.</summary>
public sealed class SemUndo
{
    public SemUndo(SemSet set, ThreadGroup group) { Set = set; Group = group; Adj = new short[set.Nsems]; }

    public SemSet Set { get; }
    public ThreadGroup Group { get; }
    public readonly short[] Adj;
}
