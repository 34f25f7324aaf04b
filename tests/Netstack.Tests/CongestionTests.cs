using Xunit;

namespace Sandbox.Netstack.Tests;

/// <summary>The congestion controllers' window arithmetic.</summary>
public class CongestionTests
{
    private const int Mss = 1000;

    [Fact]
    public void NewRenoSlowStartThenLinearAndHalving()
    {
        var cc = new NewReno(10 * Mss);
        cc.OnAck(10 * Mss, Mss, 0, 10_000);
        Assert.Equal(12 * Mss, cc.Cwnd);          // byte counting, at most 2 MSS per ACK (RFC 3465)
        cc.OnLoss(40 * Mss, Mss, 0);
        Assert.Equal(20 * Mss, cc.Ssthresh);     // flight / 2
        Assert.Equal(20 * Mss, cc.Cwnd);
        for (int i = 0; i < 20; i++) cc.OnAck(Mss, Mss, 0, 10_000);
        Assert.Equal(21 * Mss, cc.Cwnd);          // one MSS per window in congestion avoidance
        cc.OnTimeout(21 * Mss, Mss, 0);
        Assert.Equal(Mss, cc.Cwnd);
    }

    [Fact]
    public void CubicReducesByBetaAndRegrowsTowardsWmaxThenBeyond()
    {
        var cc = new Cubic(100 * Mss) { Ssthresh = 50 * Mss };
        cc.OnLoss(100 * Mss, Mss, 0);
        Assert.Equal(70 * Mss, cc.Cwnd);          // beta 0.7 (RFC 9438 4.6)
        long now = 0;
        int atK = 0;
        // K = cbrt(Wmax (1 - beta) / C) = cbrt(100 * 0.3 / 0.4) ~ 4.2 s: plateau near Wmax there.
        // (A 100 ms RTT: at short RTTs the Reno-friendly estimate rightly dominates.)
        while (now < 4_200_000)
        {
            now += 100_000;
            for (int i = 0; i < cc.Cwnd / Mss; i += 10) cc.OnAck(10 * Mss, Mss, now, 100_000);
            if (now == 4_200_000) atK = cc.Cwnd;
        }
        Assert.InRange(atK / Mss, 90, 105);
        while (now < 8_000_000)
        {
            now += 100_000;
            for (int i = 0; i < cc.Cwnd / Mss; i += 10) cc.OnAck(10 * Mss, Mss, now, 100_000);
        }
        // Convex region: W_cubic(8 s) = 0.4 (8 - 4.2)^3 + 100 ~ 122 segments.
        Assert.InRange(cc.Cwnd / Mss, 115, 130);
    }

    [Fact]
    public void CubicFastConvergenceLowersWmax()
    {
        var cc = new Cubic(100 * Mss) { Ssthresh = 1 };
        cc.OnLoss(100 * Mss, Mss, 0);   // Wmax 100
        cc.OnLoss(70 * Mss, Mss, 0);    // a second loss below Wmax: Wmax = 70 * (1 + 0.7) / 2
        Assert.Equal(49 * Mss, cc.Cwnd);
    }
}
