using System.Buffers;
using System.Buffers.Binary;
using Sandbox.Linux;

namespace Sandbox.Netstack;

/// <summary>
/// An ICMP socket: a ping socket (SOCK_DGRAM, IPPROTO_ICMP/ICMPV6: echo requests out, the
/// matching echo replies in, the identifier taken from the bound "port", as Linux's ping.c) or a
/// raw one (SOCK_RAW: the ICMP message as given out, every ICMP message in; IPv4 raw sockets
/// receive the IP header too, raw(7)). Results are counts or -errno.
/// </summary>
public sealed class IcmpEndpoint : SocketEndpoint
{
    private readonly Queue<(byte[] Buf, int Len, Address From, byte Hops)> _queue = new();
    private int _queuedBytes;
    private bool _closed, _connected;
    private Address _remote;

    /// <summary>True for SOCK_RAW, false for a ping socket.</summary>
    public bool Raw { get; }
    /// <summary>The echo identifier of a ping socket (0 until bound or first used).</summary>
    public ushort Ident => LocalPort;
    public int ReceiveBufferSize { get; set; }

    /// <summary>ICMP_FILTER (raw IPv4, raw(7)): bit n set drops type n. ICMP6_FILTER (raw IPv6): 256 bits, a set bit blocks that type, as Linux keeps it.</summary>
    public uint FilterV4 { get; set; }
    public byte[] FilterV6 { get; } = new byte[32];

    private byte Protocol => IsV6 ? Ipv6Header.ProtoIcmpv6 : Ipv4Header.ProtoIcmp;

    internal IcmpEndpoint(NetStack stack, bool v6, bool raw) : base(stack, v6)
    {
        Raw = raw;
        ReceiveBufferSize = stack.Options.UdpReceiveBuffer;
        LocalAddr = v6 ? Address.AnyV6 : Address.AnyV4;
        lock (stack.Sync) stack.Icmp.Add(this);
    }

    public SockAddr? RemoteName { get { lock (Stack.Sync) return _connected ? new(_remote, 0) : null; } }

    /// <summary>bind: a local address (ours or the wildcard) and, for ping sockets, the identifier (0 picks one).</summary>
    public int Bind(SockAddr addr)
    {
        lock (Stack.Sync)
        {
            if (_closed) return -(int)Errno.EBADF;
            if (addr.Addr.IsV6 != IsV6) return -(int)Errno.EAFNOSUPPORT;
            if (!Raw && LocalPort != 0) return -(int)Errno.EINVAL;
            if (!addr.Addr.IsUnspecified && !Stack.IsLocalAddress(addr.Addr)) return -(int)Errno.EADDRNOTAVAIL;
            if (!Raw)
            {
                ushort id = addr.Port;
                if (id == 0) id = Stack.Icmp.PickIdent(IsV6);
                else if (Stack.Icmp.IdentInUse(id, IsV6)) return -(int)Errno.EADDRINUSE;
                LocalPort = id;
            }
            LocalAddr = addr.Addr;
            return 0;
        }
    }

    public override int Connect(SockAddr addr)
    {
        lock (Stack.Sync)
        {
            if (addr.Addr.IsUnspecified) { _connected = false; return 0; }
            if (addr.Addr.IsV6 != IsV6) return -(int)Errno.EAFNOSUPPORT;
            int e = Stack.FindRoute(addr.Addr, LocalAddr.IsUnspecified ? default : LocalAddr, out var r);
            if (e != 0) return e;
            if (!Raw && LocalPort == 0) LocalPort = Stack.Icmp.PickIdent(IsV6);
            if (LocalAddr.IsUnspecified) LocalAddr = r.Local;
            _remote = addr.Addr;
            _connected = true;
            return 0;
        }
    }

    /// <summary>Sends one ICMP message (type, code, checksum, rest) to <paramref name="to"/> or the connected peer.</summary>
    public int SendTo(ReadOnlySpan<byte> message, Address? to)
    {
        lock (Stack.Sync)
        {
            try { return SendLocked(message, to); }
            finally { Stack.SettleLocked(); }
        }
    }

