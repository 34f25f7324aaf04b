using System.Buffers;
using Sandbox.Linux;

namespace Sandbox.Netstack;

/// <summary>A UDP socket (udp(7)). Results are counts or -errno.</summary>
public sealed class UdpEndpoint : SocketEndpoint
{
    private readonly Queue<(byte[] Buf, int Len, SockAddr From)> _queue = new();
    private int _queuedBytes;
    private bool _connected, _closed, _shutRead;
    private SockAddr _remote; // wire form

    public int ReceiveBufferSize { get; set; }
    public int SendBufferSize { get; set; } = 212992;

    internal UdpEndpoint(NetStack stack, bool v6) : base(stack, v6)
    {
        ReceiveBufferSize = stack.Options.UdpReceiveBuffer;
        LocalAddr = v6 ? Address.AnyV6 : Address.AnyV4;
    }

    public SockAddr? RemoteName { get { lock (Stack.Sync) return _connected ? new(Present(_remote.Addr), _remote.Port) : null; } }

    public int Bind(SockAddr addr)
    {
        lock (Stack.Sync)
        {
            if (_closed) return -(int)Errno.EBADF;
            if (LocalPort != 0) return -(int)Errno.EINVAL;
            int e = ToWire(addr.Addr, out var wire);
            if (e != 0) return -(int)Errno.EAFNOSUPPORT;
            if (!wire.IsUnspecified && !wire.IsMulticast && !Stack.IsLocalAddress(wire)) return -(int)Errno.EADDRNOTAVAIL;
            LocalBoundWildcardV6 = addr.Addr.IsV6 && addr.Addr.IsUnspecified;
            return Stack.Udp.Ports.Bind(this, wire, addr.Port);
        }
    }

    /// <summary>Sets the default peer; an unspecified address with port 0 disconnects (AF_UNSPEC).</summary>
    public override int Connect(SockAddr addr)
    {
        lock (Stack.Sync)
        {
            if (addr.Addr.IsUnspecified && addr.Port == 0) { _connected = false; return 0; }
            int e = ToWire(addr.Addr, out var wire);
            if (e != 0) return e;
            if (addr.Port == 0) return -(int)Errno.EINVAL;
            e = Stack.FindRoute(wire, LocalAddr.IsUnspecified ? default : LocalAddr, out var r);
            if (e != 0) return e;
            if (LocalPort == 0 && (e = Stack.Udp.Ports.Bind(this, IsV6 || wire.IsV6 ? LocalAddr : Address.AnyV4, 0)) != 0) return e;
            if (LocalAddr.IsUnspecified) LocalAddr = r.Local;
            _remote = new SockAddr(wire, addr.Port);
            _connected = true;
            return 0;
        }
    }

    public int SendTo(ReadOnlySpan<byte> data, SockAddr? to = null)
    {
        lock (Stack.Sync)
        {
            try { return SendLocked(data, to); }
            finally { Stack.SettleLocked(); }
        }
    }

    private int SendLocked(ReadOnlySpan<byte> data, SockAddr? to)
    {
        if (_closed) return -(int)Errno.EBADF;
        if (PendingError != 0) { int pe = PendingError; PendingError = 0; return -pe; }
        SockAddr dst;
        if (to is { } t)
        {
            int e = ToWire(t.Addr, out var wire);
            if (e != 0) return e;
            if (t.Port == 0) return -(int)Errno.EINVAL;
            dst = new SockAddr(wire, t.Port);
        }
        else if (_connected) dst = _remote;
        else return -(int)Errno.EDESTADDRREQ;
        if (data.Length > 65535 - UdpHeader.Length - (dst.Addr.IsV6 ? 0 : Ipv4Header.Length)) return -(int)Errno.EMSGSIZE;
        var local = LocalAddr.IsUnspecified || LocalAddr.IsMulticast ? default : LocalAddr;
        int err = Stack.FindRoute(dst.Addr, local, out var r);
        if (err != 0) return err;
        if (LocalPort == 0 && (err = Stack.Udp.Ports.Bind(this, LocalAddr, 0)) != 0) return err;

        int len = UdpHeader.Length + data.Length;
        var buf = len <= Stack.TxBuffer.Length - NetStack.Headroom ? Stack.TxBuffer : ArrayPool<byte>.Shared.Rent(NetStack.Headroom + len);
        var dg = buf.AsSpan(NetStack.Headroom, len);
        UdpHeader.Write(dg, LocalPort, dst.Port, len);
        data.CopyTo(dg[UdpHeader.Length..]);
        UdpHeader.SetChecksum(dg, r.Local, dst.Addr);
        err = Stack.SendIp(r, Ipv4Header.ProtoUdp, buf, len, Ttl, tos: Tos);
        if (!ReferenceEquals(buf, Stack.TxBuffer)) ArrayPool<byte>.Shared.Return(buf);
        if (err != 0) return err;
        Stack.Stats.UdpOut++;
        return data.Length;
    }

