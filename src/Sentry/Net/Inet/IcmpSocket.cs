using System.Buffers;
using System.Buffers.Binary;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Netstack;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Net.Inet;

/// <summary>
/// An ICMP socket over an <see cref="IcmpEndpoint"/>: SOCK_RAW with IPPROTO_ICMP/ICMPV6 (raw(7),
/// what iputils ping uses as root) or SOCK_DGRAM with IPPROTO_ICMP/ICMPV6 (a ping socket, icmp(7)).
/// </summary>
public sealed class IcmpSocket : InetSocket
{
    private readonly IcmpEndpoint _icmp;
    private bool _recvErr, _recvTtl, _timestamp;

    public IcmpSocket(InetStack net, int family, int type, int flags, bool v6)
        : this(net, family, type, flags, net.Stack.CreateIcmp(v6, raw: type == SockType.SOCK_RAW)) { }

    private IcmpSocket(InetStack net, int family, int type, int flags, IcmpEndpoint ep)
        : base(net, family, type, ep.IsV6 ? IpProto.IPPROTO_ICMPV6 : IpProto.IPPROTO_ICMP, flags, ep)
    {
        _icmp = ep;
    }

    protected override SockAddr? PeerName => _icmp.RemoteName;

    public override long Bind(Task t, ReadOnlySpan<byte> addr)
    {
        long r = ParseAddress(addr, out var a);
        if (r < 0) return r;
        // A raw socket has no port; a ping socket binds its echo identifier there.
        return _icmp.Bind(_icmp.Raw ? new SockAddr(a.Addr, 0) : a);
    }

    public override long Connect(Task t, ReadOnlySpan<byte> addr) => ConnectDatagram(addr);

    public override long SendMsg(Task t, in MsgBuffers data, ReadOnlySpan<byte> addr, ControlMessages? control, int flags)
    {
        if ((flags & MsgFlags.MSG_OOB) != 0) return -(long)Errno.EOPNOTSUPP;
        Address? to = null;
        if (addr.Length > 0)
        {
            long r = ParseAddress(addr, out var a);
            if (r < 0) return r;
            to = a.Addr;
        }
        return SendDatagram(data, 65535, (_icmp, to), static (d, s) => s._icmp.SendTo(d, s.to));
    }

