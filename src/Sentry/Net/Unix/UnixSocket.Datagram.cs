using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Net.Unix;

/// <summary>SOCK_DGRAM and SOCK_SEQPACKET data: whole messages, record boundaries kept.</summary>
public sealed partial class UnixSocket
{
    private long SendDatagram(Task t, in MsgBuffers data, ReadOnlySpan<byte> addr, ControlMessages? control, int flags)
    {
        if ((flags & MsgFlags.MSG_OOB) != 0) return -(long)Errno.EOPNOTSUPP;
        UnixAddress? to = null;
        if (Type == SockType.SOCK_SEQPACKET)
        {
            lock (Gate) if (_state != State.Connected) return -(long)Errno.ENOTCONN;
        }
        else if (addr.Length > 0)
        {
            long pr = UnixAddress.Parse(addr, out to);
            if (pr < 0) return pr;
        }
        else lock (Gate) if (_peer == null) return -(long)Errno.ENOTCONN;
        if (PassCred) lock (Gate) AutoBindLocked();
        if (data.Length > SndBuf - 32) return -(long)Errno.EMSGSIZE;
        bool nonBlocking = NonBlocking || (flags & MsgFlags.MSG_DONTWAIT) != 0;
        long deadline = SendDeadline;

        // sock_alloc_send_pskb(): room in the sender's buffer first.
        while (true)
        {
            lock (Gate)
            {
                if ((_shutdown & SendShutdown) != 0) return -(long)Errno.EPIPE;
                if (_inflight < SndBuf) break;
                if (nonBlocking) return -(long)Errno.EAGAIN;
            }
            long w = Wait(t, () => { lock (Gate) return _inflight < SndBuf || (_shutdown & SendShutdown) != 0; }, deadline, Queue);
            if (w < 0) return w;
        }
        var buf = GC.AllocateUninitializedArray<byte>((int)data.Length);
        if (buf.Length > 0 && data.CopyIn(0, buf) != buf.Length) return -(long)Errno.EFAULT;

        UnixSocket? other = null;
        if (to != null)
        {
            long fr = UnixNames.Find(t, to, Type, out other);
            if (fr < 0) return fr;
            if (other!.Type != Type) return -(long)Errno.EPROTOTYPE;
        }
        while (true)
        {
            lock (Gate)
            {
                other ??= _peer;
                if (other == null) return -(long)Errno.ENOTCONN;
                if (other._peer != null && other._peer != this) return -(long)Errno.EPERM;
                if (other._dead)
                {
                    // Our connected peer is gone: forget it (unix_dgram_disconnected).
                    if (_peer == other) { _peer = null; return -(long)Errno.ECONNREFUSED; }
                    return -(long)Errno.ECONNREFUSED;
                }
                if ((other._shutdown & RcvShutdown) != 0) return -(long)Errno.EPIPE;
                if (other._peer == this || other._recv.Count <= MaxDgramQlen)
                {
                    var m = new UnixMessage { Data = buf, Sender = this, From = Address, Creds = control?.Creds ?? Ucred.Of(t) };
                    if (control?.Rights != null) { m.Control = new ControlMessages { Rights = control.Rights }; control.Rights = null; }
                    Enqueue(other, m);
                    return buf.Length;
                }
                if (nonBlocking) return -(long)Errno.EAGAIN;
            }
            var o = other;
            long w = Wait(t, () => { lock (Gate) return o._dead || o._recv.Count <= MaxDgramQlen || (o._shutdown & RcvShutdown) != 0; }, deadline, o.Queue);
            if (w < 0) return w;
        }
    }

    private long RecvDatagram(Task t, in MsgBuffers data, int flags, RecvResult result)
    {
        if ((flags & MsgFlags.MSG_OOB) != 0) return -(long)Errno.EOPNOTSUPP;
        if (Type == SockType.SOCK_SEQPACKET) lock (Gate) if (_state != State.Connected) return -(long)Errno.ENOTCONN;
        bool peek = (flags & MsgFlags.MSG_PEEK) != 0;
        bool nonBlocking = NonBlocking || (flags & MsgFlags.MSG_DONTWAIT) != 0;
        long deadline = RecvDeadline;
        while (true)
        {
            lock (Gate)
            {
                if (_recv.First is { } node)
                {
                    var m = node.Value;
                    int len = m.Data.Length;
                    int n = (int)Math.Min(len, data.Length);
                    if (!peek)
                    {
                        _recv.Remove(node);
                        _recvBytes -= len;
                        m.Sender.Uncharge(len);
                        Queue.Notify(); // senders waiting for room in this queue
                    }
                    int c = n > 0 ? data.CopyOut(0, m.Data.AsSpan(0, n)) : 0;
                    if (c < 0) { if (!peek) m.Control?.Release(); return c; }
                    result.From = m.From?.Raw;
                    if (len > n) result.MsgFlags |= MsgFlags.MSG_TRUNC;
                    if (m.Control?.Rights != null) result.Control = TakeRights(m, peek);
                    if (PassCred) (result.Control ??= new ControlMessages()).Creds = m.Creds;
                    return (flags & MsgFlags.MSG_TRUNC) != 0 ? len : c;
                }
                if (_error != 0) { int e = _error; _error = 0; return -e; }
                // Without waiting only a seqpacket socket reports EOF (unix_dgram_recvmsg).
                if (nonBlocking) return Type == SockType.SOCK_SEQPACKET && (_shutdown & RcvShutdown) != 0 ? 0 : -(long)Errno.EAGAIN;
                if ((_shutdown & RcvShutdown) != 0) return 0;
            }
            long r = Wait(t, () => { lock (Gate) return _recv.Count > 0 || (_shutdown & RcvShutdown) != 0 || _error != 0; }, deadline, Queue);
            if (r < 0) return r;
        }
    }
}
