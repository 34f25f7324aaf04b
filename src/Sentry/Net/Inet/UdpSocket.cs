using System.Buffers;
using System.Buffers.Binary;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Netstack;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Net.Inet;

/// <summary>A SOCK_DGRAM socket of AF_INET or AF_INET6 (udp(7)) on a <see cref="UdpEndpoint"/>.</summary>
public sealed class UdpSocket : InetSocket
{
    /// <summary>The largest UDP payload (over IPv6, 65535 less the UDP header).</summary>
    private const int MaxDatagram = 65535;

    private readonly UdpEndpoint _udp;
    private volatile bool _shutWrite;

    public UdpSocket(InetStack net, int family, int flags, bool v6) : this(net, family, flags, net.Stack.CreateUdp(v6)) { }

    private UdpSocket(InetStack net, int family, int flags, UdpEndpoint ep)
        : base(net, family, SockType.SOCK_DGRAM, IpProto.IPPROTO_UDP, flags, ep)
    {
        _udp = ep;
    }

    protected override SockAddr? PeerName => _udp.RemoteName;

    public override long Bind(Task t, ReadOnlySpan<byte> addr)
    {
        long r = ParseBindAddress(addr, out var a);
        return r < 0 ? r : _udp.Bind(a);
    }

    public override long Connect(Task t, ReadOnlySpan<byte> addr) => ConnectDatagram(addr);

    public override long SendMsg(Task t, in MsgBuffers data, ReadOnlySpan<byte> addr, ControlMessages? control, int flags)
    {
        if ((flags & MsgFlags.MSG_OOB) != 0) return -(long)Errno.EOPNOTSUPP;
        SockAddr? to = null;
        if (addr.Length > 0)
        {
            long r = ParseDestination(addr, out to);
            if (r < 0) return r;
        }
        if (_shutWrite) return BrokenPipe(t, flags);
        return SendDatagram(data, MaxDatagram, (_udp, to), static (d, s) => s._udp.SendTo(d, s.to));
    }

    /// <summary>
    /// udp_sendmsg / udpv6_sendmsg: AF_UNSPEC means no address on IPv6 (and is taken as AF_INET
    /// on IPv4); an IPv6 socket sends to an AF_INET address as to its v4-mapped form.
    /// </summary>
    private long ParseDestination(ReadOnlySpan<byte> addr, out SockAddr? to)
    {
        to = null;
        if (addr.Length < 2) return -(long)Errno.EINVAL;
        int family = BinaryPrimitives.ReadUInt16LittleEndian(addr);
        SockAddr a;
        if (!V6)
        {
            if (addr.Length < InetAbi.SockaddrInSize) return -(long)Errno.EINVAL;
            if (family != SocketDomain.AF_INET && family != SocketDomain.AF_UNSPEC) return -(long)Errno.EAFNOSUPPORT;
            a = new SockAddr(Address.FromV4(addr.Slice(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(addr.Slice(2)));
        }
        else if (family == SocketDomain.AF_UNSPEC) return 0;
        else if (family == SocketDomain.AF_INET)
        {
            if (addr.Length < InetAbi.SockaddrInSize) return -(long)Errno.EINVAL;
            if (Endpoint.V6Only) return -(long)Errno.ENETUNREACH;
            a = new SockAddr(Address.FromV4(addr.Slice(4, 4)).MappedV6, BinaryPrimitives.ReadUInt16BigEndian(addr.Slice(2)));
        }
        else if (family != SocketDomain.AF_INET6) return -(long)Errno.EINVAL;
        else
        {
            long r = ParseAddress(addr, out a);
            if (r < 0) return r;
        }
        to = a;
        return 0;
    }

    public override long RecvMsg(Task t, in MsgBuffers data, int flags, RecvResult result)
    {
        if ((flags & MsgFlags.MSG_OOB) != 0) return -(long)Errno.EOPNOTSUPP;
        if ((flags & MsgFlags.MSG_ERRQUEUE) != 0) return -(long)Errno.EAGAIN;
        bool peek = (flags & MsgFlags.MSG_PEEK) != 0;
        bool nonBlocking = NonBlocking || (flags & MsgFlags.MSG_DONTWAIT) != 0;
        long deadline = RecvDeadline;
        int want = (int)Math.Min(data.Length, MaxDatagram);
        var buf = ArrayPool<byte>.Shared.Rent(Math.Max(want, 1));
        try
        {
            while (true)
            {
                int n = _udp.ReceiveFrom(buf.AsSpan(0, want), out var from, peek);
                if (n >= 0)
                {
                    int copy = Math.Min(n, want);
                    if (copy > 0)
                    {
                        int c = data.CopyOut(0, buf.AsSpan(0, copy));
                        if (c < 0) return c;
                    }
                    if (from.Port != 0 || !from.Addr.IsUnspecified)
                    {
                        var name = new byte[V6 ? InetAbi.SockaddrIn6Size : InetAbi.SockaddrInSize];
                        InetAddress.Write(name, from, V6);
                        result.From = name;
                    }
                    if (n > copy) result.MsgFlags |= MsgFlags.MSG_TRUNC;
                    return (flags & MsgFlags.MSG_TRUNC) != 0 ? n : copy;
                }
                if (n != -(int)Errno.EAGAIN) return n;
                if (nonBlocking) return n;
                long w = WaitFor(t, PollEvents.In, deadline);
                if (w < 0) return w;
            }
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }

    public override long Shutdown(Task t, int how)
    {
        if (how < ShutdownHow.SHUT_RD || how > ShutdownHow.SHUT_RDWR) return -(long)Errno.EINVAL;
        int r = _udp.Shutdown(read: how != ShutdownHow.SHUT_WR, write: how != ShutdownHow.SHUT_RD);
        if (r == 0 && how != ShutdownHow.SHUT_RD) { _shutWrite = true; Queue.Notify(); }
        return r;
    }

    protected override void ApplySocketOption(int name, int value, ReadOnlySpan<byte> val)
    {
        switch (name)
        {
            case SockOpt.SO_SNDBUF or SockOpt.SO_SNDBUFFORCE: lock (Stack.Sync) _udp.SendBufferSize = SndBuf; break;
            case SockOpt.SO_RCVBUF or SockOpt.SO_RCVBUFFORCE: lock (Stack.Sync) _udp.ReceiveBufferSize = RcvBuf; break;
        }
    }

    /// <summary>FIONREAD on UDP: the size of the next datagram (udp_ioctl's first_packet_length).</summary>
    public override long InQueue()
    {
        int n = _udp.ReceiveFrom(Span<byte>.Empty, out _, peek: true);
        return n < 0 ? 0 : n;
    }

    public override long OutQueue() => 0;

    public override ProcNetRow ProcRow()
    {
        var zero = new SockAddr(V6 ? Address.AnyV6 : Address.AnyV4, 0);
        var peer = _udp.RemoteName;
        // UDP sockets show TCP_ESTABLISHED when connected, TCP_CLOSE otherwise.
        return new ProcNetRow(_udp.LocalName, peer ?? zero, peer != null ? 1 : 7, 0, InQueue(), Uid, Ino);
    }

    protected override void Release()
    {
        Unlist();
        _udp.Notify = null;
        _udp.Close();
    }
}
