using Sandbox.Linux;

namespace Sandbox.Netstack;

public sealed partial class TcpEndpoint
{
    private long _lastRecvUs;
    private int _keepProbes;

    /// <summary>A segment for a listening socket (RFC 9293 3.10.7.2): SYNs make embryonic connections.</summary>
    internal void OnListenSegment(Nic nic, Address src, ushort sport, Address dst, ref Segment s)
    {
        if (s.Has(TcpFlags.Rst)) return;
        if (s.Has(TcpFlags.Ack)) { Stack.Tcp.SendReset(src, sport, dst, LocalPort, ref s); return; }
        if (!s.Has(TcpFlags.Syn) || s.Has(TcpFlags.Fin)) return;
        // Like Linux: a full accept queue (or too many half-open connections) drops the SYN
        // and the client retries; no SYN cookies.
        if (_acceptQueue!.Count >= Math.Max(_backlog, 1) || _embryonic >= Math.Max(_backlog, 1) * 2 + 8) return;
        if (Stack.FindRoute(src, dst, out var r) != 0) return;

        var c = new TcpEndpoint(Stack, IsV6)
        {
            NoDelay = NoDelay, KeepAlive = KeepAlive, KeepIdleSeconds = KeepIdleSeconds,
            KeepIntervalSeconds = KeepIntervalSeconds, KeepCount = KeepCount, LingerSeconds = LingerSeconds,
            MaxSegmentOption = MaxSegmentOption, Ttl = Ttl, Tos = Tos, V6Only = V6Only,
            LocalBoundWildcardV6 = LocalBoundWildcardV6,
        };
        c._sndBuf.Resize(_sndBuf.Capacity);
        c._rcvBuf = new ByteRing(_rcvBuf.Capacity);
        c._cc = NewController(_cc.Name == "reno" ? CongestionControl.NewReno : CongestionControl.Cubic);
        c.LocalAddr = dst; c.LocalPort = LocalPort;
        c.RemoteAddr = src; c.RemotePort = sport;
        c._route = r;
        c._listener = this;
        c.InitSend();
        c.AcceptSynOptions(ref s);
        c._irs = s.Seq;
        c._rcvNxt = s.Seq + 1;
        c._sndWnd = s.Window; // never scaled in a SYN (RFC 7323 2.2)
        c._maxSndWnd = c._sndWnd;
        c._sndWl1 = s.Seq; c._sndWl2 = c._iss;
        c.State = TcpState.SynReceived;
        c._lastRecvUs = Stack.Now;
        if (!Stack.Tcp.TryAddFlow(c)) return;
        _embryonic++;
        c.SendSyn();
    }

    /// <summary>Takes the peer's SYN options and settles ours (RFC 7323 1.3, RFC 2018 2).</summary>
    private void AcceptSynOptions(ref Segment s)
    {
        var o = s.Options;
        _peerMss = o.MssValue > 0 ? o.MssValue : (RemoteAddr.IsV6 ? 1220 : 536);
        _wsOk = o.WsShift >= 0 && Stack.Options.WindowScaling;
        _sndShift = _wsOk ? o.WsShift : 0;
        _rcvShift = _wsOk ? WindowShiftFor(_rcvBuf.Capacity) : 0;
        _tsOk = o.HasTimestamp && Stack.Options.Timestamps;
        if (_tsOk) _tsRecent = o.TsVal;
        _sackOk = o.SackOk && Stack.Options.Sack;
        _advMss = AdvertisedMss();
        _mss = Math.Max(64, Math.Min(_peerMss, _advMss) - (_tsOk ? 12 : 0));
        // With segmentation offload, new data goes out in super-segments of whole MSS multiples.
        int gso = _route.Nic?.Link.GsoMaxSize ?? 0;
        int room = Math.Min(gso, 65535) - EthernetHeader.Length - Ipv6Header.Length - 60;
        _segMax = gso > 0 && room >= 2 * _mss ? room / _mss * _mss : _mss;
        _cc.Cwnd = Stack.Options.InitialCwnd * _mss;
    }

    private static int WindowShiftFor(int buffer)
    {
        int shift = 0;
        while (shift < 14 && (buffer >> shift) > 65535) shift++;
        return shift;
    }

    private int _advMss, _segMax = 536;

    private int AdvertisedMss()
    {
        int mtu = _route.Nic?.Mtu ?? 1500;
        int m = mtu - (RemoteAddr.IsV6 ? Ipv6Header.Length : Ipv4Header.Length) - TcpHeader.MinLength;
        if (MaxSegmentOption > 0) m = Math.Min(m, MaxSegmentOption);
        return Math.Clamp(m, 88, 65535 - Ipv4Header.Length - TcpHeader.MinLength);
    }

