using Sandbox.Linux;
using Xunit;

namespace Sandbox.Netstack.Tests;

/// <summary>A link that records what the stack sends on it.</summary>
internal sealed class CaptureLink(MacAddress mac) : ILinkEndpoint
{
    public readonly List<byte[]> Sent = new();
    public bool Record = true;
    public long Count;
    public int Mtu => 1500;
    public MacAddress Mac { get; } = mac;
    public bool NeedsResolution => true;
    public void Send(ReadOnlySpan<byte> frame)
    {
        Count++;
        if (Record) Sent.Add(frame.ToArray());
    }
}

/// <summary>
/// Link state, configuration changes with Linux's errors, and the bridge as a learning switch
/// (flooding, learning, never back out of the arrival port, delivery to its own interface).
/// </summary>
public class BridgeTests
{
    private static readonly MacAddress X = new(0x02_00_00_00_00_01), Y = new(0x02_00_00_00_00_02), Z = new(0x02_00_00_00_00_03);

    private sealed class Setup
    {
        public readonly ManualClock Clock = new();
        public readonly NetStack S;
        public readonly CaptureLink L1 = new(new MacAddress(0x02_00_00_00_01_01)), L2 = new(new MacAddress(0x02_00_00_00_01_02));
        public readonly Nic P1, P2, Br;

        public Setup()
        {
            S = new NetStack(Clock);
            S.AddLoopback();
            P1 = S.AddNic(L1, "eth1");
            P2 = S.AddNic(L2, "eth2");
            Assert.Equal(0, S.AddBridge("br0", out var br));
            Br = br!;
            Assert.False(Br.Up);
            Assert.Equal(0, S.AddBridgePort(Br, P1));
            Assert.Equal(0, S.AddBridgePort(Br, P2));
            S.SetUp(Br, true);
            Assert.Equal(0, S.AddInterfaceAddress(Br, Address.Parse("10.1.0.1"), 24, replace: false));
        }

        public void Clear() { L1.Sent.Clear(); L2.Sent.Clear(); }
    }

    private static byte[] Frame(MacAddress dst, MacAddress src, int payload = 100)
    {
        var f = new byte[14 + payload];
        EthernetHeader.Write(f, dst, src, 0x88b5); // local experimental EtherType: not for the stack
        return f;
    }

    [Fact]
    public void FloodsUnknownAndForwardsLearnt()
    {
        var t = new Setup();
        // Unknown destination from X on port 1: flooded to port 2 only.
        t.S.DeliverFrame(t.P1, Frame(Y, X));
        Assert.Empty(t.L1.Sent);
        Assert.Single(t.L2.Sent);
        t.Clear();
        // Y answers on port 2: X was learnt behind port 1, so only port 1 gets it.
        t.S.DeliverFrame(t.P2, Frame(X, Y));
        Assert.Single(t.L1.Sent);
        Assert.Empty(t.L2.Sent);
        t.Clear();
        // A frame for X arriving on X's own port goes nowhere.
        t.S.DeliverFrame(t.P1, Frame(X, Z));
        Assert.Empty(t.L1.Sent);
        Assert.Empty(t.L2.Sent);
        // Broadcast from Z on port 1: to port 2, never back out of port 1.
        t.S.DeliverFrame(t.P1, Frame(MacAddress.Broadcast, Z));
        Assert.Empty(t.L1.Sent);
        Assert.Single(t.L2.Sent);
        var fdb = t.Br.AsBridge!.Fdb().ToDictionary(e => e.Mac, e => e.Port);
        Assert.Equal(t.P1, fdb[X]);
        Assert.Equal(t.P2, fdb[Y]);
        Assert.Equal(t.P1, fdb[Z]);
        // Entries age out after 300 s: Y is flooded again.
        t.Clear();
        t.Clock.Advance(Bridge.AgeingUs + 1);
        t.S.DeliverFrame(t.P1, Frame(Y, X));
        Assert.Single(t.L2.Sent);
        Assert.Equal(0, t.S.Stats.InternalErrors);
    }

