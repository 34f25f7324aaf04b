using Sandbox.Linux;

namespace Sandbox.Netstack;

/// <summary>
/// A TCP socket: the RFC 9293 state machine with RFC 6298 timers, NewReno/SACK loss recovery
/// (RFC 6582, RFC 6675), window scaling and timestamps (RFC 7323), Nagle (RFC 896) and
/// keepalive (RFC 1122 4.2.3.6). Calls return counts or -errno and never block; blocking is
/// the caller's business (<see cref="SocketEndpoint.Wait"/> or <see cref="SocketEndpoint.Notify"/>).
/// </summary>
public sealed partial class TcpEndpoint : SocketEndpoint, ITimerTarget
{
    public TcpState State { get; private set; } = TcpState.Closed;
    internal Address RemoteAddr;
    internal ushort RemotePort;
    private Route _route;
    internal bool InDirtyList;

    // Send side (RFC 9293 3.3.1 names).
    private uint _iss, _sndUna, _sndNxt, _sndMax, _sndWl1, _sndWl2;
    private int _sndWnd, _maxSndWnd, _sndShift;
    private ByteRing _sndBuf;
    private bool _finQueued, _finAcked;

    // Receive side.
    private uint _irs, _rcvNxt, _rcvAdv;
    private int _rcvShift;
    private ByteRing _rcvBuf;
    private bool _finReceived;

    // Negotiated options.
    private int _mss = 536, _peerMss = 536;
    private bool _tsOk, _sackOk, _wsOk;
    private uint _tsRecent, _tsOffset;

    // Congestion control and recovery.
    private ICongestionController _cc;
    private bool _inRecovery;
    private uint _recover, _highRxt;
    private int _dupAcks;

    // Deferred work done in Flush() once per batch of received frames.
    private bool _ackNeeded, _outputNeeded, _signalNeeded;
    private int _unackedSegments;

    // Listening.
    private Queue<TcpEndpoint>? _acceptQueue;
    private int _backlog, _embryonic;
    private TcpEndpoint? _listener;
    private bool _accepted, _closedByApp, _everConnected;

    // Application-visible options.
    public bool NoDelay { get; set; }
    public int KeepIdleSeconds { get; set; } = 7200;
    public int KeepIntervalSeconds { get; set; } = 75;
    public int KeepCount { get; set; } = 9;
    /// <summary>SO_LINGER: null when off; 0 makes close() send a reset.</summary>
    public int? LingerSeconds { get; set; }
    /// <summary>TCP_MAXSEG as set by the application (0: from the route's MTU).</summary>
    public int MaxSegmentOption { get; set; }

    public int SendBufferSize
    {
        get { lock (Stack.Sync) return _sndBuf.Capacity; }
        set { lock (Stack.Sync) { _sndBuf.Resize(Math.Clamp(value, 4608, 64 << 20)); Signal(); } }
    }

    public int ReceiveBufferSize
    {
        get { lock (Stack.Sync) return _rcvBuf.Capacity; }
        set { lock (Stack.Sync) if (State is TcpState.Closed or TcpState.Listen) _rcvBuf.Resize(Math.Clamp(value, 2304, 64 << 20)); }
    }

    /// <summary>Selected congestion controller (TCP_CONGESTION): "cubic" or "reno".</summary>
    public string CongestionControlName { get { lock (Stack.Sync) return _cc.Name; } }

    internal TcpEndpoint(NetStack stack, bool v6) : base(stack, v6)
    {
        _sndBuf = new ByteRing(stack.Options.TcpSendBuffer);
        _rcvBuf = new ByteRing(stack.Options.TcpReceiveBuffer);
        _cc = NewController(stack.Options.Congestion);
        LocalAddr = v6 ? Address.AnyV6 : Address.AnyV4;
    }

    private ICongestionController NewController(CongestionControl kind) =>
        kind == CongestionControl.NewReno ? new NewReno(0) : new Cubic(0);

    public int SetCongestionControl(string name)
    {
        lock (Stack.Sync)
        {
            CongestionControl kind;
            if (name == "cubic") kind = CongestionControl.Cubic;
            else if (name == "reno") kind = CongestionControl.NewReno;
            else return -(int)Errno.ENOENT;
            var cc = NewController(kind);
            cc.Cwnd = _cc.Cwnd; cc.Ssthresh = _cc.Ssthresh;
            _cc = cc;
            return 0;
        }
    }