    /// <summary>A segment for this connection (RFC 9293 3.10.7.3 and 3.10.7.4).</summary>
    internal void OnSegment(ref Segment s)
    {
        switch (State)
        {
            case TcpState.Closed: return;
            case TcpState.SynSent: OnSynSentSegment(ref s); return;
        }
        _lastRecvUs = Stack.Now;
        _keepProbes = 0;
        _segmentsIn++;

        // PAWS (RFC 7323 5.3): an old timestamp marks a stale duplicate.
        if (_tsOk && s.Options.HasTimestamp && !s.Has(TcpFlags.Rst) && Seq.Lt(s.Options.TsVal, _tsRecent))
        {
            if (State != TcpState.SynReceived) AckNow();
            return;
        }

        if (State == TcpState.TimeWait) { OnTimeWaitSegment(ref s); return; }

        // Acceptability (RFC 9293 3.10.7.4, first check).
        int wnd = Math.Max(0, (int)(_rcvAdv - _rcvNxt));
        if (State == TcpState.SynReceived) wnd = Math.Max(wnd, 1);
        int len = s.SeqLength;
        bool ok = len == 0
            ? (wnd == 0 ? s.Seq == _rcvNxt : Seq.InRange(s.Seq, _rcvNxt, _rcvNxt + (uint)wnd))
            : wnd > 0 && (Seq.InRange(s.Seq, _rcvNxt, _rcvNxt + (uint)wnd)
                          || Seq.InRange(s.Seq + (uint)len - 1, _rcvNxt, _rcvNxt + (uint)wnd));
        if (!ok)
        {
            if (!s.Has(TcpFlags.Rst)) AckNow();
            return;
        }

        if (s.Has(TcpFlags.Rst))
        {
            // RFC 5961 3.2: only an exact match resets; in-window others get a challenge ACK.
            if (s.Seq != _rcvNxt) { AckNow(); return; }
            if (State == TcpState.SynReceived && _listener != null && !_accepted) { Terminate(0); return; }
            Terminate(State is TcpState.SynReceived ? (int)Errno.ECONNREFUSED
                : State is TcpState.Closing or TcpState.LastAck ? 0 : (int)Errno.ECONNRESET);
            return;
        }
        if (s.Has(TcpFlags.Syn))
        {
            if (State == TcpState.SynReceived && s.Seq == _irs) { SendSyn(); return; } // retransmitted SYN
            AckNow(); // RFC 5961 4.2 challenge ACK
            return;
        }
        if (!s.Has(TcpFlags.Ack)) return;

        if (State == TcpState.SynReceived)
        {
            if (!Seq.InRange(s.Ack, _sndUna + 1, _sndMax + 1))
            {
                Stack.Tcp.SendReset(RemoteAddr, RemotePort, LocalAddr, LocalPort, ref s);
                return;
            }
            if (_listener != null && !_accepted)
            {
                if (_listener.State != TcpState.Listen)
                {
                    Stack.Tcp.SendReset(RemoteAddr, RemotePort, LocalAddr, LocalPort, ref s);
                    Terminate(0);
                    return;
                }
                // Accept queue full: ignore the ACK and keep retransmitting the SYN-ACK, like Linux.
                if (_listener._acceptQueue!.Count >= Math.Max(_listener._backlog, 1)) return;
                _listener._embryonic--;
                _listener._acceptQueue.Enqueue(this);
                _listener.Signal();
            }
            // The ACK covers our SYN: account for it here so only data (and FIN) remain.
            if (_synRetries == 0) SampleRtt(Stack.Now - _synSentAt);
            _sndUna = _iss + 1;
            _synRetries = _retries = _backoff = 0;
            _rtoAt = _sndMax == _sndUna ? long.MaxValue : Stack.Now + CurrentRto();
            EnterEstablished(ref s);
            if (_finQueued) State = TcpState.FinWait1;
        }

        if (!ProcessAck(ref s)) return;

        // Data and FIN (RFC 9293 3.10.7.4 seventh and eighth).
        if (State is TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2)
        {
            if (s.Data.Length > 0 || s.Has(TcpFlags.Fin)) ReceiveData(ref s);
        }
        else if (s.Data.Length > 0 || s.Has(TcpFlags.Fin))
        {
            // Peer already sent FIN: data or FIN again is a retransmission; just acknowledge.
            if (Seq.Lt(s.Seq, _rcvNxt)) _ackNeeded = true;
        }
        Stack.MarkDirty(this);
    }

