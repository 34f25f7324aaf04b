using Sandbox.Linux;
using Xunit;

namespace Sandbox.Netstack.Tests;

/// <summary>The TCP state machine: opens, closes, resets, TIME_WAIT, backlog, timers (RFC 9293).</summary>
public class TcpStateTests
{
    private static (TestNetwork Net, TcpEndpoint Client, TcpEndpoint Server, TcpEndpoint Listener) Connected(
        Action<StackOptions>? configure = null, int backlog = 8)
    {
        var net = new TestNetwork(5, configure: configure);
        var l = net.B.CreateTcp();
        Assert.Equal(0, l.Bind(new SockAddr(Address.AnyV4, 80)));
        Assert.Equal(0, l.Listen(backlog));
        var c = net.A.CreateTcp();
        Assert.Equal(-(int)Errno.EINPROGRESS, c.Connect(new SockAddr(TestNetwork.IpB, 80)));
        Assert.True(net.Run(() => l.AcceptQueueLength == 1 && c.State == TcpState.Established, limitUs: 5_000_000));
        Assert.Equal(0, l.Accept(out var s));
        return (net, c, s!, l);
    }

    [Fact]
    public void HandshakeNegotiatesOptions()
    {
        var (_, c, s, _) = Connected();
        Assert.Equal(TcpState.Established, s.State);
        c.GetInfo(out var ci);
        Assert.True(ci.Options.HasFlag(TcpInfoOptions.Timestamps) && ci.Options.HasFlag(TcpInfoOptions.Sack)
                    && ci.Options.HasFlag(TcpInfoOptions.WindowScale));
        Assert.Equal(1448u, ci.SndMss);
        Assert.Equal(new SockAddr(TestNetwork.IpB, 80), c.RemoteName);
        Assert.Equal(TestNetwork.IpA, s.RemoteName!.Value.Addr);
    }

    [Fact]
    public void SynToClosedPortIsRefused()
    {
        var net = new TestNetwork();
        var c = net.A.CreateTcp();
        Assert.Equal(-(int)Errno.EINPROGRESS, c.Connect(new SockAddr(TestNetwork.IpB, 81)));
        Assert.True(net.Run(() => c.State == TcpState.Closed, limitUs: 5_000_000));
        Assert.Equal((int)Errno.ECONNREFUSED, c.TakeError());
        Assert.Equal(1, net.B.Stats.TcpResetsSent);
    }

    [Fact]
    public void SynRetriesTimeOut()
    {
        var net = new TestNetwork(configure: o => o.SynRetries = 2);
        net.Filter = (l, _, _) => l != net.LinkB || net.A.Stats.TcpSegmentsOut == 0;
        var l = net.B.CreateTcp();
        l.Bind(new SockAddr(Address.AnyV4, 80)); l.Listen(1);
        var c = net.A.CreateTcp();
        c.Connect(new SockAddr(TestNetwork.IpB, 80));
        Assert.True(net.Run(() => c.State == TcpState.Closed, limitUs: 60_000_000));
        Assert.Equal((int)Errno.ETIMEDOUT, c.TakeError());
        Assert.Equal(3, net.A.Stats.TcpSegmentsOut); // SYN + 2 retries
    }

    [Fact]
    public void SimultaneousOpen()
    {
        var net = new TestNetwork();
        var a = net.A.CreateTcp();
        var b = net.B.CreateTcp();
        Assert.Equal(0, a.Bind(new SockAddr(Address.AnyV4, 1000)));
        Assert.Equal(0, b.Bind(new SockAddr(Address.AnyV4, 2000)));
        // Resolve neighbours first so both SYNs really cross on the wire.
        var u = net.A.CreateUdp(); u.SendTo(new byte[1], new SockAddr(TestNetwork.IpB, 9));
        net.RunFor(100_000);
        Assert.Equal(-(int)Errno.EINPROGRESS, a.Connect(new SockAddr(TestNetwork.IpB, 2000)));
        Assert.Equal(-(int)Errno.EINPROGRESS, b.Connect(new SockAddr(TestNetwork.IpA, 1000)));
        Assert.True(net.Run(() => a.State == TcpState.Established && b.State == TcpState.Established, limitUs: 5_000_000));
        Assert.Equal(5, a.Send("hello"u8));
        var buf = new byte[16];
        Assert.True(net.Run(() => b.Available == 5, limitUs: 1_000_000));
        Assert.Equal(5, b.Receive(buf));
    }