    public SockAddr? RemoteName
    {
        get
        {
            lock (Stack.Sync)
                return State is TcpState.Closed or TcpState.Listen or TcpState.SynSent && !_everConnected ? null
                    : new SockAddr(Present(RemoteAddr), RemotePort);
        }
    }

    public int Bind(SockAddr addr)
    {
        lock (Stack.Sync)
        {
            if (State != TcpState.Closed || LocalPort != 0 || _closedByApp) return -(int)Errno.EINVAL;
            if (ToWire(addr.Addr, out var wire) != 0) return -(int)Errno.EAFNOSUPPORT;
            if (!wire.IsUnspecified && !Stack.IsLocalAddress(wire)) return -(int)Errno.EADDRNOTAVAIL;
            LocalBoundWildcardV6 = addr.Addr.IsV6 && addr.Addr.IsUnspecified;
            return Stack.Tcp.Ports.Bind(this, wire, addr.Port, IgnoreForBind);
        }
    }

    /// <summary>With SO_REUSEADDR, connections in TIME_WAIT do not block a bind (socket(7)).</summary>
    private bool IgnoreForBind(TcpEndpoint o) => ReuseAddress && o.State is TcpState.TimeWait or TcpState.Closed;

    public int Listen(int backlog)
    {
        lock (Stack.Sync)
        {
            if (State == TcpState.Listen) { _backlog = Math.Clamp(backlog, 0, 4096); return 0; }
            if (State != TcpState.Closed || _closedByApp) return -(int)Errno.EINVAL;
            if (LocalPort == 0)
            {
                int e = Stack.Tcp.Ports.Bind(this, LocalAddr, 0);
                if (e != 0) return e;
            }
            else
            {
                // Another listener on an overlapping address needs SO_REUSEPORT on both.
                foreach (var o in Stack.Tcp.Ports.On(LocalPort)!)
                    if (o != this && o.State == TcpState.Listen && !(ReusePort && o.ReusePort)
                        && (o.LocalAddr.IsUnspecified || LocalAddr.IsUnspecified || o.LocalAddr == LocalAddr)
                        && (o.IsV6 == IsV6 || !o.V6Only && !V6Only))
                        return -(int)Errno.EADDRINUSE;
            }
            _backlog = Math.Clamp(backlog, 0, 4096);
            _acceptQueue = new Queue<TcpEndpoint>();
            State = TcpState.Listen;
            return 0;
        }
    }

    /// <summary>Takes an established connection off the accept queue, or -EAGAIN.</summary>
    public int Accept(out TcpEndpoint? conn)
    {
        lock (Stack.Sync)
        {
            conn = null;
            if (State != TcpState.Listen) return -(int)Errno.EINVAL;
            if (!_acceptQueue!.TryDequeue(out var c)) return -(int)Errno.EAGAIN;
            c._accepted = true;
            c._listener = null;
            conn = c;
            return 0;
        }
    }

    public int AcceptQueueLength { get { lock (Stack.Sync) return _acceptQueue?.Count ?? 0; } }

    /// <summary>Starts an active open; returns -EINPROGRESS (wait for Out) or an error.</summary>
    public override int Connect(SockAddr addr)
    {
        lock (Stack.Sync)
        {
            try { return ConnectLocked(addr); }
            finally { Stack.SettleLocked(); }
        }
    }

    private int ConnectLocked(SockAddr addr)
    {
        switch (State)
        {
            case TcpState.SynSent: return -(int)Errno.EALREADY;
            case TcpState.Listen: return -(int)Errno.EISCONN;
            case TcpState.Closed when _everConnected || _closedByApp:
                return PendingError != 0 ? -TakeErrorLocked() : -(int)Errno.EISCONN;
            case TcpState.Closed: break;
            default: return -(int)Errno.EISCONN;
        }
        int e = ToWire(addr.Addr, out var wire);
        if (e != 0) return e;
        if (wire.IsUnspecified) wire = wire.IsV6 ? Address.LoopbackV6 : Address.LoopbackV4; // like Linux
        if (addr.Port == 0 || wire.IsMulticast || wire.IsBroadcast) return -(int)Errno.ENETUNREACH;
        e = Stack.FindRoute(wire, LocalAddr.IsUnspecified ? default : LocalAddr, out var r);
        if (e != 0) return e;
        if (LocalPort == 0)
        {
            // An ephemeral port unique for the new 4-tuple.
            for (int tries = 0; ; tries++)
            {
                e = Stack.Tcp.Ports.Bind(this, LocalAddr, 0);
                if (e != 0) return -(int)Errno.EADDRNOTAVAIL;
                if (!Stack.Tcp.FlowExists(r.Local, LocalPort, wire, addr.Port)) break;
                Stack.Tcp.Ports.Release(this);
                if (tries > 64) return -(int)Errno.EADDRNOTAVAIL;
            }
        }
        else if (Stack.Tcp.FlowExists(r.Local, LocalPort, wire, addr.Port)) return -(int)Errno.EADDRINUSE;
        LocalAddr = r.Local;
        RemoteAddr = wire;
        RemotePort = addr.Port;
        _route = r;
        Stack.Tcp.TryAddFlow(this);
        InitSend();
        _advMss = AdvertisedMss();
        State = TcpState.SynSent;
        SendSyn();
        return -(int)Errno.EINPROGRESS;
    }

