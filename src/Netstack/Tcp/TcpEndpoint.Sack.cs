using System.Buffers;
using System.Buffers.Binary;

namespace Sandbox.Netstack;

/// <summary>Out-of-order data on the receive side and the SACK scoreboard on the send side (RFC 2018, RFC 6675).</summary>
public sealed partial class TcpEndpoint
{
    private struct OooSegment
    {
        public uint Seq;
        public byte[] Buf;
        public int Len;
        public bool Fin;
    }

    private const int MaxOutOfOrderSegments = 4096;
    private readonly List<OooSegment> _oooSegs = new();
    private int _oooBytes;
    private uint _lastOooSeq;
    private readonly List<(uint Start, uint End)> _sacked = new();

    private void StoreOutOfOrder(uint seq, ReadOnlySpan<byte> data, bool fin)
    {
        if (_oooSegs.Count >= MaxOutOfOrderSegments) return;
        int i = _oooSegs.Count;
        while (i > 0 && Seq.Gt(_oooSegs[i - 1].Seq, seq)) i--;
        // Already held (same start, at least as long): nothing new.
        if (i > 0 && _oooSegs[i - 1].Seq == seq && _oooSegs[i - 1].Len >= data.Length) { _lastOooSeq = seq; return; }
        var buf = ArrayPool<byte>.Shared.Rent(Math.Max(1, data.Length));
        data.CopyTo(buf);
        _oooSegs.Insert(i, new OooSegment { Seq = seq, Buf = buf, Len = data.Length, Fin = fin });
        _oooBytes += data.Length;
        _lastOooSeq = seq;
    }

    /// <summary>Moves now-contiguous out-of-order data into the receive buffer; true if it ended with a FIN.</summary>
    private bool DrainOutOfOrder()
    {
        bool fin = false;
        while (_oooSegs.Count > 0 && Seq.Le(_oooSegs[0].Seq, _rcvNxt))
        {
            var s = _oooSegs[0];
            _oooSegs.RemoveAt(0);
            _oooBytes -= s.Len;
            int skip = (int)(_rcvNxt - s.Seq);
            if (skip < s.Len)
            {
                int n = _rcvBuf.Write(s.Buf.AsSpan(skip, s.Len - skip));
                _rcvNxt += (uint)n;
                _bytesReceived += n;
                if (s.Fin && n == s.Len - skip) fin = true;
            }
            else if (s.Fin && skip == s.Len) fin = true;
            ArrayPool<byte>.Shared.Return(s.Buf);
        }
        return fin;
    }

    private void ClearOutOfOrder()
    {
        foreach (var s in _oooSegs) ArrayPool<byte>.Shared.Return(s.Buf);
        _oooSegs.Clear();
        _oooBytes = 0;
    }

    /// <summary>SACK option with the block holding the latest arrival first (RFC 2018 section 4).</summary>
    private int WriteSackBlocks(Span<byte> h, int o, int max)
    {
        Span<uint> blocks = stackalloc uint[8];
        int n = 0, firstIdx = -1;
        uint curS = 0, curE = 0;
        bool open = false;
        Span<uint> all = stackalloc uint[64];
        int count = 0;
        foreach (var s in _oooSegs)
        {
            uint e = s.Seq + (uint)s.Len + (s.Fin ? 1u : 0u);
            if (open && Seq.Le(s.Seq, curE)) { curE = Seq.Max(curE, e); continue; }
            if (open && count < 32) { all[count * 2] = curS; all[count * 2 + 1] = curE; count++; }
            curS = s.Seq; curE = e; open = true;
        }
        if (open && count < 32) { all[count * 2] = curS; all[count * 2 + 1] = curE; count++; }
        for (int i = 0; i < count; i++)
            if (Seq.InRange(_lastOooSeq, all[i * 2], all[i * 2 + 1])) { firstIdx = i; break; }
        if (firstIdx >= 0) { blocks[0] = all[firstIdx * 2]; blocks[1] = all[firstIdx * 2 + 1]; n = 1; }
        for (int i = 0; i < count && n < max; i++)
        {
            if (i == firstIdx || all[i * 2 + 1] == all[i * 2]) continue;
            blocks[n * 2] = all[i * 2]; blocks[n * 2 + 1] = all[i * 2 + 1]; n++;
        }
        if (n == 0) return o;
        h[o] = h[o + 1] = TcpOptions.Nop;
        h[o + 2] = TcpOptions.Sack;
        h[o + 3] = (byte)(2 + 8 * n);
        o += 4;
        for (int i = 0; i < n; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(h[o..], blocks[i * 2]);
            BinaryPrimitives.WriteUInt32BigEndian(h[(o + 4)..], blocks[i * 2 + 1]);
            o += 8;
        }
        return o;
    }