    [Fact]
    public void SimultaneousCloseGoesThroughClosingToTimeWait()
    {
        var (net, c, s, _) = Connected(o => o.TimeWaitUs = 2_000_000);
        Assert.Equal(0, c.Shutdown(false, true));
        Assert.Equal(0, s.Shutdown(false, true));
        Assert.Equal(TcpState.FinWait1, c.State);
        Assert.Equal(TcpState.FinWait1, s.State);
        Assert.True(net.Run(() => c.State == TcpState.TimeWait && s.State == TcpState.TimeWait, limitUs: 1_000_000));
        net.RunFor(2_500_000);
        Assert.Equal(TcpState.Closed, c.State);
        Assert.Equal(TcpState.Closed, s.State);
    }

    [Fact]
    public void ActiveCloserWaitsInTimeWait()
    {
        var (net, c, s, _) = Connected(o => o.TimeWaitUs = 60_000_000);
        c.Close();
        Assert.True(net.Run(() => s.State == TcpState.CloseWait && c.State == TcpState.FinWait2, limitUs: 1_000_000));
        Assert.Equal(0, s.Receive(new byte[4])); // end of stream
        s.Close();
        Assert.True(net.Run(() => s.State == TcpState.Closed && c.State == TcpState.TimeWait, limitUs: 1_000_000));
        net.RunFor(59_000_000);
        Assert.Equal(TcpState.TimeWait, c.State);
        net.RunFor(2_000_000);
        Assert.Equal(TcpState.Closed, c.State);
    }

    [Fact]
    public void ResetInEstablished()
    {
        var (net, c, s, _) = Connected();
        c.Abort();
        Assert.True(net.Run(() => s.State == TcpState.Closed, limitUs: 1_000_000));
        Assert.Equal(-(int)Errno.ECONNRESET, s.Receive(new byte[4]));
    }

    [Fact]
    public void ResetInCloseWaitAndFinWait2()
    {
        var (net, c, s, _) = Connected();
        s.Shutdown(false, true);
        Assert.True(net.Run(() => c.State == TcpState.CloseWait && s.State == TcpState.FinWait2, limitUs: 1_000_000));
        c.Abort();
        Assert.True(net.Run(() => s.State == TcpState.Closed, limitUs: 1_000_000));
        Assert.Equal((int)Errno.ECONNRESET, s.TakeError());
    }

    [Fact]
    public void ResetInSynReceivedDropsTheEmbryo()
    {
        var net = new TestNetwork();
        var l = net.B.CreateTcp();
        l.Bind(new SockAddr(Address.AnyV4, 80)); l.Listen(4);
        var c = net.A.CreateTcp();
        // Lose the client's handshake-completing ACK so the server child stays in SYN-RECEIVED.
        net.Filter = (link, b, n) => !(link == net.LinkA && Packets.TcpOf(b.AsSpan(0, n).ToArray()) is { } t
            && TcpHeader.Flags(t) == TcpFlags.Ack);
        c.Connect(new SockAddr(TestNetwork.IpB, 80));
        Assert.True(net.Run(() => c.State == TcpState.Established, limitUs: 1_000_000));
        net.RunFor(10_000);
        Assert.Equal(0, l.AcceptQueueLength);
        net.Filter = null;
        c.Abort();
        net.RunFor(10_000_000);
        Assert.Equal(0, l.AcceptQueueLength);
        Assert.Equal(0, net.B.Tcp.FlowCount);
    }