    private void EnterEstablished(ref Segment s)
    {
        State = TcpState.Established;
        _everConnected = true;
        _sndWnd = s.Window << _sndShift;
        _maxSndWnd = Math.Max(_maxSndWnd, _sndWnd);
        _sndWl1 = s.Seq; _sndWl2 = s.Ack;
        ArmKeepalive();
        _signalNeeded = true;
        Stack.MarkDirty(this);
    }

    private void OnSynSentSegment(ref Segment s)
    {
        bool ackOk = false;
        if (s.Has(TcpFlags.Ack))
        {
            if (!Seq.InRange(s.Ack, _iss + 1, _sndMax + 1))
            {
                if (!s.Has(TcpFlags.Rst)) Stack.Tcp.SendReset(RemoteAddr, RemotePort, LocalAddr, LocalPort, ref s);
                return;
            }
            ackOk = true;
        }
        if (s.Has(TcpFlags.Rst))
        {
            if (ackOk) Terminate((int)Errno.ECONNREFUSED);
            return;
        }
        if (!s.Has(TcpFlags.Syn)) return;
        _irs = s.Seq;
        _rcvNxt = s.Seq + 1;
        _rcvAdv = _rcvNxt + (uint)Math.Min(_rcvBuf.Free, 65535);
        AcceptSynOptions(ref s);
        _lastRecvUs = Stack.Now;
        if (ackOk)
        {
            _sndUna = s.Ack;
            if (_synSentAt > 0 && _synRetries == 0) SampleRtt(Stack.Now - _synSentAt);
            _rtoAt = long.MaxValue;
            _retries = 0;
            EnterEstablished(ref s);
            s.Flags &= ~TcpFlags.Syn;
            s.Seq++;
            if (_finQueued) State = TcpState.FinWait1;
            if (s.Data.Length > 0 || s.Has(TcpFlags.Fin)) ReceiveData(ref s);
            _ackNeeded = true;
            _outputNeeded = true;
            Stack.MarkDirty(this);
        }
        else
        {
            // Simultaneous open (RFC 9293 3.5, figure 8): answer with SYN-ACK.
            _sndWnd = s.Window;
            _sndWl1 = s.Seq;
            State = TcpState.SynReceived;
            SendSyn();
        }
    }

    /// <summary>Ends TIME_WAIT for a new connection whose SYN lies beyond our RCV.NXT; true if it did.</summary>
    internal bool ReuseTimeWait(uint synSeq)
    {
        if (!Seq.Gt(synSeq, _rcvNxt)) return false;
        Terminate(0);
        return true;
    }

    private void OnTimeWaitSegment(ref Segment s)
    {
        if (s.Has(TcpFlags.Rst)) { Terminate(0); return; } // like Linux (RFC 1337 notwithstanding)
        // A retransmitted FIN: acknowledge again and restart the 2MSL wait (RFC 9293 3.10.7.4).
        if (s.Has(TcpFlags.Fin) || s.Data.Length > 0 || s.Has(TcpFlags.Syn))
        {
            AckNow();
            if (s.Has(TcpFlags.Fin)) _waitAt = Stack.Now + Stack.Options.TimeWaitUs;
            ArmTimers();
        }
    }