    private int SendLocked(ReadOnlySpan<byte> m, Address? to)
    {
        if (_closed) return -(int)Errno.EBADF;
        Address dst;
        if (to is { } t)
        {
            if (t.IsV6 != IsV6) return -(int)Errno.EAFNOSUPPORT;
            dst = t;
        }
        else if (_connected) dst = _remote;
        else return -(int)Errno.EDESTADDRREQ;
        if (m.Length > 65535 - (IsV6 ? 0 : Ipv4Header.Length)) return -(int)Errno.EMSGSIZE;
        if (!Raw)
        {
            // ping_common_sendmsg: at least a header, and only echo requests (code 0).
            if (m.Length < 8) return -(int)Errno.EINVAL;
            if (m[0] != (IsV6 ? 128 : 8) || m[1] != 0) return -(int)Errno.EINVAL;
        }
        else if (IsV6 && m.Length < 4) return -(int)Errno.EINVAL;
        var local = LocalAddr.IsUnspecified ? default : LocalAddr;
        int err = Stack.FindRoute(dst, local, out var r);
        if (err != 0) return err;
        if (!Raw && LocalPort == 0) LocalPort = Stack.Icmp.PickIdent(IsV6);

        var buf = ArrayPool<byte>.Shared.Rent(NetStack.Headroom + Math.Max(m.Length, 1));
        try
        {
            var msg = buf.AsSpan(NetStack.Headroom, m.Length);
            m.CopyTo(msg);
            if (!Raw) BinaryPrimitives.WriteUInt16BigEndian(msg[4..], LocalPort);
            // Ping sockets checksum for the application; ICMPv6 raw sockets always do (RFC 3542 3.1).
            if (!Raw || IsV6)
            {
                msg[2] = msg[3] = 0;
                ushort sum = IsV6
                    ? Checksum.Finish(Checksum.Add(Checksum.Pseudo(r.Local, dst, Ipv6Header.ProtoIcmpv6, m.Length), msg))
                    : Checksum.Compute(msg);
                BinaryPrimitives.WriteUInt16BigEndian(msg[2..], sum);
            }
            err = Stack.SendIp(r, Protocol, buf, m.Length, Ttl, tos: Tos);
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
        return err != 0 ? err : m.Length;
    }

    /// <summary>Receives one message; its full length (more than the buffer when truncated) or -EAGAIN.</summary>
    public int ReceiveFrom(Span<byte> buf, out Address from, out int hops, bool peek = false)
    {
        lock (Stack.Sync)
        {
            from = default;
            hops = 0;
            if (!_queue.TryPeek(out var d)) return -(int)Errno.EAGAIN;
            d.Buf.AsSpan(0, Math.Min(d.Len, buf.Length)).CopyTo(buf);
            from = d.From;
            hops = d.Hops;
            if (!peek)
            {
                _queue.Dequeue();
                _queuedBytes -= d.Len;
                ArrayPool<byte>.Shared.Return(d.Buf);
            }
            return d.Len;
        }
    }

    /// <summary>Size of the next message (FIONREAD), 0 when none.</summary>
    public int NextLength()
    {
        lock (Stack.Sync) return _queue.TryPeek(out var d) ? d.Len : 0;
    }

    public void Close()
    {
        lock (Stack.Sync)
        {
            if (_closed) return;
            _closed = true;
            Stack.Icmp.Remove(this);
            while (_queue.TryDequeue(out var d)) ArrayPool<byte>.Shared.Return(d.Buf);
            _queuedBytes = 0;
        }
    }

    public override PollEvents Readiness()
    {
        var ev = PollEvents.Out;
        if (_queue.Count > 0) ev |= PollEvents.In;
        return ev;
    }

    /// <summary>
    /// Offers an arriving ICMP message: <paramref name="ipHeader"/> is the IPv4 header (raw IPv4
    /// sockets get it in front of the message), empty for IPv6.
    /// </summary>
    internal void Offer(Address src, Address dst, ReadOnlySpan<byte> ipHeader, byte hops, ReadOnlySpan<byte> m)
    {
        if (_closed || src.IsV6 != IsV6 || m.Length < 4) return;
        if (!LocalAddr.IsUnspecified && LocalAddr != dst) return;
        if (_connected && _remote != src) return;
        byte type = m[0];
        if (Raw)
        {
            if (!IsV6 && type < 32 && (FilterV4 & (1u << type)) != 0) return;
            if (IsV6 && (FilterV6[type >> 3] & (1 << (type & 7))) != 0) return;
            Enqueue(src, ipHeader, hops, m);
            return;
        }
        // Ping sockets: the echo replies carrying their identifier.
        if (m.Length < 8 || type != (IsV6 ? 129 : 0) || BinaryPrimitives.ReadUInt16BigEndian(m[4..]) != LocalPort || LocalPort == 0) return;
        Enqueue(src, default, hops, m);
    }

    private void Enqueue(Address from, ReadOnlySpan<byte> head, byte hops, ReadOnlySpan<byte> m)
    {
        int len = head.Length + m.Length;
        if (_queuedBytes + len > ReceiveBufferSize) return;
        var buf = ArrayPool<byte>.Shared.Rent(len);
        head.CopyTo(buf);
        m.CopyTo(buf.AsSpan(head.Length));
        if (head.Length >= Ipv4Header.Length)
        {
            // The header as delivered: one datagram (reassembled if it came in pieces), raw(7).
            BinaryPrimitives.WriteUInt16BigEndian(buf.AsSpan(2), (ushort)Math.Min(len, 65535));
            BinaryPrimitives.WriteUInt16BigEndian(buf.AsSpan(6), (ushort)(BinaryPrimitives.ReadUInt16BigEndian(buf.AsSpan(6)) & 0x4000));
        }
        _queue.Enqueue((buf, len, from, hops));
        _queuedBytes += len;
        Signal();
    }
}

/// <summary>The stack's ICMP sockets and their echo identifiers.</summary>
internal sealed class IcmpTable
{
    private readonly List<IcmpEndpoint> _endpoints = new();
    private ushort _nextIdent = (ushort)Random.Shared.Next(1, 65536);

    public bool Any => _endpoints.Count > 0;
    public void Add(IcmpEndpoint e) => _endpoints.Add(e);
    public void Remove(IcmpEndpoint e) => _endpoints.Remove(e);

    public bool IdentInUse(ushort id, bool v6)
    {
        foreach (var e in _endpoints) if (!e.Raw && e.IsV6 == v6 && e.Ident == id) return true;
        return false;
    }

    public ushort PickIdent(bool v6)
    {
        for (int i = 0; i < 65536; i++)
        {
            ushort id = _nextIdent++;
            if (id != 0 && !IdentInUse(id, v6)) return id;
        }
        return 0;
    }

    /// <summary>
    /// Hands an arriving ICMP message to every socket that wants it (a copy each);
    /// <paramref name="ipHeader"/> is the IPv4 or IPv6 header it came with.
    /// </summary>
    public void Deliver(Address src, Address dst, ReadOnlySpan<byte> ipHeader, ReadOnlySpan<byte> m)
    {
        byte hops = ipHeader.Length >= 20 ? ipHeader[src.IsV6 ? 7 : 8] : (byte)0;
        for (int i = 0; i < _endpoints.Count; i++)
        {
            var e = _endpoints[i];
            e.Offer(src, dst, e.Raw && !src.IsV6 ? ipHeader : default, hops, m);
        }
    }
}
