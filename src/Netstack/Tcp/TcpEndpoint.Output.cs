using System.Buffers.Binary;

namespace Sandbox.Netstack;

public sealed partial class TcpEndpoint
{
    private long _segmentsOut, _retransmittedSegments, _fastRetransmits, _bytesAcked, _bytesReceived;

    /// <summary>Work deferred until a batch of frames (or an API call) is done.</summary>
    internal void Flush()
    {
        if (State != TcpState.Closed)
        {
            if (_outputNeeded) { _outputNeeded = false; Output(); }
            if (_ackNeeded) SendAck();
            ArmTimers();
        }
        if (_signalNeeded) { _signalNeeded = false; Signal(); }
    }

    private void AckNow()
    {
        _ackNeeded = true;
        Stack.MarkDirty(this);
    }

    private bool CanSendData => State is TcpState.Established or TcpState.CloseWait or TcpState.FinWait1
        or TcpState.Closing or TcpState.LastAck;

    /// <summary>Sends what the windows allow: hole retransmissions in SACK recovery, then new data and the FIN.</summary>
    private void Output()
    {
        if (!CanSendData || _finAcked) return;
        for (int guard = 0; guard < 4096; guard++)
        {
            bool sackRecovery = _inRecovery && _sackOk && _sacked.Count > 0;
            if (sackRecovery)
            {
                if (Pipe() >= _cc.Cwnd) break;
                if (NextHole(out uint hs, out int hl))
                {
                    SendData(hs, hl, fin: false);
                    _highRxt = hs + (uint)hl;
                    if (hs == _sndUna) _rxtMark = _sndMax;
                    continue;
                }
            }
            // After a timeout, go back over what was sent, skipping SACKed ranges.
            if (Seq.Lt(_sndNxt, _sndMax)) SkipSacked();
            uint dataEnd = _sndUna + (uint)_sndBuf.Count;
            int available = (int)(dataEnd - _sndNxt);
            if (available < 0) available = 0;
            int flight = sackRecovery ? Pipe() : (int)(_sndNxt - _sndUna);
            int room = Math.Min(_cc.Cwnd - flight, (int)(_sndUna + (uint)_sndWnd - _sndNxt));
            int seg = sackRecovery || Seq.Lt(_sndNxt, _sndMax) ? _mss : _segMax;
            int len = Math.Min(Math.Min(available, seg), room);
            if (Seq.Lt(_sndNxt, _sndMax)) len = Math.Min(len, BytesToNextSacked(_sndNxt));

            if (len <= 0)
            {
                if (available == 0 && _finQueued && _sndNxt == dataEnd)
                {
                    SendData(_sndNxt, 0, fin: true);
                    _sndNxt++;
                    if (Seq.Gt(_sndNxt, _sndMax)) _sndMax = _sndNxt;
                }
                else if (available > 0 && _sndWnd == 0 && _sndMax == _sndUna && _persistAt == long.MaxValue)
                {
                    _persistAt = Stack.Now + CurrentRto();
                }
                break;
            }
            bool tail = len == available;
            if (len < _mss)
            {
                // Sender-side silly window avoidance (RFC 9293 3.8.6.2.1), overridden when the
                // persist timer fires with nothing in flight ...
                if (!tail && len < _maxSndWnd / 2 && !_swsOverride)
                {
                    if (_sndMax == _sndUna && _persistAt == long.MaxValue) _persistAt = Stack.Now + CurrentRto();
                    break;
                }
                // ... and Nagle (RFC 896): one small segment outstanding at most.
                if (tail && !NoDelay && _sndMax != _sndUna && Seq.Ge(_sndNxt, _sndMax) && !_finQueued) break;
            }
            bool fin = _finQueued && _sndNxt + (uint)len == dataEnd;
            SendData(_sndNxt, len, fin);
            _sndNxt += (uint)len + (fin ? 1u : 0u);
            if (Seq.Gt(_sndNxt, _sndMax)) _sndMax = _sndNxt;
        }
    }