    [Fact]
    public void ResetWithWrongSequenceGetsChallengeAck()
    {
        var (net, c, s, _) = Connected();
        var sent = Packets.Capture(net, net.LinkB);
        // In-window but not RCV.NXT: RFC 5961 says challenge ACK, connection stays.
        var seg = Packets.Tcp(TestNetwork.IpA, TestNetwork.IpB, c.LocalName.Port, 80, s.RcvNxtForTest + 100, 0, TcpFlags.Rst);
        net.B.DeliverFrame(net.NicB, Packets.Ipv4(net.LinkB.Mac, net.LinkA.Mac, TestNetwork.IpA, TestNetwork.IpB, 6, seg));
        net.RunFor(10_000);
        Assert.Equal(TcpState.Established, s.State);
        Assert.Contains(sent, f => Packets.TcpOf(f) is { } t && TcpHeader.Flags(t) == TcpFlags.Ack);
        // Exactly RCV.NXT: reset.
        seg = Packets.Tcp(TestNetwork.IpA, TestNetwork.IpB, c.LocalName.Port, 80, s.RcvNxtForTest, 0, TcpFlags.Rst);
        net.B.DeliverFrame(net.NicB, Packets.Ipv4(net.LinkB.Mac, net.LinkA.Mac, TestNetwork.IpA, TestNetwork.IpB, 6, seg));
        Assert.Equal(TcpState.Closed, s.State);
    }

    [Fact]
    public void ListenBacklogFullDefersConnections()
    {
        var net = new TestNetwork();
        var l = net.B.CreateTcp();
        l.Bind(new SockAddr(Address.AnyV4, 80)); l.Listen(1);
        var c1 = net.A.CreateTcp(); var c2 = net.A.CreateTcp();
        c1.Connect(new SockAddr(TestNetwork.IpB, 80));
        Assert.True(net.Run(() => l.AcceptQueueLength == 1, limitUs: 1_000_000));
        c2.Connect(new SockAddr(TestNetwork.IpB, 80));
        net.RunFor(2_000_000);
        Assert.Equal(TcpState.SynSent, c2.State);        // its SYNs are dropped while the queue is full
        Assert.Equal(1, l.AcceptQueueLength);
        Assert.Equal(0, l.Accept(out _));
        Assert.True(net.Run(() => c2.State == TcpState.Established && l.AcceptQueueLength == 1, limitUs: 10_000_000));
    }

    [Fact]
    public void NagleCoalescesSmallWritesAndNoDelayDoesNot()
    {
        foreach (bool nodelay in new[] { false, true })
        {
            var (net, c, s, _) = Connected();
            c.NoDelay = nodelay;
            long before = net.A.Stats.TcpSegmentsOut;
            for (int i = 0; i < 50; i++) Assert.Equal(1, c.Send("x"u8));
            long sent = net.A.Stats.TcpSegmentsOut - before;
            Assert.True(net.Run(() => s.Available == 50, limitUs: 1_000_000));
            if (nodelay) Assert.Equal(50, sent);
            else Assert.Equal(1, sent); // the rest waits for the first segment's ACK
        }
    }

    [Fact]
    public void KeepaliveDetectsADeadPeer()
    {
        var (net, c, s, _) = Connected();
        c.KeepIdleSeconds = 10; c.KeepIntervalSeconds = 1; c.KeepCount = 3;
        c.KeepAlive = true;
        net.RunFor(5_000_000);
        Assert.Equal(TcpState.Established, c.State);
        net.Filter = (l, _, _) => l != net.LinkB; // the peer goes silent
        Assert.True(net.Run(() => c.State == TcpState.Closed, limitUs: 30_000_000));
        Assert.Equal((int)Errno.ETIMEDOUT, c.TakeError());
    }

    [Fact]
    public void KeepaliveProbesAreAnswered()
    {
        var (net, c, s, _) = Connected();
        c.KeepIdleSeconds = 10; c.KeepIntervalSeconds = 1; c.KeepCount = 3;
        c.KeepAlive = true;
        net.RunFor(100_000_000);
        Assert.Equal(TcpState.Established, c.State);
    }

    [Fact]
    public void ZeroWindowIsProbedAndReopens()
    {
        var (net, c, s, _) = Connected();
        s.ReceiveBufferSize = 1 << 20; // fixed after the handshake: stays at the default
        var data = new byte[8 << 20];
        new Random(3).NextBytes(data);
        int off = 0;
        net.Run(() => false, () => { while (off < data.Length && c.Send(data.AsSpan(off)) is > 0 and var n) off += n; }, 5_000_000);
        Assert.True(s.Available > 0);
        Assert.True(off < data.Length);      // the server's window closed
        var got = new MemoryStream();
        var buf = new byte[65536];
        Assert.True(net.Run(() => got.Length == data.Length, () =>
        {
            while (off < data.Length && c.Send(data.AsSpan(off)) is > 0 and var n) off += n;
            int r;
            while ((r = s.Receive(buf)) > 0) got.Write(buf, 0, r);
        }, 600_000_000));
        Assert.Equal(data, got.ToArray());
    }

