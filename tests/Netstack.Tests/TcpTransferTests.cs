using Xunit;
using Xunit.Abstractions;

namespace Sandbox.Netstack.Tests;

/// <summary>Bulk transfers over an impaired in-memory link arrive intact with each congestion controller.</summary>
public class TcpTransferTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(CongestionControl.Cubic, false)]
    [InlineData(CongestionControl.NewReno, false)]
    [InlineData(CongestionControl.Cubic, true)]
    public void CleanLink10MiB(CongestionControl cc, bool v6)
    {
        var net = new TestNetwork(1, cc);
        var t = new Transfer(net, 10 << 20);
        t.Start(v6);
        long t0 = net.Clock.NowUs;
        t.RunToEnd();
        output.WriteLine($"{cc} v6={v6}: {(net.Clock.NowUs - t0) / 1000} ms virtual, frames {net.FramesSent}, retransmits {net.A.Stats.TcpRetransmits}");
    }

    [Theory]
    [InlineData(CongestionControl.Cubic, 1)]
    [InlineData(CongestionControl.NewReno, 2)]
    [InlineData(CongestionControl.Cubic, 3)]
    public void LossyLink10MiB(CongestionControl cc, int seed)
    {
        var net = new TestNetwork(seed, cc) { Loss = 0.02, Reorder = 0.05, Duplicate = 0.01, DelayUs = 5000 };
        var t = new Transfer(net, 10 << 20);
        t.Start();
        long t0 = net.Clock.NowUs;
        t.RunToEnd();
        output.WriteLine($"{cc}: {(net.Clock.NowUs - t0) / 1000} ms virtual, frames {net.FramesSent}, dropped {net.FramesDropped}, " +
            $"retransmits {net.A.Stats.TcpRetransmits}, fast {net.A.Stats.TcpFastRetransmits}, timeouts {net.A.Stats.TcpTimeouts}");
    }

    [Fact]
    public void LossyLinkWithoutSack()
    {
        var net = new TestNetwork(7, CongestionControl.NewReno, o => { o.Sack = false; o.Timestamps = false; })
            { Loss = 0.01, Reorder = 0.02, DelayUs = 2000 };
        var t = new Transfer(net, 4 << 20);
        t.Start();
        t.RunToEnd();
    }
}
