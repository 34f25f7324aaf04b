using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Kernel.Ipc;

namespace Sandbox.Sentry.Syscalls;

/// <summary>System V message queues: msgget(2), msgsnd(2), msgrcv(2), msgctl(2).</summary>
internal static unsafe class SysvMsgCalls
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Msgget] = &Msgget;
        t[Sysno.Msgsnd] = &Msgsnd;
        t[Sysno.Msgrcv] = &Msgrcv;
        t[Sysno.Msgctl] = &Msgctl;
    }

    private static long Msgget(Task t) => SysvHostCalls.Host(t) ? SysvHostCalls.Msgget(t) : t.Kernel.Ipc.Msg.Get((int)t.A0, (int)t.A1, t.Creds);

    private static long Msgsnd(Task t)
    {
        int id = (int)t.A0, flags = (int)t.A3;
        ulong msgp = t.A1, size = t.A2;
        if (SysvHostCalls.Host(t)) return SysvHostCalls.Msgsnd(t, id, msgp, size, flags);
        var msg = t.Kernel.Ipc.Msg;
        if (t.MM.Read(msgp, out long type) < 0) return Err.EFAULT;
        if (size > (ulong)msg.Msgmax || id < 0) return Err.EINVAL;
        if (type < 1) return Err.EINVAL;
        var text = new byte[size];
        if (t.MM.CopyIn(msgp + 8, text) < 0) return Err.EFAULT;
        while (true)
        {
            MsgQueue? q;
            long seen;
            lock (msg.Registry.Lock)
            {
                q = msg.Registry.ById(id);
                if (q == null) return Err.EINVAL;
                if (!q.Permits(t.Creds, 2)) return Err.EACCES;
                if (q.Fits(size))
                {
                    q.Messages.Add((type, text));
                    q.Cbytes += size;
                    q.Lspid = t.Tgid;
                    q.Stime = IpcObject.Now();
                    q.Changed.Notify();
                    return 0;
                }
                if ((flags & SysV.NOWAIT) != 0) return Err.EAGAIN;
                seen = q.Changed.Generation;
            }
            if (Wait(t, q, seen) is long r) return r;
        }
    }

    /// <summary>Sleeps until the queue changes; the error that ends the call, or null to look again.</summary>
    private static long? Wait(Task t, MsgQueue q, long seen)
    {
        var res = t.BlockUntil(() => q.Changed.Generation != seen || q.Removed, -1, q.Changed);
        if (q.Removed) return -(long)Errno.EIDRM;
        // msgsnd and msgrcv are never restarted after a signal handler (signal(7)).
        return res == BlockResult.Interrupted ? Err.EINTR : null;
    }

    private static long Msgrcv(Task t)
    {
        int id = (int)t.A0, flags = (int)t.A4;
        ulong msgp = t.A1, size = t.A2;
        long type = (long)t.A3;
        if (SysvHostCalls.Host(t)) return SysvHostCalls.Msgrcv(t, id, msgp, size, type, flags);
        var msg = t.Kernel.Ipc.Msg;
        if (id < 0 || (long)size < 0) return Err.EINVAL;
        if ((flags & SysV.MSG_COPY) != 0 && ((flags & SysV.MSG_EXCEPT) != 0 || (flags & SysV.NOWAIT) == 0)) return Err.EINVAL;
        long mtype;
        byte[] text;
        while (true)
        {
            MsgQueue? q;
            long seen;
            lock (msg.Registry.Lock)
            {
                q = msg.Registry.ById(id);
                if (q == null) return Err.EINVAL;
                if (!q.Permits(t.Creds, 4)) return Err.EACCES;
                int i = q.Find(type, flags);
                if (i >= 0)
                {
                    (mtype, text) = q.Messages[i];
                    if (size < (ulong)text.Length && (flags & SysV.MSG_NOERROR) == 0) return -(long)Errno.E2BIG;
                    if ((flags & SysV.MSG_COPY) == 0)
                    {
                        q.Messages.RemoveAt(i);
                        q.Cbytes -= (ulong)text.Length;
                        q.Rtime = IpcObject.Now();
                        q.Lrpid = t.Tgid;
                        q.Changed.Notify();
                    }
                    break;
                }
                if ((flags & SysV.NOWAIT) != 0) return -(long)Errno.ENOMSG;
                seen = q.Changed.Generation;
            }
            if (Wait(t, q, seen) is long r) return r;
        }
        int n = (int)Math.Min((ulong)text.Length, size);
        if (t.MM.Write(msgp, mtype) < 0 || t.MM.CopyOut(msgp + 8, text.AsSpan(0, n)) < 0) return Err.EFAULT;
        return n;
    }

    private static long Msgctl(Task t)
    {
        int id = (int)t.A0, cmd = (int)t.A1;
        ulong buf = t.A2;
        if (id < 0 || cmd < 0) return Err.EINVAL;
        if (SysvHostCalls.Host(t)) return SysvHostCalls.Msgctl(t, id, cmd, buf);
        var msg = t.Kernel.Ipc.Msg;
        switch (cmd)
        {
            case SysV.INFO or SysV.MSG_INFO:
            {
                MsgInfo info;
                int max;
                lock (msg.Registry.Lock)
                {
                    var (count, bytes) = msg.Totals();
                    bool live = cmd == SysV.MSG_INFO;
                    info = new MsgInfo
                    {
                        Msgmni = msg.Registry.Limit, Msgmax = msg.Msgmax, Msgmnb = msg.Msgmnb, Msgssz = MsgSsz, Msgseg = MsgSeg,
                        Msgpool = live ? msg.Registry.Count : MsgPool,
                        Msgmap = live ? count : MsgMap,
                        Msgtql = live ? (int)Math.Min(bytes, int.MaxValue) : MsgTql,
                    };
                    max = msg.Registry.MaxIndex;
                }
                return t.MM.Write(buf, info) < 0 ? Err.EFAULT : max;
            }
            case SysV.STAT or SysV.MSG_STAT or SysV.MSG_STAT_ANY:
            {
                MsqidDs ds;
                long r;
                lock (msg.Registry.Lock)
                {
                    var q = cmd == SysV.STAT ? msg.Registry.ById(id) : msg.Registry.ByIndex(id);
                    if (q == null) return Err.EINVAL;
                    if (cmd != SysV.MSG_STAT_ANY && !q.Permits(t.Creds, 4)) return Err.EACCES;
                    ds = q.Stat();
                    r = cmd == SysV.STAT ? 0 : q.Id;
                }
                return t.MM.Write(buf, ds) < 0 ? Err.EFAULT : r;
            }
            case SysV.SET or SysV.RMID:
            {
                MsqidDs ds = default;
                if (cmd == SysV.SET && t.MM.Read(buf, out ds) < 0) return Err.EFAULT;
                lock (msg.Registry.Lock)
                {
                    var q = msg.Registry.ById(id);
                    if (q == null) return Err.EINVAL;
                    if (!q.MayAdminister(t.Creds)) return Err.EPERM;
                    if (cmd == SysV.RMID) { msg.Remove(q); return 0; }
                    if (ds.Qbytes > (ulong)msg.Msgmnb && !t.Creds.Has(Cap.SYS_RESOURCE)) return Err.EPERM;
                    if (ds.Perm.Uid == uint.MaxValue || ds.Perm.Gid == uint.MaxValue) return Err.EINVAL;
                    q.Set(ds.Perm);
                    q.Qbytes = ds.Qbytes;
                    q.Ctime = IpcObject.Now();
                    q.Changed.Notify();
                    return 0;
                }
            }
            default:
                return Err.EINVAL;
        }
    }

    // linux/msg.h's compile-time values that msginfo reports beside the sysctl ones.
    private const int MsgSsz = 16, MsgPool = 32000 * 16384 / 1024, MsgMap = 16384, MsgTql = 16384;
    private const ushort MsgSeg = 0xffff;
}