    [Fact]
    public void ArpForTheBridgeIsAnsweredThroughThePortItCameFrom()
    {
        var t = new Setup();
        var req = new byte[14 + ArpPacket.Length];
        EthernetHeader.Write(req, MacAddress.Broadcast, X, EthernetHeader.TypeArp);
        ArpPacket.Write(req.AsSpan(14), ArpPacket.OpRequest, X, Address.Parse("10.1.0.7"), MacAddress.Zero, Address.Parse("10.1.0.1"));
        t.S.DeliverFrame(t.P2, req);
        // The request is flooded to port 1; the reply goes back out of port 2 only, from the bridge's MAC.
        Assert.Single(t.L1.Sent);
        var reply = Assert.Single(t.L2.Sent, f => EthernetHeader.Type(f) == EthernetHeader.TypeArp && EthernetHeader.Destination(f) == X);
        Assert.Equal(t.Br.Link.Mac, EthernetHeader.Source(reply));
        Assert.Equal(2, t.L2.Sent.Count + t.L1.Sent.Count);
    }

    [Fact]
    public void DownBridgeOrPortCarriesNothing()
    {
        var t = new Setup();
        t.S.SetUp(t.Br, false);
        t.S.DeliverFrame(t.P1, Frame(MacAddress.Broadcast, X));
        Assert.Empty(t.L2.Sent);
        t.S.SetUp(t.Br, true);
        t.S.SetUp(t.P2, false);
        t.S.DeliverFrame(t.P1, Frame(MacAddress.Broadcast, X));
        Assert.Empty(t.L2.Sent);
        Assert.True(t.Br.AsBridge!.HasCarrier);
        t.S.SetUp(t.P1, false);
        Assert.False(t.Br.AsBridge!.HasCarrier);
    }

    [Fact]
    public void BridgeErrorsAsLinux()
    {
        var t = new Setup();
        Assert.Equal(-(int)Errno.EEXIST, t.S.AddBridge("br0", out _));
        Assert.Equal(-(int)Errno.EBUSY, t.S.AddBridgePort(t.Br, t.P1));
        Assert.Equal(-(int)Errno.EINVAL, t.S.AddBridgePort(t.Br, t.S.FindNic("lo")!));
        Assert.Equal(0, t.S.AddBridge("br1", out var br1));
        Assert.Equal(-(int)Errno.ELOOP, t.S.AddBridgePort(br1!, t.Br));
        Assert.Equal(-(int)Errno.EINVAL, t.S.RemoveBridgePort(br1!, t.P1));
        Assert.Equal(0, t.S.RemoveBridgePort(t.Br, t.P1));
        Assert.Null(t.P1.Master);
        t.S.RemoveBridge(t.Br);
        Assert.Null(t.P2.Master);
        Assert.Null(t.S.FindNic("br0"));
        // Indexes are not reused.
        Assert.Equal(0, t.S.AddBridge("br2", out var br2));
        Assert.True(br2!.Id > br1!.Id);
    }