    private int TakeErrorLocked() { int e = PendingError; PendingError = 0; return e; }

    private void InitSend()
    {
        // RFC 6528: a 4 µs clock plus a keyed hash of the connection's 4-tuple, so a new
        // incarnation of a flow starts above the old one; timestamps likewise per address pair.
        _iss = (uint)(Stack.Now / 4) + Stack.Tcp.Hash(LocalAddr, LocalPort, RemoteAddr, RemotePort);
        _tsOffset = Stack.Tcp.Hash(LocalAddr, 0, RemoteAddr, 0);
        _sndUna = _iss; _sndNxt = _iss + 1; _sndMax = _iss + 1;
        _recover = _iss;
        _rto = Stack.Options.InitialRtoUs;
    }

    /// <summary>Queues data; returns bytes queued, -EAGAIN when the buffer is full, -EPIPE after shutdown.</summary>
    public int Send(ReadOnlySpan<byte> data)
    {
        lock (Stack.Sync)
        {
            try
            {
                if (PendingError != 0 && State == TcpState.Closed) return -TakeErrorLocked();
                if (_finQueued || _closedByApp) return -(int)Errno.EPIPE;
                switch (State)
                {
                    case TcpState.Established or TcpState.CloseWait: break;
                    case TcpState.SynSent or TcpState.SynReceived: return -(int)Errno.EAGAIN;
                    case TcpState.Closed when _everConnected: return -(int)Errno.EPIPE;
                    default: return -(int)Errno.ENOTCONN;
                }
                if (data.Length == 0) return 0;
                int n = _sndBuf.Write(data);
                if (n == 0) return -(int)Errno.EAGAIN;
                Output();
                return n;
            }
            finally { Stack.SettleLocked(); }
        }
    }

    /// <summary>Reads in-order data; 0 at end of stream, -EAGAIN when nothing is there yet.</summary>
    public int Receive(Span<byte> buf, bool peek = false)
    {
        lock (Stack.Sync)
        {
            try
            {
                if (State == TcpState.Listen) return -(int)Errno.ENOTCONN;
                int n = Math.Min(buf.Length, _rcvBuf.Count);
                if (n > 0)
                {
                    _rcvBuf.Peek(0, buf[..n]);
                    if (!peek)
                    {
                        _rcvBuf.Discard(n);
                        MaybeWindowUpdate();
                    }
                    return n;
                }
                if (buf.Length == 0) return 0;
                if (_finReceived || _shutRead) return 0;
                if (PendingError != 0) return -TakeErrorLocked();
                if (State == TcpState.Closed) return _everConnected ? 0 : -(int)Errno.ENOTCONN;
                if (State is TcpState.SynSent or TcpState.SynReceived) return -(int)Errno.EAGAIN;
                return -(int)Errno.EAGAIN;
            }
            finally { Stack.SettleLocked(); }
        }
    }

    /// <summary>Bytes readable now (FIONREAD).</summary>
    public int Available { get { lock (Stack.Sync) return _rcvBuf.Count; } }
    /// <summary>Bytes queued but not yet acknowledged (TIOCOUTQ).</summary>
    public int Unacknowledged { get { lock (Stack.Sync) return _sndBuf.Count; } }

    private bool _shutRead;

