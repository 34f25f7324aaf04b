using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Kernel.Ipc;

/// <summary>An IPC namespace's System V message queues (msgget(2), msgop(2), msgctl(2)), with kernel.msg*'s limits.</summary>
public sealed class MessageQueues
{
    public MessageQueues(int msgmax, int msgmnb, int msgmni)
    {
        Msgmax = msgmax; Msgmnb = msgmnb;
        Registry.Limit = Math.Min(msgmni, SysV.IdMultiplier);
    }

    public IpcRegistry<MsgQueue> Registry { get; } = new();
    /// <summary>Largest message (MSGMAX).</summary>
    public int Msgmax { get; }
    /// <summary>A new queue's msg_qbytes, and the most an unprivileged IPC_SET may give it (MSGMNB).</summary>
    public int Msgmnb { get; }

    public long Get(int key, int flags, Credentials c)
    {
        lock (Registry.Lock)
            return Registry.Get(key, flags, c, _ => 0, () => Registry.Add(new MsgQueue(key, (uint)flags, c, (ulong)Msgmnb)));
    }

    /// <summary>All messages and their bytes in the namespace (MSG_INFO).</summary>
    public (int Count, long Bytes) Totals()
    {
        int n = 0;
        long b = 0;
        foreach (var q in Registry.All) { n += q.Messages.Count; b += (long)q.Cbytes; }
        return (n, b);
    }

    public void Remove(MsgQueue q)
    {
        Registry.Remove(q);
        q.Changed.Notify();
    }
}