    /// <summary>Retransmits the first unacknowledged segment (fast retransmit, NewReno partial ACK).</summary>
    private void RetransmitFirst()
    {
        int len = Math.Min(_mss, _sndBuf.Count);
        bool fin = _finQueued && len == _sndBuf.Count && Seq.Gt(_sndMax, _sndUna + (uint)len);
        if (len == 0 && !fin) return;
        SendData(_sndUna, len, fin);
        if (Seq.Lt(_highRxt, _sndUna + (uint)len)) _highRxt = _sndUna + (uint)len;
        _rxtMark = _sndMax;
    }

    /// <summary>SND.MAX when the segment at SND.UNA was last retransmitted (for lost retransmissions).</summary>
    private uint _rxtMark;

    /// <summary>
    /// A retransmission is lost when data sent after it has been SACKed while it is still
    /// unacknowledged (the time-ordering idea of RACK, RFC 8985): send it again rather than
    /// wait for the retransmission timer.
    /// </summary>
    private void DetectLostRetransmission()
    {
        if (!_inRecovery || !_sackOk || _sacked.Count == 0 || !Seq.Gt(_highRxt, _sndUna)) return;
        if (!Seq.Gt(_sacked[^1].End, _rxtMark)) return;
        Stack.Stats.TcpLostRetransmits++;
        RetransmitFirst();
    }

    private void SendAck() => SendData(_sndNxt, 0, fin: false);

    /// <summary>A keepalive or zero-window probe: an old sequence number the peer must acknowledge.</summary>
    private void SendProbe() => SendData(_sndUna - 1, 0, fin: false);

    private void SendRst(uint seq)
    {
        if (State is TcpState.Closed or TcpState.Listen) return;
        Stack.Tcp.SendControl(RemoteAddr, RemotePort, LocalAddr, LocalPort, seq, _rcvNxt, TcpFlags.Rst | TcpFlags.Ack, 0);
    }

    private long _synSentAt;
    private bool _swsOverride;

    /// <summary>SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED) with our options (RFC 9293 3.2, RFC 7323, RFC 2018).</summary>
    private void SendSyn()
    {
        var buf = Stack.TxBuffer;
        var h = buf.AsSpan(NetStack.Headroom);
        int o = TcpHeader.MinLength;
        h[o] = TcpOptions.Mss; h[o + 1] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(h[(o + 2)..], (ushort)_advMss);
        o += 4;
        bool synAck = State == TcpState.SynReceived;
        bool ts = synAck ? _tsOk : Stack.Options.Timestamps;
        bool sack = synAck ? _sackOk : Stack.Options.Sack;
        bool ws = synAck ? _wsOk : Stack.Options.WindowScaling;
        if (sack) { h[o] = TcpOptions.SackPermitted; h[o + 1] = 2; o += 2; }
        else { h[o] = h[o + 1] = TcpOptions.Nop; o += 2; }
        if (ts)
        {
            h[o] = TcpOptions.Timestamp; h[o + 1] = 10;
            BinaryPrimitives.WriteUInt32BigEndian(h[(o + 2)..], TsNow());
            BinaryPrimitives.WriteUInt32BigEndian(h[(o + 6)..], synAck ? _tsRecent : 0);
            o += 10;
        }
        if (ws)
        {
            if (!synAck) _rcvShift = WindowShiftFor(_rcvBuf.Capacity);
            h[o] = TcpOptions.Nop; h[o + 1] = TcpOptions.WindowScale; h[o + 2] = 3; h[o + 3] = (byte)_rcvShift;
            o += 4;
        }
        while ((o & 3) != 0) h[o++] = TcpOptions.Nop;
        int win = Math.Min(_rcvBuf.Free, 65535);
        if (synAck) _rcvAdv = _rcvNxt + (uint)win;
        var flags = TcpFlags.Syn | (synAck ? TcpFlags.Ack : 0);
        TcpHeader.Write(h, LocalPort, RemotePort, _iss, synAck ? _rcvNxt : 0, o, flags, (ushort)win);
        TcpHeader.SetChecksum(h[..o], LocalAddr, RemoteAddr);
        Emit(buf, o);
        _synSentAt = Stack.Now;
        _rtoAt = Stack.Now + CurrentRto();
        ArmTimers();
    }