    /// <summary>The ACK field (RFC 9293 3.10.7.4 fifth check); false when the segment must be dropped.</summary>
    private bool ProcessAck(ref Segment s)
    {
        uint ack = s.Ack;
        if (Seq.Gt(ack, _sndMax)) { AckNow(); return false; }

        if (_tsOk && s.Options.HasTimestamp && Seq.Le(s.Seq, _rcvNxt) && Seq.Ge(s.Options.TsVal, _tsRecent))
            _tsRecent = s.Options.TsVal;

        int acked = (int)(ack - _sndUna);
        if (acked < 0) acked = 0;
        bool windowChanged = false;

        // Window update (RFC 9293 3.10.7.4, SND.WL1/WL2 rule).
        if (Seq.Lt(_sndWl1, s.Seq) || (_sndWl1 == s.Seq && Seq.Le(_sndWl2, ack)))
        {
            int w = s.Window << _sndShift;
            windowChanged = w != _sndWnd;
            _sndWnd = w;
            _maxSndWnd = Math.Max(_maxSndWnd, w);
            _sndWl1 = s.Seq; _sndWl2 = ack;
            if (w > 0) _persistAt = long.MaxValue;
        }

        if (_sackOk && s.Options.SackCount > 0) UpdateScoreboard(ref s.Options);

        if (acked > 0)
        {
            int flightBefore = (int)(_sndMax - _sndUna);
            // The FIN takes one sequence number after the data.
            int dataAcked = Math.Min(acked, _sndBuf.Count);
            _sndBuf.Discard(dataAcked);
            if (_finQueued && acked > dataAcked) _finAcked = true;
            _sndUna = ack;
            if (Seq.Lt(_sndNxt, _sndUna)) _sndNxt = _sndUna;
            _bytesAcked += acked;
            DropScoreboardBelow(_sndUna);
            _dupAcks = 0;
            _retries = 0;
            _backoff = 0;

            if (_rttTiming && Seq.Gt(ack, _rttSeq)) { _rttTiming = false; SampleRtt(Stack.Now - _rttStartUs); }
            else if (_tsOk && s.Options.HasTimestamp && s.Options.TsEcr != 0 && _srtt == 0)
                SampleRtt(Math.Max(1, (long)(TsNow() - s.Options.TsEcr)) * 1000);

            if (_inRecovery)
            {
                if (Seq.Ge(ack, _recover))
                {
                    _inRecovery = false;
                    _cc.Cwnd = Math.Max(Math.Min(_cc.Ssthresh, (int)(_sndMax - _sndUna) + _mss), 2 * _mss);
                }
                else if (!_sackOk)
                {
                    // NewReno partial ACK (RFC 6582 3.2 step 5): retransmit the next hole, deflate.
                    RetransmitFirst();
                    _cc.Cwnd = Math.Max(_cc.Cwnd - acked + _mss, _mss);
                }
                else
                {
                    if (Seq.Lt(_highRxt, _sndUna)) _highRxt = _sndUna;
                    _rxtMark = _sndMax; // watch the retransmission now at SND.UNA from here on
                }
            }
            else if (flightBefore >= _cc.Cwnd - 2 * _mss || _cc.Cwnd < _cc.Ssthresh)
                _cc.OnAck(acked, _mss, Stack.Now, _srtt); // grow only when the window was used (RFC 7661 spirit)

            _rtoAt = _sndUna == _sndMax ? long.MaxValue : Stack.Now + CurrentRto();
            _outputNeeded = true;
            if (_sndBuf.Free > 0) _signalNeeded = true;

            if (_finAcked)
            {
                switch (State)
                {
                    case TcpState.FinWait1: State = TcpState.FinWait2; if (_closedByApp) ArmFinWait2(); break;
                    case TcpState.Closing: EnterTimeWait(); break;
                    case TcpState.LastAck: Terminate(0); return false;
                }
            }
        }
        else if (ack == _sndUna && _sndMax != _sndUna && s.Data.Length == 0 && !s.Has(TcpFlags.Fin) && !windowChanged)
        {
            // Duplicate ACK (RFC 5681 section 2).
            _dupAcks++;
            if (_inRecovery)
            {
                if (!_sackOk) _cc.Cwnd += _mss; // window inflation (RFC 6582 3.2 step 4)
                _outputNeeded = true;
            }
            else if ((_dupAcks >= 3 || (_sackOk && SackedBytes() > 3 * _mss)) && Seq.Ge(_sndUna, _recover))
                EnterRecovery();
        }
        else if (_inRecovery || (_sackOk && !_inRecovery && SackedBytes() > 3 * _mss && Seq.Ge(_sndUna, _recover)))
        {
            if (!_inRecovery) EnterRecovery();
            _outputNeeded = true;
        }
        if (windowChanged) _outputNeeded = true;
        if (_inRecovery && s.Options.SackCount > 0) DetectLostRetransmission();
        return true;
    }

    private void EnterRecovery()
    {
        int flight = (int)(_sndMax - _sndUna);
        _inRecovery = true;
        _recover = _sndMax;
        _highRxt = _sndUna;
        _cc.OnLoss(flight, _mss, Stack.Now);
        if (!_sackOk) _cc.Cwnd = _cc.Ssthresh + 3 * _mss;
        _rttTiming = false;
        Stack.Stats.TcpFastRetransmits++;
        _fastRetransmits++;
        RetransmitFirst();
        _outputNeeded = true;
    }

