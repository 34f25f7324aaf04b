using Sandbox.Linux;

namespace Sandbox.Netstack;

public sealed partial class TcpEndpoint
{
    private long _rtoAt = long.MaxValue, _delAckAt = long.MaxValue, _persistAt = long.MaxValue,
        _keepAt = long.MaxValue, _waitAt = long.MaxValue;
    private long _rto, _srtt, _rttvar, _rttStartUs;
    private int _backoff, _retries, _synRetries, _persistBackoff;
    private bool _rttTiming;
    private uint _rttSeq;

    private uint TsNow() => (uint)(Stack.Now / 1000) + _tsOffset;

    private long CurrentRto() => Math.Min(_rto << Math.Min(_backoff, 20), Stack.Options.MaxRtoUs);

    /// <summary>RFC 6298 section 2: smoothed RTT, variance, and RTO with the stack's floor (Linux's 200 ms).</summary>
    private void SampleRtt(long r)
    {
        r = Math.Max(r, 1);
        if (_srtt == 0) { _srtt = r; _rttvar = r / 2; }
        else
        {
            _rttvar = (3 * _rttvar + Math.Abs(_srtt - r)) / 4;
            _srtt = (7 * _srtt + r) / 8;
        }
        _rto = Math.Clamp(_srtt + Math.Max(1000, 4 * _rttvar), Stack.Options.MinRtoUs, Stack.Options.MaxRtoUs);
    }

    private void ArmTimers()
    {
        long d = Math.Min(Math.Min(_rtoAt, _delAckAt), Math.Min(Math.Min(_persistAt, _keepAt), _waitAt));
        if (d != long.MaxValue) Stack.ArmTimer(this, d);
    }

    long ITimerTarget.OnTimer(long now)
    {
        if (State == TcpState.Closed) return long.MaxValue;
        if (_waitAt <= now)
        {
            _waitAt = long.MaxValue;
            if (State is TcpState.TimeWait or TcpState.FinWait2) { Terminate(0); return long.MaxValue; }
        }
        if (_delAckAt <= now) { _delAckAt = long.MaxValue; SendAck(); }
        if (_rtoAt <= now) { _rtoAt = long.MaxValue; OnRetransmitTimeout(now); }
        if (State == TcpState.Closed) return long.MaxValue;
        if (_persistAt <= now) OnPersist(now);
        if (_keepAt <= now) OnKeepalive(now);
        if (State == TcpState.Closed) return long.MaxValue;
        Stack.MarkDirty(this);
        return Math.Min(Math.Min(_rtoAt, _delAckAt), Math.Min(Math.Min(_persistAt, _keepAt), _waitAt));
    }

    private void OnRetransmitTimeout(long now)
    {
        switch (State)
        {
            case TcpState.SynSent or TcpState.SynReceived:
                int limit = State == TcpState.SynSent ? Stack.Options.SynRetries : Stack.Options.SynAckRetries;
                if (++_synRetries > limit)
                {
                    Terminate(State == TcpState.SynSent ? (int)Errno.ETIMEDOUT : 0);
                    return;
                }
                _backoff++;
                // A SYN that went unanswered resets the RTO to the initial value (RFC 6298 5.7).
                SendSyn();
                return;
            case TcpState.TimeWait or TcpState.FinWait2 or TcpState.Listen:
                return;
        }
        if (_sndUna == _sndMax) return;
        if (++_retries > Stack.Options.Retries2)
        {
            SendRst(_sndNxt);
            Terminate(_softError != 0 ? _softError : (int)Errno.ETIMEDOUT);
            return;
        }
        Stack.Stats.TcpTimeouts++;
        // RFC 5681 section 3.1 (equation 4) and 6298 section 5: collapse the window, back off, resend.
        if (_backoff == 0) _cc.OnTimeout((int)(_sndMax - _sndUna), _mss, now);
        else _cc.Cwnd = _mss;
        _inRecovery = false;
        _recover = _sndMax;
        _dupAcks = 0;
        _sndNxt = _sndUna;
        _highRxt = _sndUna;
        _rttTiming = false;
        _backoff++;
        _rtoAt = now + CurrentRto();
        Output();
        if (Seq.Le(_sndNxt, _sndUna)) RetransmitFirst(); // window closed: still probe with the first segment
        _rtoAt = now + CurrentRto();
    }

    /// <summary>Zero window probing (RFC 9293 3.8.6.1) with exponential backoff.</summary>
    private void OnPersist(long now)
    {
        _persistAt = long.MaxValue;
        if (_sndBuf.Count == 0 || !CanSendData) { _persistBackoff = 0; return; }
        if (_sndWnd > 0)
        {
            // A small window held back by silly window avoidance: send what fits now.
            _persistBackoff = 0;
            _swsOverride = true;
            Output();
            _swsOverride = false;
            return;
        }
        SendProbe();
        _persistBackoff = Math.Min(_persistBackoff + 1, 10);
        _persistAt = now + Math.Min(CurrentRto() << _persistBackoff, 60_000_000);
    }

    private void ArmKeepalive()
    {
        if (!_keepAlive || State is not (TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.FinWait2))
        {
            _keepAt = long.MaxValue;
            return;
        }
        _keepAt = _lastRecvUs + KeepIdleSeconds * 1_000_000L;
        ArmTimers();
    }

    private bool _keepAlive;

    /// <summary>SO_KEEPALIVE (RFC 1122 4.2.3.6): probe an idle connection, give up after KeepCount probes.</summary>
    public bool KeepAlive
    {
        get => _keepAlive;
        set { lock (Stack.Sync) { _keepAlive = value; ArmKeepalive(); } }
    }

    private void OnKeepalive(long now)
    {
        _keepAt = long.MaxValue;
        if (!_keepAlive) return;
        long idle = now - _lastRecvUs;
        if (idle < KeepIdleSeconds * 1_000_000L) { ArmKeepalive(); return; }
        if (_keepProbes >= KeepCount)
        {
            SendRst(_sndNxt);
            Terminate((int)Errno.ETIMEDOUT);
            return;
        }
        SendProbe();
        _keepProbes++;
        _keepAt = now + KeepIntervalSeconds * 1_000_000L;
    }

    private void ArmFinWait2()
    {
        _waitAt = Stack.Now + Stack.Options.FinWait2TimeoutUs;
        ArmTimers();
    }
}
