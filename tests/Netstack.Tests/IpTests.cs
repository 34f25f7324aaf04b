using System.Buffers.Binary;
using Sandbox.Linux;
using Xunit;

namespace Sandbox.Netstack.Tests;

/// <summary>ARP, NDP, ICMP echo and errors, IPv4/IPv6 fragment reassembly, UDP.</summary>
public class IpTests
{
    private static readonly MacAddress MacA = new(0x02_00_00_00_00_0a), MacB = new(0x02_00_00_00_00_0b);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void NeighbourResolutionQueuesThenDelivers(bool v6)
    {
        var net = new TestNetwork();
        var rx = net.B.CreateUdp(v6);
        Assert.Equal(0, rx.Bind(new SockAddr(v6 ? Address.AnyV6 : Address.AnyV4, 53)));
        var tx = net.A.CreateUdp(v6);
        var to = new SockAddr(v6 ? TestNetwork.Ip6B : TestNetwork.IpB, 53);
        for (int i = 0; i < 3; i++) Assert.Equal(4, tx.SendTo("ping"u8, to));
        Assert.Equal(0, net.NicA.Neighbors.TryGet(to.Addr, net.Clock.NowUs, out _) ? 1 : 0);
        net.RunFor(100_000);
        Assert.True(net.NicA.Neighbors.TryGet(to.Addr, net.Clock.NowUs, out var mac));
        Assert.Equal(net.LinkB.Mac, mac);
        var buf = new byte[16];
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(4, rx.ReceiveFrom(buf, out var from));
            Assert.Equal(v6 ? TestNetwork.Ip6A : TestNetwork.IpA, from.Addr);
        }
    }

    [Fact]
    public void UnansweredArpGivesUp()
    {
        var net = new TestNetwork();
        var tx = net.A.CreateUdp();
        tx.SendTo("x"u8, new SockAddr(Address.Parse("10.0.0.99"), 9));
        long arps = 0;
        net.Filter = (l, b, n) => { if (EthernetHeader.Type(b) == EthernetHeader.TypeArp) arps++; return true; };
        net.RunFor(10_000_000);
        Assert.Equal(2, arps); // two retries after the first request (counted before the filter was set)
        Assert.Equal(0, net.NicA.Neighbors.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnswersEchoRequests(bool v6)
    {
        var net = new TestNetwork();
        var sent = Packets.Capture(net, net.LinkB);
        var src = v6 ? TestNetwork.Ip6A : TestNetwork.IpA;
        var dst = v6 ? TestNetwork.Ip6B : TestNetwork.IpB;
        // Teach B the way back so the reply is not held for resolution.
        var u = net.B.CreateUdp(v6); u.SendTo("x"u8, new SockAddr(src, 9));
        net.RunFor(100_000);
        sent.Clear();
        var echo = Packets.IcmpEcho(0x1234, 7, "abcdefgh"u8, v6, src, dst);
        var frame = v6 ? Packets.Ipv6(MacB, MacA, src, dst, 58, echo) : Packets.Ipv4(MacB, MacA, src, dst, 1, echo);
        net.B.DeliverFrame(net.NicB, frame);
        net.RunFor(10_000);
        var reply = Assert.Single(sent);
        int off = v6 ? 54 : 34;
        Assert.Equal(v6 ? 129 : 0, reply[off]);
        Assert.Equal(0x1234, BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(off + 4)));
        Assert.Equal("abcdefgh"u8.ToArray(), reply.AsSpan(off + 8, 8).ToArray());
        Assert.True(Checksum.Verify(Checksum.Add(v6 ? Checksum.Pseudo(dst, src, 58, 16) : 0, reply.AsSpan(off, 16))));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UdpToClosedPortReportsRefusedOnConnectedSocket(bool v6)
    {
        var net = new TestNetwork();
        var tx = net.A.CreateUdp(v6);
        Assert.Equal(0, tx.Connect(new SockAddr(v6 ? TestNetwork.Ip6B : TestNetwork.IpB, 4444)));
        Assert.Equal(3, tx.SendTo("abc"u8));
        net.RunFor(100_000);
        Assert.Equal(1, net.B.Stats.IcmpUnreachSent);
        Assert.Equal(-(int)Errno.ECONNREFUSED, tx.ReceiveFrom(new byte[8], out _));
    }

    [Theory]
    [InlineData(false, 21)]
    [InlineData(true, 21)]
    public void LargeUdpDatagramsAreFragmentedAndReassembled(bool v6, int fragments)
    {
        var net = new TestNetwork();
        var rx = net.B.CreateUdp(v6);
        rx.Bind(new SockAddr(v6 ? Address.AnyV6 : Address.AnyV4, 7));
        var tx = net.A.CreateUdp(v6);
        var data = new byte[30000];
        new Random(1).NextBytes(data);
        Assert.Equal(data.Length, tx.SendTo(data, new SockAddr(v6 ? TestNetwork.Ip6B : TestNetwork.IpB, 7)));
        net.RunFor(100_000);
        var buf = new byte[65536];
        Assert.Equal(data.Length, rx.ReceiveFrom(buf, out _));
        Assert.Equal(data, buf[..data.Length]);
        Assert.Equal(fragments, net.A.Stats.FragmentsOut);
        Assert.Equal(1, net.B.Stats.Reassembled);
    }

    /// <summary>IPv4 fragments of one UDP datagram from A to B, 8-byte aligned chunks of <paramref name="chunk"/> bytes.</summary>
    private static List<(int Offset, byte[] Data, bool More)> Fragments(byte[] datagram, int chunk)
    {
        var list = new List<(int, byte[], bool)>();
        for (int off = 0; off < datagram.Length; off += chunk)
        {
            int n = Math.Min(chunk, datagram.Length - off);
            list.Add((off, datagram.AsSpan(off, n).ToArray(), off + n < datagram.Length));
        }
        return list;
    }

    private static void Inject(TestNetwork net, int offset, byte[] data, bool more, ushort id = 77)
    {
        ushort fo = (ushort)((more ? Ipv4Header.FlagMoreFragments : 0) | (offset >> 3));
        net.B.DeliverFrame(net.NicB, Packets.Ipv4(MacB, MacA, TestNetwork.IpA, TestNetwork.IpB, 17, data, id, fo));
    }

    private static (UdpEndpoint Rx, byte[] Datagram, byte[] Payload) UdpSetup(TestNetwork net, int size)
    {
        var rx = net.B.CreateUdp();
        rx.Bind(new SockAddr(Address.AnyV4, 7));
        var payload = new byte[size];
        new Random(size).NextBytes(payload);
        return (rx, Packets.Udp(TestNetwork.IpA, TestNetwork.IpB, 1234, 7, payload), payload);
    }

    [Fact]
    public void OutOfOrderAndDuplicateFragmentsReassemble()
    {
        var net = new TestNetwork();
        var (rx, dg, payload) = UdpSetup(net, 5000);
        var frags = Fragments(dg, 1024);
        var order = new[] { 3, 0, 4, 1, 1, 2 };
        foreach (int i in order) Inject(net, frags[i].Offset, frags[i].Data, frags[i].More);
        var buf = new byte[8192];
        Assert.Equal(payload.Length, rx.ReceiveFrom(buf, out _));
        Assert.Equal(payload, buf[..payload.Length]);
    }

    [Fact]
    public void OverlappingFragmentsDiscardTheDatagram()
    {
        var net = new TestNetwork();
        var (rx, dg, _) = UdpSetup(net, 3000);
        Inject(net, 0, dg[..1024], true);
        Inject(net, 512, dg[512..1536], true);  // overlaps the first with different bounds
        Inject(net, 1024, dg[1024..2048], true);
        Inject(net, 2048, dg[2048..], false);
        Assert.Equal(-(int)Errno.EAGAIN, rx.ReceiveFrom(new byte[4096], out _));
        Assert.True(net.B.Stats.ReassemblyFailed >= 1);
    }

    [Fact]
    public void IncompleteDatagramsTimeOut()
    {
        var net = new TestNetwork();
        var (_, dg, _) = UdpSetup(net, 3000);
        Inject(net, 0, dg[..1024], true);
        Assert.Equal(1, net.B.Reassembly.PendingCount);
        net.RunFor(31_000_000);
        Assert.Equal(0, net.B.Reassembly.PendingCount);
    }

    [Fact]
    public void FragmentBeyondMaximumSizeIsRejected()
    {
        var net = new TestNetwork();
        UdpSetup(net, 100);
        Inject(net, 65528, new byte[16], false);
        Assert.Equal(0, net.B.Reassembly.PendingCount);
    }

    [Fact]
    public void Ipv6FragmentsReassemble()
    {
        var net = new TestNetwork();
        var rx = net.B.CreateUdp(true);
        rx.Bind(new SockAddr(Address.AnyV6, 7));
        var payload = new byte[3000];
        new Random(9).NextBytes(payload);
        var dg = Packets.Udp(TestNetwork.Ip6A, TestNetwork.Ip6B, 1234, 7, payload);
        foreach (var (off, data, more) in Fragments(dg, 1232).AsEnumerable().Reverse())
        {
            var fh = new byte[8 + data.Length];
            fh[0] = 17;
            BinaryPrimitives.WriteUInt16BigEndian(fh.AsSpan(2), (ushort)(off | (more ? 1 : 0)));
            BinaryPrimitives.WriteUInt32BigEndian(fh.AsSpan(4), 99);
            data.CopyTo(fh.AsSpan(8));
            net.B.DeliverFrame(net.NicB, Packets.Ipv6(MacB, MacA, TestNetwork.Ip6A, TestNetwork.Ip6B, 44, fh));
        }
        var buf = new byte[4096];
        Assert.Equal(payload.Length, rx.ReceiveFrom(buf, out var from));
        Assert.Equal(payload, buf[..payload.Length]);
        Assert.Equal(TestNetwork.Ip6A, from.Addr);
    }

    [Fact]
    public void UdpEchoBetweenStacksAndV4MappedOnV6Socket()
    {
        var net = new TestNetwork();
        var server = net.B.CreateUdp(v6: true); // dual-stack
        Assert.Equal(0, server.Bind(new SockAddr(Address.AnyV6, 9000)));
        var client = net.A.CreateUdp();
        client.SendTo("hello"u8, new SockAddr(TestNetwork.IpB, 9000));
        net.RunFor(100_000);
        var buf = new byte[64];
        Assert.Equal(5, server.ReceiveFrom(buf, out var from));
        Assert.True(from.Addr.IsV4Mapped);
        Assert.Equal(TestNetwork.IpA, from.Addr.Unmapped);
        Assert.Equal(5, server.SendTo(buf.AsSpan(0, 5), from));
        net.RunFor(100_000);
        Assert.Equal(5, client.ReceiveFrom(buf, out var back));
        Assert.Equal(new SockAddr(TestNetwork.IpB, 9000), back);
    }

    [Fact]
    public void V6OnlySocketIgnoresIpv4()
    {
        var net = new TestNetwork();
        var server = net.B.CreateUdp(v6: true);
        server.V6Only = true;
        server.Bind(new SockAddr(Address.AnyV6, 9000));
        net.A.CreateUdp().SendTo("x"u8, new SockAddr(TestNetwork.IpB, 9000));
        net.RunFor(100_000);
        Assert.Equal(-(int)Errno.EAGAIN, server.ReceiveFrom(new byte[4], out _));
        Assert.Equal(1, net.B.Stats.UdpNoPort);
    }
}