    /// <summary>Data and FIN of an acceptable segment (RFC 9293 3.10.7.4 seventh/eighth check).</summary>
    private void ReceiveData(ref Segment s)
    {
        uint seq = s.Seq;
        var data = s.Data;
        bool fin = s.Has(TcpFlags.Fin);
        // Trim what we already have.
        if (Seq.Lt(seq, _rcvNxt))
        {
            int dup = (int)(_rcvNxt - seq);
            dup = Math.Min(dup, data.Length);
            data = data[dup..];
            seq += (uint)dup;
            if (Seq.Lt(seq, _rcvNxt)) { _ackNeeded = true; return; } // only an old FIN
            _ackNeeded = true;                                       // a duplicate: answer at once (D-SACK-less)
        }
        // Trim what does not fit the buffer.
        int room = _rcvBuf.Free - _oooBytes;
        uint edge = _rcvNxt + (uint)Math.Max(room, (int)(_rcvAdv - _rcvNxt));
        if (Seq.Gt(seq + (uint)data.Length, edge))
        {
            int keep = (int)Math.Max(0, (long)(int)(edge - seq));
            data = data[..Math.Min(keep, data.Length)];
            fin = false;
        }
        if (_shutRead && _closedByApp && data.Length > 0)
        {
            SendRst(_sndNxt);
            Terminate((int)Errno.ECONNRESET);
            return;
        }

        if (seq == _rcvNxt)
        {
            int n = _rcvBuf.Write(data);
            _rcvNxt += (uint)n;
            _bytesReceived += n;
            if (n < data.Length) fin = false;
            bool filled = _oooSegs.Count > 0;
            if (filled) fin |= DrainOutOfOrder();
            if (n > 0) _signalNeeded = true;
            if (filled) _ackNeeded = true;
            else if (n > 0 && ++_unackedSegments >= 2) _ackNeeded = true;
            else if (n > 0 && _delAckAt == long.MaxValue) { _delAckAt = Stack.Now + Stack.Options.DelayedAckUs; ArmTimers(); }
            if (fin) ReceiveFin();
        }
        else
        {
            if (data.Length > 0 || fin) StoreOutOfOrder(seq, data, fin);
            _ackNeeded = true; // duplicate ACK with SACK for fast retransmit (RFC 5681 4.2)
        }
    }

    private void ReceiveFin()
    {
        if (_finReceived) return;
        _finReceived = true;
        _rcvNxt++;
        _ackNeeded = true;
        _signalNeeded = true;
        switch (State)
        {
            case TcpState.Established: State = TcpState.CloseWait; break;
            case TcpState.FinWait1:
                if (_finAcked) EnterTimeWait();
                else State = TcpState.Closing; // simultaneous close (RFC 9293 figure 13)
                break;
            case TcpState.FinWait2: EnterTimeWait(); break;
        }
    }

    private void EnterTimeWait()
    {
        State = TcpState.TimeWait;
        _rtoAt = _persistAt = _keepAt = long.MaxValue;
        _waitAt = Stack.Now + Stack.Options.TimeWaitUs;
        ClearOutOfOrder();
        ArmTimers();
        _signalNeeded = true;
        Stack.MarkDirty(this);
    }

    /// <summary>
    /// Path MTU discovery: a router could not forward one of our segments. Lower the MSS (never
    /// below the 576/1280-byte minimum MTUs' worth) and resend what is outstanding in smaller pieces.
    /// </summary>
    internal void OnPacketTooBig(int mtu)
    {
        if (State is TcpState.Closed or TcpState.Listen or TcpState.TimeWait) return;
        int floor = RemoteAddr.IsV6 ? 1280 : 576;
        int hdr = (RemoteAddr.IsV6 ? Ipv6Header.Length : Ipv4Header.Length) + TcpHeader.MinLength + (_tsOk ? 12 : 0);
        int mss = Math.Max(mtu, floor) - hdr;
        if (mss >= _mss) return;
        _mss = mss;
        _segMax = Math.Min(_segMax, _mss);
        _pmtu = Math.Max(mtu, floor);
        if (State == TcpState.SynSent || _sndUna == _sndMax) return;
        // Not congestion: resend from SND.UNA without touching the window (RFC 1191 section 6.3).
        _sndNxt = _sndUna;
        _rttTiming = false;
        Output();
        Stack.MarkDirty(this);
    }

    private int _pmtu;

    internal void OnUnreachable(bool hard)
    {
        if (State == TcpState.SynSent && hard) { Terminate((int)Errno.ECONNREFUSED); return; }
        if (State is TcpState.SynSent or TcpState.SynReceived) return;
        // Soft error: kept until a later timeout reports it (RFC 1122 4.2.3.9).
        _softError = hard ? (int)Errno.EHOSTUNREACH : 0;
    }

    private int _softError;
}
