using System.Buffers.Binary;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Netstack;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Net.Inet;

/// <summary>
/// An AF_INET or AF_INET6 socket over the sandbox's <see cref="NetStack"/>: what TCP and UDP
/// share: the endpoint, readiness (the stack's notifications wake <see cref="Socket.Queue"/>,
/// which poll, epoll and blocked calls wait on), names, and the IP-level options.
/// </summary>
public abstract partial class InetSocket : Socket
{
    protected readonly InetStack Net;
    protected readonly NetStack Stack;
    protected readonly bool V6;

    protected InetSocket(InetStack net, int family, int type, int protocol, int flags, SocketEndpoint ep)
        : base(family, type, protocol, flags)
    {
        Net = net; Stack = net.Stack; V6 = family == SocketDomain.AF_INET6;
        Endpoint = ep;
        // Called under the stack's lock; WaitQueue.Notify only takes its own.
        ep.Notify = (_, _) => Queue.Notify();
        Uid = Task.Current?.Creds.Euid ?? 0;
        net.Add(this);
    }

    public bool IsV6 => V6;
    /// <summary>The creator's effective uid, as /proc/net lists it.</summary>
    protected uint Uid { get; }
    /// <summary>This socket's line in /proc/net/tcp or udp.</summary>
    public abstract ProcNetRow ProcRow();

    /// <summary>Leaves /proc/net; the subclass then closes its endpoint.</summary>
    protected void Unlist() => Net.Remove(this);

    protected SocketEndpoint Endpoint { get; }

    /// <summary>socket(2) for AF_INET and AF_INET6: inet_create's type and protocol checks.</summary>
    public static long Create(Task t, int family, int type, int protocol, int flags, out Socket? socket)
    {
        socket = null;
        bool v6 = family == SocketDomain.AF_INET6;
        switch (type)
        {
            case SockType.SOCK_STREAM:
                if (protocol != 0 && protocol != IpProto.IPPROTO_TCP) return -(long)Errno.EPROTONOSUPPORT;
                socket = new TcpSocket(t.Kernel.Inet, family, flags, v6);
                return 0;
            case SockType.SOCK_DGRAM:
                // A ping socket (icmp(7)); Linux also checks net.ipv4.ping_group_range, which the sandbox opens to all, as gVisor does.
                if (protocol == (v6 ? IpProto.IPPROTO_ICMPV6 : IpProto.IPPROTO_ICMP))
                {
                    socket = new IcmpSocket(t.Kernel.Inet, family, type, flags, v6);
                    return 0;
                }
                if (protocol != 0 && protocol != IpProto.IPPROTO_UDP) return -(long)Errno.EPROTONOSUPPORT;
                socket = new UdpSocket(t.Kernel.Inet, family, flags, v6);
                return 0;
            case SockType.SOCK_RAW:
                // Without CAP_NET_RAW Linux refuses raw sockets before looking at the protocol.
                if (!t.Creds.Has(Cap.NET_RAW)) return -(long)Errno.EPERM;
                // Only ICMP is offered raw (ping); raw TCP, UDP or IP_HDRINCL sockets are not.
                if (protocol != (v6 ? IpProto.IPPROTO_ICMPV6 : IpProto.IPPROTO_ICMP)) return -(long)Errno.EPROTONOSUPPORT;
                socket = new IcmpSocket(t.Kernel.Inet, family, type, flags, v6);
                return 0;
            default:
                return -(long)Errno.ESOCKTNOSUPPORT;
        }
    }

    protected static PollEvents Always => PollEvents.Err | PollEvents.Hup;

    /// <summary>The endpoint's poll bits, taken under the stack's lock.</summary>
    protected PollEvents Ready()
    {
        lock (Stack.Sync) return Endpoint.Readiness();
    }

    /// <summary>Blocks until one of mask (or an error or hang-up) is ready; 0 or -errno as <see cref="Socket.Wait"/>.</summary>
    protected long WaitFor(Task t, PollEvents mask, long deadline)
    {
        mask |= Always;
        return Wait(t, () => (Ready() & mask) != 0, deadline, Queue);
    }

    public override short Readiness(short events)
    {
        int ev = (int)(ushort)Ready();
        if ((ev & Poll.POLLIN) != 0) ev |= Poll.POLLRDNORM;
        if ((ev & Poll.POLLOUT) != 0) ev |= Poll.POLLWRNORM | Poll.POLLWRBAND;
        return (short)(ev & (events | Poll.POLLHUP | Poll.POLLERR));
    }

    protected override int TakeError() => Endpoint.TakeError();

    protected long ParseAddress(ReadOnlySpan<byte> addr, out SockAddr a) => InetAddress.Parse(addr, V6, out a);

    // Datagram sockets (UDP, ICMP) neither listen nor accept; TCP overrides both.
    public override long Listen(Task t, int backlog) => -(long)Errno.EOPNOTSUPP;

    public override long Accept(Task t, out Socket? accepted)
    {
        accepted = null;
        return -(long)Errno.EOPNOTSUPP;
    }

    /// <summary>Sends one datagram the endpoint way; <typeparamref name="TState"/> carries the endpoint and destination.</summary>
    protected delegate long DatagramSend<TState>(ReadOnlySpan<byte> datagram, TState state);

