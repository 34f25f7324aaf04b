using Sandbox.Linux.Abi;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Kernel.Ipc;

/// <summary>A System V message queue (msgget(2)): typed messages in arrival order, bounded by msg_qbytes.</summary>
public sealed class MsgQueue : IpcObject
{
    public MsgQueue(int key, uint mode, Credentials c, ulong qbytes) : base(key, mode, c)
    {
        Qbytes = qbytes;
        Ctime = Now();
    }

    public readonly List<(long Type, byte[] Text)> Messages = new();
    public ulong Qbytes, Cbytes;
    public long Stime, Rtime, Ctime;
    public int Lspid, Lrpid;
    /// <summary>Senders waiting for room and receivers waiting for a message: any change wakes them to look again.</summary>
    public WaitQueue Changed { get; } = new();

    /// <summary>msg_fits_inqueue: the bytes and the message count (one per byte at most) both fit.</summary>
    public bool Fits(ulong size) => Cbytes + size <= Qbytes && (ulong)Messages.Count + 1 <= Qbytes;

    public MsqidDs Stat() => new()
    {
        Perm = Perm, Stime = Stime, Rtime = Rtime, Ctime = Ctime, Cbytes = Cbytes, Qnum = (ulong)Messages.Count, Qbytes = Qbytes,
        Lspid = Lspid, Lrpid = Lrpid,
    };

    /// <summary>
    /// find_msg: the index of the message msgrcv takes, or -1. Type 0: the first; above 0: the
    /// first of that type (or not of it, with MSG_EXCEPT); below 0: the first of the lowest type
    /// not above |type|; with MSG_COPY, type is a position in the queue.
    /// </summary>
    public int Find(long type, int flags)
    {
        if ((flags & SysV.MSG_COPY) != 0) return type >= 0 && type < Messages.Count ? (int)type : -1;
        if (type == 0) return Messages.Count > 0 ? 0 : -1;
        if (type < 0)
        {
            long bound = type == long.MinValue ? long.MaxValue : -type;
            int found = -1;
            for (int i = 0; i < Messages.Count; i++)
                if (Messages[i].Type <= bound && (found < 0 || Messages[i].Type < Messages[found].Type)) found = i;
            return found;
        }
        bool except = (flags & SysV.MSG_EXCEPT) != 0;
        for (int i = 0; i < Messages.Count; i++)
            if ((Messages[i].Type == type) != except) return i;
        return -1;
    }
}
