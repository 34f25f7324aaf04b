namespace Sandbox.Netstack;

/// <summary>Slow start and congestion avoidance of RFC 5681 with byte counting (RFC 3465, L=2).</summary>
internal sealed class NewReno : ICongestionController
{
    private int _acc;
    public string Name => "reno";
    public int Cwnd { get; set; }
    public int Ssthresh { get; set; } = int.MaxValue;

    public NewReno(int initialCwnd) => Cwnd = initialCwnd;

    public void OnAck(int acked, int mss, long now, long srttUs)
    {
        if (Cwnd < Ssthresh) { Cwnd += Math.Min(acked, 2 * mss); return; }
        _acc += acked;
        if (_acc >= Cwnd) { _acc -= Cwnd; Cwnd += mss; }
    }

    public void OnLoss(int flight, int mss, long now)
    {
        Ssthresh = Math.Max(flight / 2, 2 * mss);
        Cwnd = Ssthresh;
        _acc = 0;
    }

    public void OnTimeout(int flight, int mss, long now)
    {
        Ssthresh = Math.Max(flight / 2, 2 * mss);
        Cwnd = mss;
        _acc = 0;
    }
}
