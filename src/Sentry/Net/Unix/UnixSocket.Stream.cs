using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Net.Unix;

/// <summary>SOCK_STREAM data: a byte stream cut into messages only where descriptors or credentials ride along.</summary>
public sealed partial class UnixSocket
{
    public override long SendMsg(Task t, in MsgBuffers data, ReadOnlySpan<byte> addr, ControlMessages? control, int flags)
        => Type == SockType.SOCK_STREAM ? SendStream(t, data, addr, control, flags) : SendDatagram(t, data, addr, control, flags);

    public override long RecvMsg(Task t, in MsgBuffers data, int flags, RecvResult result)
        => Type == SockType.SOCK_STREAM ? RecvStream(t, data, flags, result) : RecvDatagram(t, data, flags, result);

    private long SendStream(Task t, in MsgBuffers data, ReadOnlySpan<byte> addr, ControlMessages? control, int flags)
    {
        if ((flags & MsgFlags.MSG_OOB) != 0) return -(long)Errno.EOPNOTSUPP;
        if (addr.Length > 0) lock (Gate) return _state == State.Connected ? -(long)Errno.EISCONN : -(long)Errno.EOPNOTSUPP;
        bool nonBlocking = NonBlocking || (flags & MsgFlags.MSG_DONTWAIT) != 0;
        long deadline = SendDeadline;
        var creds = control?.Creds ?? Ucred.Of(t);
        long total = data.Length, sent = 0;
        lock (Gate) if (_peer == null) return -(long)Errno.ENOTCONN;
        while (sent < total)
        {
            UnixSocket? peer;
            int chunk = 0;
            lock (Gate)
            {
                peer = _peer;
                if ((_shutdown & SendShutdown) != 0 || peer == null || peer._dead || (peer._shutdown & RcvShutdown) != 0)
                    return sent > 0 ? sent : BrokenPipe(t, flags);
                if (_inflight < SndBuf) chunk = (int)Math.Min(total - sent, Math.Max(SndBuf / 2 - 64, 2048));
                else if (nonBlocking) return sent > 0 ? sent : -(long)Errno.EAGAIN;
            }
            if (chunk == 0)
            {
                long w = Wait(t, () => { lock (Gate) return _inflight < SndBuf || _peer == null || _peer._dead || (_peer._shutdown & RcvShutdown) != 0 || (_shutdown & SendShutdown) != 0; },
                    deadline, Queue);
                if (w < 0) return sent > 0 ? sent : w;
                continue;
            }
            var buf = GC.AllocateUninitializedArray<byte>(chunk); // filled from the application right away
            int c = data.CopyIn(sent, buf);
            if (c < 0) return sent > 0 ? sent : c;
            if (c < chunk) Array.Resize(ref buf, c);
            lock (Gate)
            {
                if (peer._dead || (peer._shutdown & RcvShutdown) != 0) return sent > 0 ? sent : BrokenPipe(t, flags);
                var m = new UnixMessage { Data = buf, Sender = this, From = Address, Creds = creds };
                if (sent == 0 && control?.Rights != null) { m.Control = new ControlMessages { Rights = control.Rights }; control.Rights = null; }
                Enqueue(peer, m);
            }
            sent += c;
            if (c < chunk) return sent;
        }
        return sent;
    }

    /// <summary>Puts a message in a receive queue, charged to this socket. Caller holds Gate.</summary>
    private void Enqueue(UnixSocket to, UnixMessage m)
    {
        to._recv.AddLast(m);
        to._recvBytes += m.Data.Length;
        _inflight += m.Data.Length;
        to.Queue.Notify();
    }

    private long RecvStream(Task t, in MsgBuffers data, int flags, RecvResult result)
    {
        if ((flags & MsgFlags.MSG_OOB) != 0) return -(long)Errno.EOPNOTSUPP;
        lock (Gate) if (_state != State.Connected) return -(long)Errno.EINVAL;
        bool peek = (flags & MsgFlags.MSG_PEEK) != 0;
        bool nonBlocking = NonBlocking || (flags & MsgFlags.MSG_DONTWAIT) != 0;
        long size = data.Length;
        // sock_rcvlowat(): all of it with MSG_WAITALL, else SO_RCVLOWAT, never below one byte.
        long target = Math.Max(1, (flags & MsgFlags.MSG_WAITALL) != 0 ? size : Math.Min(RcvLowat, size));
        long deadline = RecvDeadline;
        long copied = 0;
        Ucred? creds = null;
        while (true)
        {
            lock (Gate)
            {
                if (peek) copied = 0; // peeking reads the queue from its start each time round
                bool stop = false;
                var node = _recv.First;
                while (node != null && copied < size)
                {
                    var m = node.Value;
                    // Never glue data from writers with different credentials when they are asked for.
                    if (PassCred)
                    {
                        if (creds == null) creds = m.Creds;
                        else if (creds != m.Creds) { stop = true; break; }
                    }
                    int n = (int)Math.Min(m.Left, size - copied);
                    int c = data.CopyOut(copied, m.Data.AsSpan(m.Offset, n));
                    if (c < 0) return copied > 0 ? copied : c;
                    copied += c;
                    var next = node.Next;
                    bool rights = m.Control?.Rights != null;
                    if (rights) result.Control = TakeRights(m, peek);
                    if (!peek)
                    {
                        m.Offset += c;
                        _recvBytes -= c;
                        if (m.Left == 0) { _recv.Remove(node); m.Sender.Uncharge(m.Data.Length); }
                    }
                    if (c < n) return copied;
                    if (rights) { stop = true; break; }
                    node = next;
                }
                if (PassCred && creds is { } cr) (result.Control ??= new ControlMessages()).Creds = cr;
                if (copied >= target || stop) return copied;
                if (_error != 0 && copied == 0) { int e = _error; _error = 0; return -e; }
                if ((_shutdown & RcvShutdown) != 0) return copied;
                if (nonBlocking) return copied > 0 ? copied : -(long)Errno.EAGAIN;
            }
            long seen = peek ? copied : 0;
            long r = Wait(t, () => { lock (Gate) return _recvBytes > seen || (_shutdown & RcvShutdown) != 0 || _error != 0; }, deadline, Queue);
            if (r < 0) return copied > 0 && !peek ? copied : r;
        }
    }

    /// <summary>The descriptors a message carries, for one receive: taken, or duplicated by MSG_PEEK. Caller holds Gate.</summary>
    private static ControlMessages TakeRights(UnixMessage m, bool peek)
    {
        var c = m.Control!;
        if (!peek)
        {
            m.Control = null;
            return c;
        }
        foreach (var f in c.Rights!) f.IncRef();
        return new ControlMessages { Rights = new(c.Rights) };
    }
}