    [Fact]
    public void DataRetransmissionsGiveUp()
    {
        var (net, c, s, _) = Connected(o => o.Retries2 = 4);
        net.Filter = (l, _, _) => l != net.LinkB;
        c.Send(new byte[1000]);
        Assert.True(net.Run(() => c.State == TcpState.Closed, limitUs: 600_000_000));
        Assert.Equal((int)Errno.ETIMEDOUT, c.TakeError());
    }

    [Fact]
    public void CloseWithUnreadDataResets()
    {
        var (net, c, s, _) = Connected();
        c.Send("unread"u8);
        Assert.True(net.Run(() => s.Available == 6, limitUs: 1_000_000));
        s.Close();
        Assert.True(net.Run(() => c.State == TcpState.Closed, limitUs: 1_000_000));
        Assert.Equal((int)Errno.ECONNRESET, c.TakeError());
    }

    [Fact]
    public void LingerZeroCloseResets()
    {
        var (net, c, s, _) = Connected();
        c.Send("abc"u8);
        Assert.True(net.Run(() => s.Available == 3, limitUs: 1_000_000));
        c.LingerSeconds = 0;
        c.Shutdown(read: true, write: false);
        c.Close();
        Assert.True(net.Run(() => s.State == TcpState.Closed, limitUs: 1_000_000));
        // What arrived before the reset is still read, then the reset is reported (tcp_reset).
        var buf = new byte[8];
        Assert.Equal(3, s.Receive(buf));
        Assert.Equal(-(int)Errno.ECONNRESET, s.Receive(buf));
    }

    [Fact]
    public void BindConflictsAndReuseAddress()
    {
        var net = new TestNetwork();
        var a = net.A.CreateTcp(); var b = net.A.CreateTcp();
        Assert.Equal(0, a.Bind(new SockAddr(Address.AnyV4, 7000)));
        Assert.Equal(-(int)Errno.EADDRINUSE, b.Bind(new SockAddr(TestNetwork.IpA, 7000)));
        var c = net.A.CreateTcp(); var d = net.A.CreateTcp();
        c.ReusePort = d.ReusePort = true;
        Assert.Equal(0, c.Bind(new SockAddr(Address.AnyV4, 7001)));
        Assert.Equal(0, d.Bind(new SockAddr(Address.AnyV4, 7001)));
        Assert.Equal(-(int)Errno.EADDRNOTAVAIL, net.A.CreateTcp().Bind(new SockAddr(Address.Parse("192.0.2.1"), 1)));
    }
}

public class TcpEdgeTests
{
    [Fact]
    public void ClosingAListenerResetsHalfOpenConnections()
    {
        var net = new TestNetwork();
        var l = net.B.CreateTcp();
        l.Bind(new SockAddr(Address.AnyV4, 80)); l.Listen(4);
        var c = net.A.CreateTcp();
        // Hold the client's final ACK until the listener is gone.
        bool hold = true;
        net.Filter = (link, b, n) => !(hold && link == net.LinkA && Packets.TcpOf(b.AsSpan(0, n).ToArray()) is { } t
            && TcpHeader.Flags(t) == TcpFlags.Ack);
        c.Connect(new SockAddr(TestNetwork.IpB, 80));
        Assert.True(net.Run(() => c.State == TcpState.Established, limitUs: 1_000_000));
        l.Close();
        hold = false;
        c.Send("x"u8);
        Assert.True(net.Run(() => c.State == TcpState.Closed, limitUs: 10_000_000));
        Assert.Equal(0, net.B.Tcp.FlowCount);
    }

    [Fact]
    public void SmallPeerWindowStillMakesProgress()
    {
        var net = new TestNetwork();
        var l = net.B.CreateTcp();
        l.ReceiveBufferSize = 3000; // about two segments
        l.Bind(new SockAddr(Address.AnyV4, 80)); l.Listen(1);
        var c = net.A.CreateTcp();
        c.Connect(new SockAddr(TestNetwork.IpB, 80));
        Assert.True(net.Run(() => l.AcceptQueueLength == 1, limitUs: 1_000_000));
        l.Accept(out var s);
        var data = new byte[100_000];
        new Random(4).NextBytes(data);
        int off = 0; var got = new MemoryStream(); var buf = new byte[700];
        Assert.True(net.Run(() => got.Length == data.Length, () =>
        {
            while (off < data.Length && c.Send(data.AsSpan(off)) is > 0 and var n) off += n;
            int r; while ((r = s!.Receive(buf)) > 0) got.Write(buf, 0, r);
        }, 120_000_000));
        Assert.Equal(data, got.ToArray());
    }