    public int Shutdown(bool read, bool write)
    {
        lock (Stack.Sync)
        {
            try
            {
                if (State is TcpState.Closed or TcpState.SynSent && !_everConnected) return -(int)Errno.ENOTCONN;
                if (State == TcpState.Listen)
                {
                    if (read) { CloseListener(); State = TcpState.Closed; Signal(); }
                    return 0;
                }
                if (read) _shutRead = true;
                if (write) QueueFin();
                Signal();
                return 0;
            }
            finally { Stack.SettleLocked(); }
        }
    }

    private void QueueFin()
    {
        if (_finQueued) return;
        switch (State)
        {
            case TcpState.Established: State = TcpState.FinWait1; break;
            case TcpState.CloseWait: State = TcpState.LastAck; break;
            case TcpState.SynReceived: State = TcpState.FinWait1; break;
            default: return;
        }
        _finQueued = true;
        Output();
    }

    /// <summary>
    /// close(2): graceful (FIN after queued data) unless unread data remains or SO_LINGER is 0,
    /// which reset the connection (RFC 2525 2.17, tcp(7)). The endpoint lives on until done.
    /// </summary>
    public void Close()
    {
        lock (Stack.Sync)
        {
            if (_closedByApp) return;
            _closedByApp = true;
            switch (State)
            {
                case TcpState.Listen: CloseListener(); Terminate(0); break;
                case TcpState.Closed: Terminate(0); break;
                case TcpState.SynSent: Terminate(0); break;
                default:
                    if (_rcvBuf.Count > 0 || LingerSeconds == 0 || State == TcpState.SynReceived && _finQueued)
                    {
                        if (State is not (TcpState.TimeWait or TcpState.Closing or TcpState.LastAck) || LingerSeconds == 0)
                            SendRst(_sndNxt);
                        Terminate(0);
                    }
                    else
                    {
                        QueueFin();
                        if (State == TcpState.FinWait2) ArmFinWait2();
                    }
                    break;
            }
            Stack.SettleLocked();
        }
    }

    /// <summary>Aborts: sends a reset and closes (SO_LINGER 0 close, or the Sentry killing a socket).</summary>
    public void Abort()
    {
        lock (Stack.Sync)
        {
            if (State is not (TcpState.Closed or TcpState.Listen or TcpState.SynSent or TcpState.TimeWait)) SendRst(_sndNxt);
            if (State == TcpState.Listen) CloseListener();
            Terminate((int)Errno.ECONNABORTED);
            Stack.SettleLocked();
        }
    }

    private void CloseListener()
    {
        if (_acceptQueue == null) return;
        while (_acceptQueue.TryDequeue(out var c)) { c.SendRst(c._sndNxt); c.Terminate(0); }
    }

    /// <summary>Enters CLOSED: leaves the flow table, frees the port and buffers, reports an error.</summary>
    private void Terminate(int errno)
    {
        var was = State;
        State = TcpState.Closed;
        if (errno != 0) PendingError = errno;
        Stack.Tcp.RemoveFlow(this);
        if (_listener == null || _accepted) Stack.Tcp.Ports.Release(this);
        if (_listener != null && !_accepted && was == TcpState.SynReceived) _listener._embryonic--;
        _listener = null;
        Stack.Timers.Cancel(this);
        _rtoAt = _delAckAt = _persistAt = _keepAt = _waitAt = long.MaxValue;
        ClearOutOfOrder();
        _sacked.Clear();
        Signal();
    }

    public override PollEvents Readiness()
    {
        PollEvents ev = 0;
        switch (State)
        {
            case TcpState.Listen:
                if (_acceptQueue!.Count > 0) ev |= PollEvents.In;
                return ev;
            case TcpState.SynSent or TcpState.SynReceived:
                return PendingError != 0 ? PollEvents.Err : 0;
        }
        if (_rcvBuf.Count > 0 || _finReceived || _shutRead) ev |= PollEvents.In;
        if (_finReceived) ev |= PollEvents.RdHup;
        if (State is TcpState.Established or TcpState.CloseWait && !_finQueued && _sndBuf.Free > 0) ev |= PollEvents.Out;
        if (State == TcpState.Closed)
        {
            ev |= PollEvents.Hup | PollEvents.In;
            if (!_everConnected || PendingError != 0) ev |= PollEvents.Out;
        }
        else if (_finReceived && _finQueued) ev |= PollEvents.Hup;
        if (PendingError != 0) ev |= PollEvents.Err;
        return ev;
    }
}
