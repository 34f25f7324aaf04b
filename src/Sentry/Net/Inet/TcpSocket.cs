using System.Buffers;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Netstack;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Net.Inet;

/// <summary>A SOCK_STREAM socket of AF_INET or AF_INET6 (tcp(7)): the blocking and signal rules on a <see cref="TcpEndpoint"/>.</summary>
public sealed partial class TcpSocket : InetSocket
{
    /// <summary>How much application data one step of a send or receive moves through the Sentry.</summary>
    private const int Chunk = 64 << 10;
    /// <summary>net.core.somaxconn in a fresh network namespace.</summary>
    private const int SoMaxConn = 4096;

    private readonly TcpEndpoint _tcp;
    /// <summary>A connect is under way (SS_CONNECTING) and its outcome not yet reported by connect(2).</summary>
    private volatile bool _connecting;
    /// <summary>The connection was seen in CLOSE_WAIT, so a reset from now on reads as EPIPE (the stack says ECONNRESET).</summary>
    private bool _resetIsPipe;

    public TcpSocket(InetStack net, int family, int flags, bool v6) : this(net, family, flags, net.Stack.CreateTcp(v6)) { }

    private TcpSocket(InetStack net, int family, int flags, TcpEndpoint ep)
        : base(net, family, SockType.SOCK_STREAM, IpProto.IPPROTO_TCP, flags, ep)
    {
        _tcp = ep;
    }

    protected override SockAddr? PeerName => _tcp.RemoteName;
    protected override bool IsListening => _tcp.State == TcpState.Listen;

    public override long Bind(Task t, ReadOnlySpan<byte> addr)
    {
        long r = ParseBindAddress(addr, out var a);
        return r < 0 ? r : _tcp.Bind(a);
    }

    public override long Listen(Task t, int backlog)
    {
        int r = _tcp.Listen((uint)backlog > SoMaxConn ? SoMaxConn : backlog);
        if (r == 0) Queue.Notify();
        return r;
    }

    public override long Accept(Task t, out Socket? accepted)
    {
        accepted = null;
        long deadline = RecvDeadline;
        while (true)
        {
            int r = _tcp.Accept(out var conn);
            if (r == 0)
            {
                var s = new TcpSocket(Net, Family, 0, conn!) { SndBuf = SndBuf, RcvBuf = RcvBuf };
                accepted = s;
                return 0;
            }
            if (r != -(int)Errno.EAGAIN) return r;
            if (NonBlocking) return -(long)Errno.EAGAIN;
            long w = WaitFor(t, PollEvents.In, deadline);
            if (w < 0) return w;
        }
    }

    public override long Connect(Task t, ReadOnlySpan<byte> addr)
    {
        if (addr.Length < 2) return -(long)Errno.EINVAL;
        long r = ParseAddress(addr, out var a);
        if (r < 0) return r;
        if (_connecting)
        {
            // inet_stream_connect in SS_CONNECTING: the first call after the handshake ended
            // reports its outcome; a blocking call (a restarted one too) waits for it.
            var st = _tcp.State;
            if (st is TcpState.SynSent or TcpState.SynReceived)
            {
                if (NonBlocking) return -(long)Errno.EALREADY;
            }
            else
            {
                _connecting = false;
                if (st != TcpState.Closed) return 0;
                int e = _tcp.TakeError();
                return e != 0 ? -e : -(long)Errno.ECONNABORTED;
            }
        }
        else
        {
            r = _tcp.Connect(a);
            if (r != -(int)Errno.EINPROGRESS) return r;
            _connecting = true;
            if (NonBlocking) return r;
        }
        long deadline = SendDeadline;
        while (true)
        {
            var st = _tcp.State;
            if (st != TcpState.SynSent && st != TcpState.SynReceived)
            {
                _connecting = false;
                if (st == TcpState.Closed)
                {
                    int e = _tcp.TakeError();
                    return e != 0 ? -e : -(long)Errno.ECONNABORTED;
                }
                return 0;
            }
            long w = WaitFor(t, PollEvents.Out, deadline);
            // SO_SNDTIMEO ran out: the handshake goes on (inet_stream_connect).
            if (w == -(long)Errno.EAGAIN) return -(long)Errno.EINPROGRESS;
            if (w < 0) return w;
        }
    }