    [Fact]
    public void CloseDuringHandshakeSendsFinAfterEstablishing()
    {
        var (net, c, s) = (new TestNetwork(), (TcpEndpoint?)null, (TcpEndpoint?)null);
        var l = net.B.CreateTcp();
        l.Bind(new SockAddr(Address.AnyV4, 80)); l.Listen(1);
        c = net.A.CreateTcp();
        c.Connect(new SockAddr(TestNetwork.IpB, 80));
        Assert.True(net.Run(() => l.AcceptQueueLength == 1, limitUs: 1_000_000));
        l.Accept(out s);
        Assert.Equal(3, c.Send("abc"u8));
        c.Close();
        var buf = new byte[8];
        Assert.True(net.Run(() => s!.State == TcpState.CloseWait, limitUs: 1_000_000));
        Assert.Equal(3, s!.Receive(buf));
        Assert.Equal(0, s.Receive(buf));
    }
}

public class TcpTimeWaitReuseTests
{
    [Fact]
    public void NewSynReopensAFlowInTimeWait()
    {
        var net = new TestNetwork();
        var l = net.A.CreateTcp(); // the server closes first, so TIME_WAIT is on the server side
        l.Bind(new SockAddr(Address.AnyV4, 80)); l.Listen(4);
        var c = net.B.CreateTcp();
        c.ReuseAddress = true;
        c.Bind(new SockAddr(Address.AnyV4, 4000));
        c.Connect(new SockAddr(TestNetwork.IpA, 80));
        Assert.True(net.Run(() => l.AcceptQueueLength == 1, limitUs: 1_000_000));
        l.Accept(out var s);
        s!.Close();
        Assert.True(net.Run(() => c.State == TcpState.CloseWait, limitUs: 1_000_000));
        c.Close();
        Assert.True(net.Run(() => s.State == TcpState.TimeWait && c.State == TcpState.Closed, limitUs: 1_000_000));
        var c2 = net.B.CreateTcp();
        c2.ReuseAddress = true;
        Assert.Equal(0, c2.Bind(new SockAddr(Address.AnyV4, 4000)));
        c2.Connect(new SockAddr(TestNetwork.IpA, 80));
        Assert.True(net.Run(() => c2.State == TcpState.Established && l.AcceptQueueLength == 1, limitUs: 5_000_000));
        Assert.Equal(TcpState.Closed, s.State);
    }
}

public class PathMtuTests
{
    [Fact]
    public void FragmentationNeededLowersTheMssAndDataStillArrives()
    {
        var net = new TestNetwork();
        var t = new Transfer(net, 2 << 20);
        t.Start();
        // A "router" between the stacks now only passes 1200-byte packets and says so (RFC 1191).
        var macA = net.LinkA.Mac; var macB = net.LinkB.Mac;
        var pending = new List<byte[]>();
        net.Filter = (link, b, n) =>
        {
            if (link != net.LinkA || n - 14 <= 1200) return true;
            var icmp = new byte[8 + 28];
            icmp[0] = 3; icmp[1] = 4;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(6), 1200);
            b.AsSpan(14, 28).CopyTo(icmp.AsSpan(8));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(2), Checksum.Compute(icmp));
            pending.Add(Packets.Ipv4(macA, macB, TestNetwork.IpB, TestNetwork.IpA, 1, icmp));
            return false;
        };
        t.Pump();
        foreach (var f in pending) net.A.DeliverFrame(net.NicA, f);
        pending.Clear();
        Assert.True(t.Client.GetInfoMss() <= 1200 - 40 - 12);
        net.Run(() => t.Eof, () => { t.Pump(); foreach (var f in pending) net.A.DeliverFrame(net.NicA, f); pending.Clear(); }, 60_000_000);
        t.RunToEnd();
        t.Client.GetInfo(out var info);
        Assert.Equal(1200u, info.Pmtu);
    }
}
