using System.Buffers;
using System.Buffers.Binary;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Net.Netlink;

/// <summary>
/// An AF_NETLINK socket (netlink(7)) of protocol NETLINK_ROUTE, talking to the Sentry's
/// <see cref="RouteNetlink"/> in place of the kernel. Requests are answered when sent: the
/// replies wait in the socket's queue as datagrams. Multicast groups are accepted but nothing is
/// ever announced (the interfaces do not change).
/// </summary>
public sealed class NetlinkSocket : Socket
{
    private readonly object _gate = new();
    private readonly Queue<byte[]> _queue = new();
    private uint _portid, _groups, _peerPid, _peerGroups;
    private bool _capAck, _extAck, _strict, _pktinfo, _noEnobufs;

    private static readonly object PortsGate = new();
    private static readonly Dictionary<(Kernel.Kernel, uint), NetlinkSocket> Ports = new();
    private static int _nextNegative = -4096;
    private Kernel.Kernel? _kernel;

    private NetlinkSocket(int type, int protocol, int flags) : base(SocketDomain.AF_NETLINK, type, protocol, flags) { }

    /// <summary>netlink_create: SOCK_RAW or SOCK_DGRAM; only NETLINK_ROUTE is served.</summary>
    public static long Create(Task t, int type, int protocol, int flags, out Socket? socket)
    {
        socket = null;
        if (type != SockType.SOCK_RAW && type != SockType.SOCK_DGRAM) return -(long)Errno.ESOCKTNOSUPPORT;
        if (protocol < 0 || protocol >= NetlinkAbi.MAX_LINKS) return -(long)Errno.EPROTONOSUPPORT;
        if (protocol != NetlinkAbi.NETLINK_ROUTE) return -(long)Errno.EPROTONOSUPPORT;
        socket = new NetlinkSocket(type, protocol, flags);
        return 0;
    }

    /// <summary>netlink_autobind: the thread group id if free, else negative ids from -4096 down.</summary>
    private long AutoBind(Task t)
    {
        lock (PortsGate)
        {
            if (_portid != 0) return 0;
            uint id = (uint)t.Tgid;
            while (Ports.ContainsKey((t.Kernel, id))) id = (uint)_nextNegative--;
            return BindPort(t.Kernel, id);
        }
    }

    private long BindPort(Kernel.Kernel k, uint id)
    {
        if (Ports.ContainsKey((k, id))) return -(long)Errno.EADDRINUSE;
        Ports[(k, id)] = this;
        _portid = id;
        _kernel = k;
        return 0;
    }

    private static long ParseAddress(ReadOnlySpan<byte> addr, out uint pid, out uint groups)
    {
        pid = groups = 0;
        if (addr.Length < NetlinkAbi.SockaddrNlSize) return -(long)Errno.EINVAL;
        if (BinaryPrimitives.ReadUInt16LittleEndian(addr) != SocketDomain.AF_NETLINK) return -(long)Errno.EINVAL;
        pid = BinaryPrimitives.ReadUInt32LittleEndian(addr[4..]);
        groups = BinaryPrimitives.ReadUInt32LittleEndian(addr[8..]);
        return 0;
    }

    public override long Bind(Task t, ReadOnlySpan<byte> addr)
    {
        long r = ParseAddress(addr, out uint pid, out uint groups);
        if (r < 0) return r;
        lock (PortsGate)
        {
            // netlink_bind: a socket already bound keeps its id (another one is EINVAL).
            if (_portid != 0) { if (pid != 0 && pid != _portid) return -(long)Errno.EINVAL; }
            else if (pid == 0) { r = AutoBind(t); if (r < 0) return r; }
            else { r = BindPort(t.Kernel, pid); if (r < 0) return r; }
        }
        lock (_gate) _groups = groups;
        return 0;
    }

    public override long Listen(Task t, int backlog) => -(long)Errno.EOPNOTSUPP;

    public override long Accept(Task t, out Socket? accepted)
    {
        accepted = null;
        return -(long)Errno.EOPNOTSUPP;
    }