    public override long SendMsg(Task t, in MsgBuffers data, ReadOnlySpan<byte> addr, ControlMessages? control, int flags)
    {
        if ((flags & MsgFlags.MSG_OOB) != 0) return -(long)Errno.EOPNOTSUPP;
        bool nonBlocking = NonBlocking || (flags & MsgFlags.MSG_DONTWAIT) != 0;
        long deadline = SendDeadline;
        long total = data.Length, sent = 0;
        if (_tcp.State == TcpState.CloseWait) _resetIsPipe = true;
        var buf = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(total, 1), Chunk));
        try
        {
            while (true)
            {
                int chunk = (int)Math.Min(total - sent, buf.Length);
                int c = chunk == 0 ? 0 : data.CopyIn(sent, buf.AsSpan(0, chunk));
                if (c < 0) return sent > 0 ? sent : c;
                int n = _tcp.Send(buf.AsSpan(0, c));
                if (n > 0)
                {
                    sent += n;
                    if (sent >= total || n < c && c < chunk) return sent;
                    continue;
                }
                if (n == 0) return sent;
                if (n == -(int)Errno.EAGAIN)
                {
                    if (nonBlocking) return sent > 0 ? sent : n;
                    long w = WaitFor(t, PollEvents.Out, deadline);
                    if (w < 0) return sent > 0 ? sent : w;
                    continue;
                }
                if (sent > 0) return sent;
                // tcp_reset: a reset in CLOSE_WAIT (the peer had finished) is EPIPE, not ECONNRESET.
                if (n == -(int)Errno.ECONNRESET && _resetIsPipe) n = -(int)Errno.EPIPE;
                // Never connected (sk_stream_wait_connect) or shut down: EPIPE with SIGPIPE.
                if (n == -(int)Errno.EPIPE || n == -(int)Errno.ENOTCONN) return BrokenPipe(t, flags);
                return n;
            }
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }

    public override long RecvMsg(Task t, in MsgBuffers data, int flags, RecvResult result)
    {
        if ((flags & MsgFlags.MSG_OOB) != 0) return -(long)Errno.EINVAL;
        if ((flags & MsgFlags.MSG_ERRQUEUE) != 0) return -(long)Errno.EAGAIN;
        bool peek = (flags & MsgFlags.MSG_PEEK) != 0;
        bool nonBlocking = NonBlocking || (flags & MsgFlags.MSG_DONTWAIT) != 0;
        long size = data.Length;
        long target = Math.Max(1, (flags & MsgFlags.MSG_WAITALL) != 0 && !peek ? size : Math.Min(RcvLowat, size));
        long deadline = RecvDeadline;
        long copied = 0;
        var buf = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(size, 1), Chunk));
        try
        {
            while (true)
            {
                if (size == 0) return _tcp.Receive(Span<byte>.Empty);
                int n;
                while (copied < size)
                {
                    if (copied > 0 && _tcp.Available == 0)
                    {
                        // With data in hand, an error or the end of stream is left for the next
                        // call (tcp_recvmsg stops at them without taking sk_err).
                        if ((Ready() & (PollEvents.Err | PollEvents.Hup | PollEvents.RdHup)) != 0) return copied;
                        break;
                    }
                    int want = (int)Math.Min(size - copied, buf.Length);
                    // Peeked first: a bad buffer (EFAULT) leaves the data queued, as in tcp_recvmsg.
                    n = _tcp.Receive(buf.AsSpan(0, want), peek: true);
                    if (n > 0)
                    {
                        int c = data.CopyOut(copied, buf.AsSpan(0, n));
                        if (c < 0) return copied > 0 ? copied : c;
                        copied += c;
                        if (peek) return copied;
                        _tcp.Receive(buf.AsSpan(0, c));
                        if (c < n) return copied; // the buffer ended in unmapped memory
                        continue;
                    }
                    if (n == 0) return copied; // end of stream
                    if (n != -(int)Errno.EAGAIN) return copied > 0 ? copied : n;
                    break;
                }
                if (copied >= target) return copied;
                if (nonBlocking) return copied > 0 ? copied : -(long)Errno.EAGAIN;
                long w = WaitFor(t, PollEvents.In | PollEvents.RdHup, deadline);
                if (w < 0) return copied > 0 ? copied : w;
            }
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }

    public override long Shutdown(Task t, int how)
    {
        if (how < ShutdownHow.SHUT_RD || how > ShutdownHow.SHUT_RDWR) return -(long)Errno.EINVAL;
        _connecting = false;
        bool closed = _tcp.State == TcpState.Closed;
        int r = _tcp.Shutdown(read: how != ShutdownHow.SHUT_WR, write: how != ShutdownHow.SHUT_RD);
        // inet_shutdown: a closed connection is ENOTCONN, though the flags are still set.
        return r == 0 && closed ? -(long)Errno.ENOTCONN : r;
    }

    public override long InQueue() => _tcp.State == TcpState.Listen ? -(long)Errno.EINVAL : _tcp.Available;
    public override long OutQueue() => _tcp.State == TcpState.Listen ? -(long)Errno.EINVAL : _tcp.Unacknowledged;

    public override short Readiness(short events)
    {
        // A socket never connected nor listening is writable and hung up (tcp_poll), not readable.
        if (_tcp.State == TcpState.Closed && _tcp.RemoteName == null)
        {
            int err = (Ready() & PollEvents.Err) != 0 ? Poll.POLLERR : 0;
            return (short)((Poll.POLLOUT | Poll.POLLWRNORM | Poll.POLLWRBAND | Poll.POLLHUP | err) & (events | Poll.POLLHUP | Poll.POLLERR));
        }
        return base.Readiness(events);
    }

    public override ProcNetRow ProcRow()
    {
        var st = _tcp.State;
        var zero = new SockAddr(V6 ? Address.AnyV6 : Address.AnyV4, 0);
        return new ProcNetRow(_tcp.LocalName, _tcp.RemoteName ?? zero, (int)st,
            st == TcpState.Listen ? 0 : _tcp.Unacknowledged, st == TcpState.Listen ? _tcp.AcceptQueueLength : _tcp.Available, Uid, Ino);
    }

    protected override void Release()
    {
        Unlist();
        // Data arriving after close is answered with a reset (tcp_rcv_state_process on a dead
        // socket); the stack does so for a socket also shut for reading.
        var st = _tcp.State;
        if (st != TcpState.Listen && st != TcpState.Closed) _tcp.Shutdown(read: true, write: false);
        _tcp.Close();
        Linger();
        _tcp.Notify = null;
    }

    /// <summary>
    /// SO_LINGER with a time: the closing task waits until what it sent is acknowledged and our
    /// FIN with it, or the time runs out, or a signal comes (tcp_close → sk_stream_wait_close).
    /// Either way the connection goes on closing by itself; close(2) returns 0.
    /// </summary>
    private void Linger()
    {
        int secs;
        lock (Stack.Sync) secs = _tcp.LingerSeconds ?? 0;
        if (secs <= 0 || Task.Current is not { } t) return;
        bool Closing() { lock (Stack.Sync) return _tcp.State is TcpState.FinWait1 or TcpState.Closing or TcpState.LastAck; }
        if (!Closing()) return;
        t.BlockUntil(() => !Closing(), Task.MonotonicNow() + secs * 1_000_000_000L, Queue);
    }
}