    /// <summary>Merges received SACK blocks into the scoreboard (only ranges within SND.UNA..SND.MAX).</summary>
    private void UpdateScoreboard(ref TcpOptions opts)
    {
        for (int b = 0; b < opts.SackCount; b++)
        {
            uint s = opts.SackBlocks[b * 2], e = opts.SackBlocks[b * 2 + 1];
            if (!Seq.Lt(s, e) || Seq.Gt(e, _sndMax) || Seq.Le(e, _sndUna)) continue;
            s = Seq.Max(s, _sndUna);
            int i = 0;
            while (i < _sacked.Count && Seq.Lt(_sacked[i].End, s)) i++;
            // Merge with every range it touches.
            while (i < _sacked.Count && Seq.Le(_sacked[i].Start, e))
            {
                s = Seq.Min(s, _sacked[i].Start);
                e = Seq.Max(e, _sacked[i].End);
                _sacked.RemoveAt(i);
            }
            _sacked.Insert(i, (s, e));
        }
    }

    private void DropScoreboardBelow(uint una)
    {
        while (_sacked.Count > 0 && Seq.Le(_sacked[0].End, una)) _sacked.RemoveAt(0);
        if (_sacked.Count > 0 && Seq.Lt(_sacked[0].Start, una)) _sacked[0] = (una, _sacked[0].End);
    }

    private int SackedBytes()
    {
        int n = 0;
        foreach (var (s, e) in _sacked) n += (int)(e - s);
        return n;
    }

    /// <summary>
    /// Bytes in flight (RFC 6675 section 4, simplified): everything sent, less what was SACKed,
    /// less the holes below the highest SACK not yet retransmitted (deemed lost).
    /// </summary>
    private int Pipe()
    {
        int outstanding = (int)(_sndMax - _sndUna);
        if (_sacked.Count == 0) return outstanding;
        uint mark = Seq.Max(_highRxt, _sndUna);
        uint high = _sacked[^1].End;
        int sacked = 0, sackedAboveMark = 0;
        foreach (var (s, e) in _sacked)
        {
            sacked += (int)(e - s);
            if (Seq.Gt(e, mark)) sackedAboveMark += (int)(e - Seq.Max(s, mark));
        }
        int lost = Seq.Gt(high, mark) ? (int)(high - mark) - sackedAboveMark : 0;
        return Math.Max(0, outstanding - sacked - lost);
    }

    /// <summary>The next hole below the highest SACKed byte that was not retransmitted in this recovery.</summary>
    private bool NextHole(out uint start, out int len)
    {
        start = Seq.Max(_highRxt, _sndUna);
        len = 0;
        if (_sacked.Count == 0) return false;
        foreach (var (s, e) in _sacked)
        {
            if (Seq.Le(e, start)) continue;
            if (Seq.Lt(start, s))
            {
                len = Math.Min((int)(s - start), _mss);
                len = Math.Min(len, _sndBuf.Count - (int)(start - _sndUna));
                return len > 0;
            }
            start = e;
        }
        return false;
    }

    private void SkipSacked()
    {
        foreach (var (s, e) in _sacked)
            if (Seq.InRange(_sndNxt, s, e)) _sndNxt = e;
    }

    private int BytesToNextSacked(uint seq)
    {
        foreach (var (s, _) in _sacked)
            if (Seq.Gt(s, seq)) return (int)(s - seq);
        return int.MaxValue;
    }
}
