namespace Sandbox.Netstack;

public sealed partial class TcpEndpoint
{
    private long _segmentsIn;

    public void GetInfo(out TcpInfo info)
    {
        lock (Stack.Sync)
        {
            long now = Stack.Now;
            info = new TcpInfo
            {
                State = State,
                CaState = (byte)(_inRecovery ? 3 : _backoff > 0 ? 4 : 0),
                Retransmits = (byte)Math.Min(_retries, 255),
                Backoff = (byte)Math.Min(_backoff, 255),
                Probes = (byte)Math.Min(_keepProbes, 255),
                Options = (_tsOk ? TcpInfoOptions.Timestamps : 0) | (_sackOk ? TcpInfoOptions.Sack : 0)
                          | (_wsOk ? TcpInfoOptions.WindowScale : 0),
                SndWscale = (byte)_sndShift, RcvWscale = (byte)_rcvShift,
                RtoUs = (uint)CurrentRto(), AtoUs = (uint)Stack.Options.DelayedAckUs,
                SndMss = (uint)_mss, RcvMss = (uint)_mss,
                Unacked = State is TcpState.Listen ? (uint)(_acceptQueue?.Count ?? 0) : (uint)Math.Max(0, (int)(_sndMax - _sndUna) / Math.Max(_mss, 1)),
                Sacked = State is TcpState.Listen ? (uint)_backlog : (uint)(SackedBytes() / Math.Max(_mss, 1)),
                Retrans = (uint)_retransmittedSegments,
                TotalRetrans = (uint)_retransmittedSegments,
                LastDataRecvMs = (uint)((now - _lastRecvUs) / 1000), LastAckRecvMs = (uint)((now - _lastRecvUs) / 1000),
                Pmtu = (uint)(_pmtu > 0 ? _pmtu : _route.Nic?.Mtu ?? 0),
                RcvSsthresh = (uint)_rcvBuf.Capacity,
                RttUs = (uint)_srtt, RttVarUs = (uint)_rttvar,
                SndSsthresh = _cc.Ssthresh == int.MaxValue ? int.MaxValue : (uint)(_cc.Ssthresh / Math.Max(_mss, 1)),
                SndCwnd = (uint)(_cc.Cwnd / Math.Max(_mss, 1)),
                AdvMss = (uint)_advMss,
                RcvSpace = (uint)_rcvBuf.Capacity,
                SegsOut = (uint)_segmentsOut, SegsIn = (uint)_segmentsIn,
                SndWnd = (uint)_sndWnd,
                NotSentBytes = (uint)Math.Max(0, _sndBuf.Count - (int)(_sndMax - _sndUna)),
                BytesAcked = (ulong)_bytesAcked, BytesReceived = (ulong)_bytesReceived,
            };
        }
    }

    /// <summary>RCV.NXT, for tests that forge segments.</summary>
    internal uint RcvNxtForTest => _rcvNxt;
}
