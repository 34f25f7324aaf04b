namespace Sandbox.Netstack;

/// <summary>CUBIC (RFC 9438): window growth as a cubic function of the time since the last
/// reduction, with the Reno-friendly region (section 4.3) and fast convergence (4.7).</summary>
internal sealed class Cubic : ICongestionController
{
    private const double C = 0.4, Beta = 0.7;
    private double _wMax, _k, _wEst;    // in segments
    private long _epochStart = -1;
    private int _acc;

    public string Name => "cubic";
    public int Cwnd { get; set; }
    public int Ssthresh { get; set; } = int.MaxValue;

    public Cubic(int initialCwnd) => Cwnd = initialCwnd;

    public void OnAck(int acked, int mss, long now, long srttUs)
    {
        if (Cwnd < Ssthresh) { Cwnd += Math.Min(acked, 2 * mss); return; }
        double cwnd = (double)Cwnd / mss;
        if (_epochStart < 0)
        {
            _epochStart = now;
            if (_wMax < cwnd) { _k = 0; _wMax = cwnd; }
            else _k = Math.Cbrt((_wMax - cwnd) / C);
            _wEst = cwnd;
        }
        double t = (now - _epochStart + srttUs) / 1e6;
        double target = C * Math.Pow(t - _k, 3) + _wMax;
        target = Math.Clamp(target, cwnd, 1.5 * cwnd);
        // Reno-friendly estimate (RFC 9438 4.3), alpha = 3(1-beta)/(1+beta).
        _wEst += 3 * (1 - Beta) / (1 + Beta) * acked / mss / cwnd;
        if (_wEst > target) target = _wEst;
        // Grow by (target - cwnd)/cwnd segments per segment acknowledged.
        _acc += (int)((target - cwnd) / cwnd * acked);
        if (_acc >= mss) { int seg = _acc / mss; Cwnd += seg * mss; _acc -= seg * mss; }
    }

    public void OnLoss(int flight, int mss, long now)
    {
        double cwnd = (double)Cwnd / mss;
        _wMax = cwnd < _wMax ? cwnd * (1 + Beta) / 2 : cwnd;   // fast convergence
        Ssthresh = Math.Max((int)(Cwnd * Beta), 2 * mss);
        Cwnd = Ssthresh;
        _epochStart = -1;
        _acc = 0;
    }

    public void OnTimeout(int flight, int mss, long now)
    {
        OnLoss(flight, mss, now);
        Cwnd = mss;
    }
}