    /// <summary>
    /// One segment at <paramref name="seq"/> carrying <paramref name="len"/> bytes from the send
    /// buffer, always with ACK, our timestamp and (when out-of-order data is held) SACK blocks.
    /// </summary>
    private void SendData(uint seq, int len, bool fin)
    {
        var buf = Stack.TxBuffer;
        var h = buf.AsSpan(NetStack.Headroom);
        int o = TcpHeader.MinLength;
        if (_tsOk)
        {
            h[o] = h[o + 1] = TcpOptions.Nop;
            h[o + 2] = TcpOptions.Timestamp; h[o + 3] = 10;
            BinaryPrimitives.WriteUInt32BigEndian(h[(o + 4)..], TsNow());
            BinaryPrimitives.WriteUInt32BigEndian(h[(o + 8)..], _tsRecent);
            o += 12;
        }
        if (_sackOk && _oooSegs.Count > 0) o = WriteSackBlocks(h, o, _tsOk ? 3 : 4);
        if (len > 0) _sndBuf.Peek((int)(seq - _sndUna), h.Slice(o, len));
        var flags = TcpFlags.Ack;
        if (fin) flags |= TcpFlags.Fin;
        if (len > 0 && seq + (uint)len == _sndUna + (uint)_sndBuf.Count) flags |= TcpFlags.Psh;
        TcpHeader.Write(h, LocalPort, RemotePort, seq, _rcvNxt, o, flags, WindowField());
        if (len > _mss)
        {
            TcpHeader.SetPartialChecksum(h[..(o + len)], LocalAddr, RemoteAddr);
            Emit(buf, o + len, _mss, o);
        }
        else
        {
            TcpHeader.SetChecksum(h[..(o + len)], LocalAddr, RemoteAddr);
            Emit(buf, o + len);
        }

        _ackNeeded = false;
        _unackedSegments = 0;
        _delAckAt = long.MaxValue;
        if (len > 0 || fin)
        {
            if (Seq.Lt(seq, _sndMax))
            {
                _retransmittedSegments++;
                Stack.Stats.TcpRetransmits++;
                if (_rttTiming && Seq.Le(seq, _rttSeq)) _rttTiming = false; // Karn's algorithm
            }
            else if (!_rttTiming)
            {
                _rttTiming = true;
                _rttSeq = seq;
                _rttStartUs = Stack.Now;
            }
            if (_rtoAt == long.MaxValue) _rtoAt = Stack.Now + CurrentRto();
        }
    }

    private void Emit(byte[] buf, int length, int gsoSegment = 0, int headerLength = 0)
    {
        _segmentsOut++;
        Stack.Stats.TcpSegmentsOut++;
        Stack.SendIp(_route, Ipv4Header.ProtoTcp, buf, length, Ttl, dontFragment: !RemoteAddr.IsV6, tos: Tos,
            gsoSegment: gsoSegment, transportHeader: headerLength);
    }

    /// <summary>
    /// The window to advertise: free buffer space, never moving the right edge back
    /// (RFC 7323 2.4) and not opening it by less than min(buffer/2, MSS) (receiver SWS avoidance).
    /// </summary>
    private ushort WindowField()
    {
        int free = Math.Max(0, _rcvBuf.Free - _oooBytes);
        int current = (int)(_rcvAdv - _rcvNxt);
        if (current < 0) current = 0;
        if (free > current && free - current < Math.Min(_rcvBuf.Capacity / 2, _mss)) free = current;
        int field = Math.Min(free >> _rcvShift, 65535);
        uint edge = _rcvNxt + (uint)(field << _rcvShift);
        if (Seq.Gt(edge, _rcvAdv)) _rcvAdv = edge;
        else field = Math.Min(current >> _rcvShift, 65535);
        return (ushort)field;
    }

    /// <summary>After the application read: announce a window that opened a lot (RFC 9293 3.8.6.2.2).</summary>
    private void MaybeWindowUpdate()
    {
        if (!(State is TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2)) return;
        int free = Math.Max(0, _rcvBuf.Free - _oooBytes);
        int current = Math.Max(0, (int)(_rcvAdv - _rcvNxt));
        if (free - current >= Math.Min(_rcvBuf.Capacity / 2, 2 * _mss)) AckNow();
    }
}