    public override long Connect(Task t, ReadOnlySpan<byte> addr)
    {
        if (addr.Length >= 2 && BinaryPrimitives.ReadUInt16LittleEndian(addr) == SocketDomain.AF_UNSPEC)
        {
            lock (_gate) _peerPid = _peerGroups = 0;
            return 0;
        }
        long r = ParseAddress(addr, out uint pid, out uint groups);
        if (r < 0) return r;
        r = AutoBind(t);
        if (r < 0) return r;
        lock (_gate) { _peerPid = pid; _peerGroups = groups; }
        return 0;
    }

    public override long SendMsg(Task t, in MsgBuffers data, ReadOnlySpan<byte> addr, ControlMessages? control, int flags)
    {
        uint dstPid, dstGroups;
        if (addr.Length > 0)
        {
            long r = ParseAddress(addr, out dstPid, out dstGroups);
            if (r < 0) return r;
        }
        else lock (_gate) { dstPid = _peerPid; dstGroups = _peerGroups; }
        // Sending to groups needs the protocol's NL_CFG_F_NONROOT_SEND (not route's) or CAP_NET_ADMIN.
        if (dstGroups != 0 && !t.Creds.Has(Cap.NET_ADMIN)) return -(long)Errno.EPERM;
        long ab = AutoBind(t);
        if (ab < 0) return ab;
        if (data.Length > SndBuf - 32) return -(long)Errno.EMSGSIZE;
        int len = (int)data.Length;
        // Another socket of the sandbox as destination: no user-space netlink peers exist here.
        if (dstPid != 0) return -(long)Errno.ECONNREFUSED;
        var buf = ArrayPool<byte>.Shared.Rent(Math.Max(len, 1));
        try
        {
            int c = len == 0 ? 0 : data.CopyIn(0, buf.AsSpan(0, len));
            if (c < 0) return c;
            if (c < len) return -(long)Errno.EFAULT;
            var replies = new List<byte[]>();
            bool capAck;
            lock (_gate) capAck = _capAck;
            RouteNetlink.Process(t.Kernel.Inet.Stack, buf.AsSpan(0, len), _portid, capAck, t.Creds.Has(Cap.NET_ADMIN), replies);
            if (replies.Count > 0)
            {
                lock (_gate) foreach (var r in replies) _queue.Enqueue(r);
                Queue.Notify();
            }
            return len;
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }

    public override long RecvMsg(Task t, in MsgBuffers data, int flags, RecvResult result)
    {
        if ((flags & MsgFlags.MSG_OOB) != 0) return -(long)Errno.EOPNOTSUPP;
        if ((flags & MsgFlags.MSG_ERRQUEUE) != 0) return -(long)Errno.EAGAIN;
        bool peek = (flags & MsgFlags.MSG_PEEK) != 0;
        bool nonBlocking = NonBlocking || (flags & MsgFlags.MSG_DONTWAIT) != 0;
        long deadline = RecvDeadline;
        while (true)
        {
            byte[]? d;
            lock (_gate)
            {
                if (_queue.TryPeek(out d) && !peek) _queue.Dequeue();
            }
            if (d != null)
            {
                int copy = (int)Math.Min(d.Length, data.Length);
                if (copy > 0)
                {
                    int c = data.CopyOut(0, d.AsSpan(0, copy));
                    if (c < 0) return c;
                }
                var from = new byte[NetlinkAbi.SockaddrNlSize];
                WriteAddress(from, 0, 0); // from the kernel
                result.From = from;
                if (d.Length > copy) result.MsgFlags |= MsgFlags.MSG_TRUNC;
                return (flags & MsgFlags.MSG_TRUNC) != 0 ? d.Length : copy;
            }
            if (nonBlocking) return -(long)Errno.EAGAIN;
            long w = Wait(t, () => { lock (_gate) return _queue.Count > 0; }, deadline, Queue);
            if (w < 0) return w;
        }
    }

    public override long Shutdown(Task t, int how) =>
        how < ShutdownHow.SHUT_RD || how > ShutdownHow.SHUT_RDWR ? -(long)Errno.EINVAL : 0;

    public override int GetName(Span<byte> addr)
    {
        lock (_gate) return WriteAddress(addr, _portid, _groups);
    }

    public override int GetPeerName(Span<byte> addr)
    {
        lock (_gate) return WriteAddress(addr, _peerPid, _peerGroups);
    }

    /// <summary>A struct sockaddr_nl: family, pad, nl_pid, nl_groups.</summary>
    private static int WriteAddress(Span<byte> addr, uint portid, uint groups)
    {
        addr[..NetlinkAbi.SockaddrNlSize].Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(addr, SocketDomain.AF_NETLINK);
        BinaryPrimitives.WriteUInt32LittleEndian(addr[4..], portid);
        BinaryPrimitives.WriteUInt32LittleEndian(addr[8..], groups);
        return NetlinkAbi.SockaddrNlSize;
    }

    public override long GetSockOpt(Task t, int level, int name, Span<byte> val)
    {
        if (level == SocketLevel.SOL_SOCKET) return base.GetSockOpt(t, level, name, val);
        if (level != NetlinkAbi.SOL_NETLINK) return -(long)Errno.ENOPROTOOPT;
        bool v;
        lock (_gate)
            switch (name)
            {
                case NetlinkAbi.NETLINK_PKTINFO: v = _pktinfo; break;
                case NetlinkAbi.NETLINK_NO_ENOBUFS: v = _noEnobufs; break;
                case NetlinkAbi.NETLINK_CAP_ACK: v = _capAck; break;
                case NetlinkAbi.NETLINK_EXT_ACK: v = _extAck; break;
                case NetlinkAbi.NETLINK_GET_STRICT_CHK: v = _strict; break;
                case NetlinkAbi.NETLINK_BROADCAST_ERROR or NetlinkAbi.NETLINK_LISTEN_ALL_NSID: v = false; break;
                default: return -(long)Errno.ENOPROTOOPT;
            }
        BinaryPrimitives.WriteInt32LittleEndian(val, v ? 1 : 0);
        return 4;
    }

    public override long SetSockOpt(Task t, int level, int name, ReadOnlySpan<byte> val)
    {
        if (level == SocketLevel.SOL_SOCKET) return base.SetSockOpt(t, level, name, val);
        if (level != NetlinkAbi.SOL_NETLINK) return -(long)Errno.ENOPROTOOPT;
        if (val.Length < 4) return -(long)Errno.EINVAL;
        uint x = BinaryPrimitives.ReadUInt32LittleEndian(val);
        bool on = x != 0;
        lock (_gate)
            switch (name)
            {
                case NetlinkAbi.NETLINK_ADD_MEMBERSHIP or NetlinkAbi.NETLINK_DROP_MEMBERSHIP:
                    if (x == 0 || x > 32) return x == 0 ? -(long)Errno.EINVAL : 0;
                    if (name == NetlinkAbi.NETLINK_ADD_MEMBERSHIP) _groups |= 1u << (int)(x - 1); else _groups &= ~(1u << (int)(x - 1));
                    break;
                case NetlinkAbi.NETLINK_PKTINFO: _pktinfo = on; break;
                case NetlinkAbi.NETLINK_NO_ENOBUFS: _noEnobufs = on; break;
                case NetlinkAbi.NETLINK_CAP_ACK: _capAck = on; break;
                case NetlinkAbi.NETLINK_EXT_ACK: _extAck = on; break;
                case NetlinkAbi.NETLINK_GET_STRICT_CHK: _strict = on; break;
                case NetlinkAbi.NETLINK_BROADCAST_ERROR or NetlinkAbi.NETLINK_LISTEN_ALL_NSID: break;
                default: return -(long)Errno.ENOPROTOOPT;
            }
        return 0;
    }

    public override short Readiness(short events)
    {
        int ev = Poll.POLLOUT | Poll.POLLWRNORM;
        lock (_gate) if (_queue.Count > 0) ev |= Poll.POLLIN | Poll.POLLRDNORM;
        return (short)(ev & events);
    }

    public override long InQueue()
    {
        lock (_gate) return _queue.TryPeek(out var d) ? d.Length : 0;
    }

    public override long OutQueue() => 0;

    protected override void Release()
    {
        lock (PortsGate)
            if (_kernel != null) Ports.Remove((_kernel, _portid));
        lock (_gate) _queue.Clear();
    }
}