    [Fact]
    public void ForwardingDoesNotAllocate()
    {
        var t = new Setup();
        t.L1.Record = t.L2.Record = false;
        var a = Frame(Y, X, 1400);
        var b = Frame(X, Y, 1400);
        var bc = Frame(MacAddress.Broadcast, X, 60);
        void Move(int n)
        {
            for (int i = 0; i < n; i++)
            {
                t.S.DeliverFrame(t.P1, a);
                t.S.DeliverFrame(t.P2, b);
                t.S.DeliverFrame(t.P1, bc);
            }
        }
        Move(1000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Move(10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1024, $"{allocated} bytes allocated forwarding 30000 frames");
        Assert.Equal(22_000, t.L2.Count);
        Assert.Equal(11_000, t.L1.Count);
    }

    [Fact]
    public void LinkStateAddressesAndRoutes()
    {
        var net = new TestNetwork();
        var a = net.A;
        var nic = net.NicA;
        var gw = TestNetwork.IpB;
        var dst = Address.Parse("192.0.2.0");
        Assert.Equal(0, a.AddRoute(dst, 24, gw, null, create: true, exclusive: true, replace: false));
        Assert.Equal(-(int)Errno.EEXIST, a.AddRoute(dst, 24, gw, null, create: true, exclusive: true, replace: false));
        Assert.Equal(-(int)Errno.ENOENT, a.AddRoute(Address.Parse("198.51.100.0"), 24, gw, null, create: false, exclusive: false, replace: false));
        Assert.Equal(-(int)Errno.EINVAL, a.AddRoute(Address.Parse("192.0.2.1"), 24, gw, null, create: true, exclusive: true, replace: false));
        Assert.Equal(-(int)Errno.ENETUNREACH, a.AddRoute(dst, 25, Address.Parse("172.16.0.1"), null, create: true, exclusive: true, replace: false));
        lock (a.Sync) Assert.Equal(0, a.Lookup(Address.Parse("192.0.2.9"), out _, out _, out _));
        Assert.Equal(gw, a.Routes.First(r => r.Destination == dst).Gateway);
        // Down: the interface's routes go, nothing is reachable through it, frames in are ignored.
        a.SetUp(nic, false);
        lock (a.Sync) Assert.Equal(-(int)Errno.ENETUNREACH, a.Lookup(Address.Parse("192.0.2.9"), out _, out _, out _));
        lock (a.Sync) Assert.Equal(-(int)Errno.ENETUNREACH, a.Lookup(gw, out _, out _, out _));
        Assert.DoesNotContain(a.Routes, r => r.Nic == nic);
        Assert.Equal(-(int)Errno.ENETDOWN, a.AddRoute(dst, 24, Address.AnyV4, nic, true, true, false));
        a.SetUp(nic, true);
        lock (a.Sync) Assert.Equal(0, a.Lookup(gw, out _, out _, out _));
        Assert.Equal(-(int)Errno.ESRCH, a.DeleteRoute(dst, 24, null, null));
        // Addresses: EEXIST, EADDRNOTAVAIL; the prefix route comes and goes with the address.
        var extra = Address.Parse("10.7.0.5");
        Assert.Equal(0, a.AddInterfaceAddress(nic, extra, 16, replace: false));
        Assert.Equal(-(int)Errno.EEXIST, a.AddInterfaceAddress(nic, extra, 16, replace: false));
        Assert.Contains(a.Routes, r => r.Destination == Address.Parse("10.7.0.0") && r.Prefix == 16 && r.Nic == nic);
        Assert.Equal(-(int)Errno.EADDRNOTAVAIL, a.RemoveInterfaceAddress(nic, extra, 24));
        Assert.Equal(0, a.RemoveInterfaceAddress(nic, extra, 16));
        Assert.DoesNotContain(a.Routes, r => r.Destination == Address.Parse("10.7.0.0"));
        Assert.Equal(-(int)Errno.EINVAL, a.SetMtu(nic, 40));
        Assert.Equal(0, a.SetMtu(nic, 1400));
        Assert.Equal(1400, nic.Mtu);
    }

    [Fact]
    public void DownInterfaceNeitherSendsNorDelivers()
    {
        var net = new TestNetwork();
        net.A.SetUp(net.NicA, false);
        var u = net.B.CreateUdp();
        u.Bind(new SockAddr(TestNetwork.IpB, 0));
        long sentBefore = net.FramesSent;
        // B's ARP request for A reaches A's down NIC, which neither answers nor learns.
        u.SendTo(new byte[10], new SockAddr(TestNetwork.IpA, 7));
        net.RunFor(50_000);
        Assert.Equal(1, net.FramesSent - sentBefore);
        net.A.SetUp(net.NicA, true);
        u.SendTo(new byte[10], new SockAddr(TestNetwork.IpA, 7));
        net.RunFor(2_000_000);  // B asks again after a second (NeighborCache.RetryUs)
        Assert.True(net.FramesSent - sentBefore >= 4, "A answers ARP once up again");
    }
}
