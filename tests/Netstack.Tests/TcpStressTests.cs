using Xunit;

namespace Sandbox.Netstack.Tests;

/// <summary>Many seeds of harsh impairment, data both ways at once, then both sides close.</summary>
public class TcpStressTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void BidirectionalUnderHarshImpairment(int group)
    {
        for (int seed = group * 8; seed < group * 8 + 8; seed++)
        {
            var rng = new Random(seed);
            var cc = seed % 2 == 0 ? CongestionControl.Cubic : CongestionControl.NewReno;
            bool sack = seed % 3 != 0;
            var net = new TestNetwork(seed, cc, o => { o.Sack = sack; o.Timestamps = seed % 4 != 1; o.TimeWaitUs = 1_000_000; })
            {
                Loss = rng.NextDouble() * 0.08, Reorder = rng.NextDouble() * 0.2, Duplicate = rng.NextDouble() * 0.05,
                DelayUs = rng.Next(100, 20_000),
            };
            var l = net.B.CreateTcp();
            l.Bind(new SockAddr(Address.AnyV4, 80)); l.Listen(1);
            var c = net.A.CreateTcp();
            c.NoDelay = seed % 5 == 0;
            c.Connect(new SockAddr(TestNetwork.IpB, 80));
            Assert.True(net.Run(() => l.AcceptQueueLength == 1, limitUs: 120_000_000), $"seed {seed}: no connection");
            l.Accept(out var s);
            var a2b = new byte[200_000 + seed * 1000];
            var b2a = new byte[150_000 + seed * 777];
            rng.NextBytes(a2b); rng.NextBytes(b2a);
            var gotB = new MemoryStream(); var gotA = new MemoryStream();
            int offA = 0, offB = 0;
            bool eofA = false, eofB = false;
            string whenB = "";
            var buf = new byte[4096];
            void Pump()
            {
                while (offA < a2b.Length && c.Send(a2b.AsSpan(offA, Math.Min(rng.Next(1, 20000), a2b.Length - offA))) is > 0 and var n) offA += n;
                if (offA == a2b.Length) c.Shutdown(false, true);
                while (offB < b2a.Length && s!.Send(b2a.AsSpan(offB, Math.Min(rng.Next(1, 20000), b2a.Length - offB))) is > 0 and var m) offB += m;
                if (offB == b2a.Length) s!.Shutdown(false, true);
                int r;
                while ((r = s!.Receive(buf)) > 0) gotB.Write(buf, 0, r);
                if (r == 0 && !eofB) { eofB = true; whenB = $"at {net.Clock.NowUs}: s {s.DebugState()} err {s.TakeError()} | c {c.DebugState()} offA {offA}"; }
                while ((r = c.Receive(buf)) > 0) gotA.Write(buf, 0, r);
                if (r == 0) eofA = true;
            }
            bool ok = net.Run(() => eofA && eofB, Pump, 3_600_000_000);
            Assert.True(ok, $"seed {seed}: stalled a->b {gotB.Length}/{a2b.Length} b->a {gotA.Length}/{b2a.Length}, c {c.DebugState()} | s {s!.DebugState()}");
            var gb = gotB.ToArray();
            int diff = 0; while (diff < Math.Min(gb.Length, a2b.Length) && gb[diff] == a2b[diff]) diff++;
            Assert.True(a2b.AsSpan().SequenceEqual(gb), $"seed {seed}: a->b corrupted: got {gb.Length}/{a2b.Length}, first difference at {diff}, eof when {whenB}; loss {net.Loss:F3} reorder {net.Reorder:F3} dup {net.Duplicate:F3}");
            Assert.True(b2a.AsSpan().SequenceEqual(gotA.ToArray()), $"seed {seed}: b->a corrupted");
            c.Close(); s!.Close();
            Assert.True(net.Run(() => c.State == TcpState.Closed && s.State == TcpState.Closed, limitUs: 600_000_000),
                $"seed {seed}: did not close: {c.State}/{s.State}");
            Assert.Equal(0, net.A.Tcp.FlowCount + net.B.Tcp.FlowCount);
            Assert.Equal(0, net.A.Stats.InternalErrors + net.B.Stats.InternalErrors);
        }
    }
}