    public override long RecvMsg(Task t, in MsgBuffers data, int flags, RecvResult result)
    {
        if ((flags & MsgFlags.MSG_OOB) != 0) return -(long)Errno.EOPNOTSUPP;
        if ((flags & MsgFlags.MSG_ERRQUEUE) != 0) return -(long)Errno.EAGAIN;
        bool peek = (flags & MsgFlags.MSG_PEEK) != 0;
        bool nonBlocking = NonBlocking || (flags & MsgFlags.MSG_DONTWAIT) != 0;
        long deadline = RecvDeadline;
        int want = (int)Math.Min(data.Length, 65535 + 60);
        var buf = ArrayPool<byte>.Shared.Rent(Math.Max(want, 1));
        try
        {
            while (true)
            {
                int n = _icmp.ReceiveFrom(buf.AsSpan(0, want), out var from, out int hops, peek);
                if (n >= 0)
                {
                    int copy = Math.Min(n, want);
                    if (copy > 0)
                    {
                        int c = data.CopyOut(0, buf.AsSpan(0, copy));
                        if (c < 0) return c;
                    }
                    var name = new byte[V6 ? InetAbi.SockaddrIn6Size : InetAbi.SockaddrInSize];
                    InetAddress.Write(name, new SockAddr(from, 0), V6);
                    result.From = name;
                    if (n > copy) result.MsgFlags |= MsgFlags.MSG_TRUNC;
                    AddControl(result, hops);
                    return (flags & MsgFlags.MSG_TRUNC) != 0 ? n : copy;
                }
                if (n != -(int)Errno.EAGAIN || nonBlocking) return n;
                long w = WaitFor(t, PollEvents.In, deadline);
                if (w < 0) return w;
            }
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }

    /// <summary>SCM_TIMESTAMP (SO_TIMESTAMP) and IP_TTL / IPV6_HOPLIMIT (IP_RECVTTL / IPV6_RECVHOPLIMIT), as ip_cmsg_recv orders them.</summary>
    private void AddControl(RecvResult result, int hops)
    {
        if (!_timestamp && !_recvTtl) return;
        var list = new List<(int, int, byte[])>();
        if (_timestamp)
        {
            // struct timeval on the realtime clock; taken when the message is read, not when it arrived.
            long us = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
            var tv = new byte[16];
            BinaryPrimitives.WriteInt64LittleEndian(tv, us / 1_000_000);
            BinaryPrimitives.WriteInt64LittleEndian(tv.AsSpan(8), us % 1_000_000);
            list.Add((SocketLevel.SOL_SOCKET, SockOpt.SO_TIMESTAMP_OLD, tv));
        }
        if (_recvTtl)
        {
            var v = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(v, hops);
            list.Add(V6 ? (IpProto.SOL_IPV6, Ipv6HopLimit, v) : (IpProto.SOL_IP, IpOpt.IP_TTL, v));
        }
        (result.Control ??= new ControlMessages()).Other = list;
    }

    public override long Shutdown(Task t, int how)
    {
        if (how < ShutdownHow.SHUT_RD || how > ShutdownHow.SHUT_RDWR) return -(long)Errno.EINVAL;
        return _icmp.RemoteName == null ? -(long)Errno.ENOTCONN : 0;
    }

    // Options ping sets that change only what this socket reports with errors or ancillary data:
    // accepted and remembered (IP_RECVERR: errors are not queued, IP_RECVTTL: no cmsg yet).
    private const int IpPktinfo = 8, IpRecvTtl = 12, IpRecvTos = 13, Ipv6MtuDiscover = 23, Ipv6RecvErr = 25,
        Ipv6RecvPktinfo = 49, Ipv6RecvHoplimit = 51, Ipv6Checksum = 7, IpMulticastIf = 32, IpMulticastLoop = 34,
        Ipv6MulticastHops = 18, Ipv6MulticastLoop = 19, IpRetopts = 7, Ipv6HopLimit = 52;

    public override long SetSockOpt(Task t, int level, int name, ReadOnlySpan<byte> val)
    {
        switch (level)
        {
            case IpProto.SOL_RAW when !V6 && _icmp.Raw && name == IpProto.ICMP_FILTER:
                if (val.Length < 4) return -(long)Errno.EINVAL;
                lock (Stack.Sync) _icmp.FilterV4 = BinaryPrimitives.ReadUInt32LittleEndian(val);
                return 0;
            case IpProto.SOL_ICMPV6 when V6 && _icmp.Raw && name == IpProto.ICMP6_FILTER:
                if (val.Length > 32) val = val[..32];
                lock (Stack.Sync) { _icmp.FilterV6.AsSpan().Clear(); val.CopyTo(_icmp.FilterV6); }
                return 0;
            case IpProto.SOL_RAW or IpProto.SOL_ICMPV6 when _icmp.Raw:
                return -(long)Errno.ENOPROTOOPT;
            case SocketLevel.SOL_SOCKET when name == SockOpt.SO_TIMESTAMP_OLD:
                if (val.Length < 4) return -(long)Errno.EINVAL;
                _timestamp = BinaryPrimitives.ReadInt32LittleEndian(val) != 0;
                return 0;
            case IpProto.SOL_IP when !V6 && name is IpOpt.IP_RECVERR or IpRetopts or IpOpt.IP_MTU_DISCOVER or IpPktinfo or IpRecvTtl or IpRecvTos
                or IpOpt.IP_MULTICAST_TTL or IpMulticastIf or IpMulticastLoop:
            case IpProto.SOL_IPV6 when V6 && name is Ipv6RecvErr or Ipv6MtuDiscover or Ipv6RecvPktinfo or Ipv6RecvHoplimit
                or Ipv6MulticastHops or Ipv6MulticastLoop:
                if (val.Length < 1) return -(long)Errno.EINVAL;
                if (name is IpOpt.IP_RECVERR or Ipv6RecvErr) _recvErr = val[0] != 0;
                if (name is IpRecvTtl or Ipv6RecvHoplimit) _recvTtl = val[0] != 0;
                return 0;
            case IpProto.SOL_IPV6 when V6 && name == Ipv6Checksum && _icmp.Raw:
                // The ICMPv6 checksum is always computed by the kernel (rawv6_setsockopt: EINVAL).
                return -(long)Errno.EINVAL;
        }
        return base.SetSockOpt(t, level, name, val);
    }

    public override long GetSockOpt(Task t, int level, int name, Span<byte> val)
    {
        switch (level)
        {
            case SocketLevel.SOL_SOCKET when name == SockOpt.SO_TIMESTAMP_OLD:
                BinaryPrimitives.WriteInt32LittleEndian(val, _timestamp ? 1 : 0);
                return 4;
            case IpProto.SOL_RAW when !V6 && _icmp.Raw && name == IpProto.ICMP_FILTER:
                BinaryPrimitives.WriteUInt32LittleEndian(val, _icmp.FilterV4);
                return 4;
            case IpProto.SOL_ICMPV6 when V6 && _icmp.Raw && name == IpProto.ICMP6_FILTER:
                _icmp.FilterV6.CopyTo(val);
                return 32;
            case IpProto.SOL_IP when !V6 && name == IpOpt.IP_RECVERR:
            case IpProto.SOL_IPV6 when V6 && name == Ipv6RecvErr:
                BinaryPrimitives.WriteInt32LittleEndian(val, _recvErr ? 1 : 0);
                return 4;
            case IpProto.SOL_IP when !V6 && name == IpRecvTtl:
            case IpProto.SOL_IPV6 when V6 && name == Ipv6RecvHoplimit:
                BinaryPrimitives.WriteInt32LittleEndian(val, _recvTtl ? 1 : 0);
                return 4;
        }
        return base.GetSockOpt(t, level, name, val);
    }

    protected override void ApplySocketOption(int name, int value, ReadOnlySpan<byte> val)
    {
        if (name is SockOpt.SO_RCVBUF or SockOpt.SO_RCVBUFFORCE) lock (Stack.Sync) _icmp.ReceiveBufferSize = RcvBuf;
    }

    public override long InQueue() => _icmp.NextLength();

    public override long OutQueue() => 0;

    /// <summary>ICMP sockets are listed in /proc/net/raw and icmp, which the sandbox does not have.</summary>
    public override ProcNetRow ProcRow() => new(_icmp.LocalName, new SockAddr(V6 ? Address.AnyV6 : Address.AnyV4, 0), 7, 0, InQueue(), Uid, Ino);

    protected override void Release()
    {
        Unlist();
        _icmp.Notify = null;
        _icmp.Close();
    }
}