    /// <summary>
    /// A datagram socket's send: the application's bytes copied whole into a pooled buffer
    /// (EMSGSIZE past <paramref name="max"/>, EFAULT if any byte is unreadable), then sent.
    /// </summary>
    protected static long SendDatagram<TState>(in MsgBuffers data, long max, TState state, DatagramSend<TState> send)
    {
        if (data.Length > max) return -(long)Errno.EMSGSIZE;
        int len = (int)data.Length;
        var buf = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(len, 1));
        try
        {
            int c = len == 0 ? 0 : data.CopyIn(0, buf.AsSpan(0, len));
            if (c < 0) return c;
            if (c < len) return -(long)Errno.EFAULT;
            return send(buf.AsSpan(0, len), state);
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(buf); }
    }

    /// <summary>connect(2) of a datagram socket: sets the peer; AF_UNSPEC dissolves the association (udp_disconnect).</summary>
    protected long ConnectDatagram(ReadOnlySpan<byte> addr)
    {
        if (addr.Length < 2) return -(long)Errno.EINVAL;
        if (InetAddress.IsUnspec(addr)) return Endpoint.Connect(new SockAddr(V6 ? Address.AnyV6 : Address.AnyV4, 0));
        long r = ParseAddress(addr, out var a);
        if (r < 0) return r;
        r = Endpoint.Connect(a);
        if (r == 0) Queue.Notify();
        return r;
    }

    public override int GetName(Span<byte> addr) => InetAddress.Write(addr, Endpoint.LocalName, V6);

    protected abstract SockAddr? PeerName { get; }

    public override int GetPeerName(Span<byte> addr) =>
        PeerName is { } p ? InetAddress.Write(addr, p, V6) : -(int)Errno.ENOTCONN;

    // ---- options ------------------------------------------------------------------------

    private const int DefaultTtl = 64;

    public override long GetSockOpt(Task t, int level, int name, Span<byte> val)
    {
        int v;
        switch (level)
        {
            case SocketLevel.SOL_SOCKET:
                return base.GetSockOpt(t, level, name, val);
            case IpProto.SOL_IP when !V6 || name is IpOpt.IP_TTL or IpOpt.IP_TOS:
                switch (name)
                {
                    case IpOpt.IP_TTL: v = Endpoint.Ttl < 0 ? DefaultTtl : Endpoint.Ttl; break;
                    case IpOpt.IP_TOS: v = Endpoint.Tos; break;
                    default: return -(long)Errno.ENOPROTOOPT;
                }
                break;
            case IpProto.SOL_IPV6 when V6:
                switch (name)
                {
                    case Ipv6Opt.IPV6_V6ONLY: v = Endpoint.V6Only ? 1 : 0; break;
                    case Ipv6Opt.IPV6_UNICAST_HOPS: v = Endpoint.Ttl < 0 ? DefaultTtl : Endpoint.Ttl; break;
                    case Ipv6Opt.IPV6_TCLASS: v = Endpoint.Tos; break;
                    default: return -(long)Errno.ENOPROTOOPT;
                }
                break;
            default:
                // ip_getsockopt refuses other levels with EOPNOTSUPP, ipv6_getsockopt with ENOPROTOOPT.
                return V6 ? -(long)Errno.ENOPROTOOPT : -(long)Errno.EOPNOTSUPP;
        }
        BinaryPrimitives.WriteInt32LittleEndian(val, v);
        return 4;
    }

    public override long SetSockOpt(Task t, int level, int name, ReadOnlySpan<byte> val)
    {
        if (level == SocketLevel.SOL_SOCKET)
        {
            long r = base.SetSockOpt(t, level, name, val);
            if (r < 0) return r;
            int v = BinaryPrimitives.ReadInt32LittleEndian(val);
            switch (name)
            {
                case SockOpt.SO_REUSEADDR: Endpoint.ReuseAddress = v != 0; break;
                case SockOpt.SO_REUSEPORT: Endpoint.ReusePort = v != 0; break;
                default: ApplySocketOption(name, v, val); break;
            }
            return 0;
        }
        int x;
        // ip_setsockopt: an int, or a single byte for some options when optlen is 1..3.
        if (val.Length >= 4) x = BinaryPrimitives.ReadInt32LittleEndian(val);
        else if (val.Length >= 1 && level == IpProto.SOL_IP) x = val[0];
        else return -(long)Errno.EINVAL;
        switch (level)
        {
            case IpProto.SOL_IP when !V6 || name is IpOpt.IP_TTL or IpOpt.IP_TOS:
                switch (name)
                {
                    case IpOpt.IP_TTL:
                        if (x != -1 && (x < 1 || x > 255)) return -(long)Errno.EINVAL;
                        lock (Stack.Sync) Endpoint.Ttl = x;
                        return 0;
                    case IpOpt.IP_TOS:
                        lock (Stack.Sync) Endpoint.Tos = (byte)x;
                        return 0;
                    default: return -(long)Errno.ENOPROTOOPT;
                }
            case IpProto.SOL_IPV6 when V6:
                switch (name)
                {
                    case Ipv6Opt.IPV6_V6ONLY:
                        // Fixed once bound (ipv6_setsockopt: EINVAL when inet_num is set).
                        if (Endpoint.LocalName.Port != 0) return -(long)Errno.EINVAL;
                        lock (Stack.Sync) Endpoint.V6Only = x != 0;
                        return 0;
                    case Ipv6Opt.IPV6_UNICAST_HOPS:
                        if (x < -1 || x > 255) return -(long)Errno.EINVAL;
                        lock (Stack.Sync) Endpoint.Ttl = x;
                        return 0;
                    case Ipv6Opt.IPV6_TCLASS:
                        if (x < -1 || x > 255) return -(long)Errno.EINVAL;
                        lock (Stack.Sync) Endpoint.Tos = (byte)Math.Max(x, 0);
                        return 0;
                    default: return -(long)Errno.ENOPROTOOPT;
                }
            default:
                return -(long)Errno.ENOPROTOOPT;
        }
    }

    /// <summary>A SOL_SOCKET option the base class took, for the protocol to follow (buffer sizes, keepalive, linger).</summary>
    protected virtual void ApplySocketOption(int name, int value, ReadOnlySpan<byte> val) { }
}