    /// <summary>
    /// Receives one datagram into <paramref name="buf"/>; returns its full length (larger than the
    /// buffer when truncated, as with MSG_TRUNC) or -EAGAIN when none is queued.
    /// </summary>
    public int ReceiveFrom(Span<byte> buf, out SockAddr from, bool peek = false)
    {
        lock (Stack.Sync)
        {
            from = default;
            if (PendingError != 0) { int pe = PendingError; PendingError = 0; return -pe; }
            if (!_queue.TryPeek(out var d)) return _shutRead ? 0 : -(int)Errno.EAGAIN;
            d.Buf.AsSpan(0, Math.Min(d.Len, buf.Length)).CopyTo(buf);
            from = new SockAddr(Present(d.From.Addr), d.From.Port);
            if (!peek)
            {
                _queue.Dequeue();
                _queuedBytes -= d.Len;
                ArrayPool<byte>.Shared.Return(d.Buf);
            }
            return d.Len;
        }
    }

    public int Shutdown(bool read, bool write)
    {
        lock (Stack.Sync)
        {
            if (!_connected) return -(int)Errno.ENOTCONN;
            if (read) { _shutRead = true; Signal(); }
            return 0;
        }
    }

    public void Close()
    {
        lock (Stack.Sync)
        {
            if (_closed) return;
            _closed = true;
            Stack.Udp.Ports.Release(this);
            while (_queue.TryDequeue(out var d)) ArrayPool<byte>.Shared.Return(d.Buf);
            _queuedBytes = 0;
        }
    }

    public override PollEvents Readiness()
    {
        var ev = PollEvents.Out;
        if (_queue.Count > 0 || _shutRead) ev |= PollEvents.In;
        if (PendingError != 0) ev |= PollEvents.Err;
        return ev;
    }

    /// <summary>How well a datagram matches this socket: -1 not at all, higher is more specific.</summary>
    internal int Match(Address src, ushort sport, Address dst)
    {
        if (_closed) return -1;
        if (dst.IsV6 && !IsV6) return -1;
        if (!dst.IsV6 && IsV6 && V6Only) return -1;
        int score = 0;
        if (!LocalAddr.IsUnspecified)
        {
            if (LocalAddr != dst && !dst.IsMulticast && !dst.IsBroadcast) return -1;
            score += 2;
        }
        else if (LocalAddr.IsV6 != dst.IsV6 && !(IsV6 && !V6Only)) return -1;
        if (_connected)
        {
            if (_remote.Addr != src || _remote.Port != sport) return -1;
            score += 4;
        }
        return score;
    }

    internal void Enqueue(SockAddr from, ReadOnlySpan<byte> data)
    {
        if (_shutRead || _queuedBytes + data.Length > ReceiveBufferSize) { Stack.Stats.UdpRcvbufErrors++; return; }
        var buf = ArrayPool<byte>.Shared.Rent(Math.Max(data.Length, 1));
        data.CopyTo(buf);
        _queue.Enqueue((buf, data.Length, from));
        _queuedBytes += data.Length;
        Signal();
    }

    internal void OnUnreachable(Address to, ushort port)
    {
        // Only connected sockets learn of ICMP errors (udp(7), IP_RECVERR off).
        if (!_connected || _remote.Addr != to || _remote.Port != port) return;
        PendingError = (int)Errno.ECONNREFUSED;
        Signal();
    }
}
