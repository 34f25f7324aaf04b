using System.Buffers.Binary;
using Sandbox.Linux;
using Xunit;

namespace Sandbox.Netstack.Tests;

/// <summary>ICMP endpoints: ping sockets and raw sockets over loopback and between two stacks.</summary>
public class IcmpSocketTests
{
    private static byte[] Echo(bool v6, ushort id, ushort seq, string payload)
    {
        var m = new byte[8 + payload.Length];
        m[0] = (byte)(v6 ? 128 : 8);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(6), seq);
        System.Text.Encoding.ASCII.GetBytes(payload, m.AsSpan(8));
        if (!v6) BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), Checksum.Compute(m));
        return m;
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("::1", true)]
    public void PingSocketGetsItsReplyWithItsIdentifier(string addr, bool v6)
    {
        var s = new TestNetwork().A;
        var p = s.CreateIcmp(v6, raw: false);
        Assert.Equal(0, p.Bind(new SockAddr(v6 ? Address.AnyV6 : Address.AnyV4, 4242)));
        var other = s.CreateIcmp(v6, raw: false);
        Assert.Equal(-(int)Errno.EADDRINUSE, other.Bind(new SockAddr(v6 ? Address.AnyV6 : Address.AnyV4, 4242)));
        // Only echo requests go out; the identifier and checksum are the socket's to set.
        var bad = Echo(v6, 1, 1, "x");
        bad[0] = 13;
        Assert.Equal(-(int)Errno.EINVAL, p.SendTo(bad, Address.Parse(addr)));
        Assert.Equal(-(int)Errno.EINVAL, p.SendTo(new byte[4], Address.Parse(addr)));
        var req = Echo(v6, 999, 7, "hello");
        Assert.Equal(req.Length, p.SendTo(req, Address.Parse(addr)));
        var buf = new byte[100];
        int n = p.ReceiveFrom(buf, out var from, out int hops);
        Assert.Equal(req.Length, n);
        Assert.Equal(Address.Parse(addr), from);
        Assert.Equal(64, hops);
        Assert.Equal(v6 ? 129 : 0, buf[0]);
        Assert.Equal(4242, BinaryPrimitives.ReadUInt16BigEndian(buf.AsSpan(4)));
        Assert.Equal(7, BinaryPrimitives.ReadUInt16BigEndian(buf.AsSpan(6)));
        Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(buf, 8, 5));
        Assert.Equal(-(int)Errno.EAGAIN, p.ReceiveFrom(buf, out _, out _));
        Assert.Equal(-(int)Errno.EAGAIN, other.ReceiveFrom(buf, out _, out _));
        p.Close();
        other.Close();
    }

    [Fact]
    public void RawSocketSeesRequestAndReplyWithIpHeaderAndFilters()
    {
        var s = new TestNetwork().A;
        var r = s.CreateIcmp(v6: false, raw: true);
        var req = Echo(false, 77, 1, "raw");
        Assert.Equal(req.Length, r.SendTo(req, Address.LoopbackV4));
        var buf = new byte[200];
        Assert.Equal(20 + req.Length, r.ReceiveFrom(buf, out _, out _));
        Assert.Equal(0x45, buf[0]);
        Assert.Equal(1, buf[9]);
        Assert.Equal(8, buf[20]);
        Assert.Equal(20 + req.Length, r.ReceiveFrom(buf, out _, out _));
        Assert.Equal(0, buf[20]);
        Assert.Equal(77, BinaryPrimitives.ReadUInt16BigEndian(buf.AsSpan(24)));
        r.FilterV4 = 1u << 8;
        Assert.Equal(req.Length, r.SendTo(req, Address.LoopbackV4));
        Assert.Equal(20 + req.Length, r.ReceiveFrom(buf, out _, out _));
        Assert.Equal(0, buf[20]);
        Assert.Equal(-(int)Errno.EAGAIN, r.ReceiveFrom(buf, out _, out _));
        r.Close();
    }

    [Fact]
    public void PingAcrossTheLinkToAnotherStack()
    {
        var net = new TestNetwork();
        var p = net.A.CreateIcmp(false, raw: false);
        Assert.Equal(13, p.SendTo(Echo(false, 0, 3, "abcde"), TestNetwork.IpB));
        var buf = new byte[64];
        int n = -1;
        Assert.True(net.Run(() => (n = p.ReceiveFrom(buf, out _, out _)) > 0, () => { }, 5_000_000));
        Assert.Equal(13, n);
        Assert.Equal(0, buf[0]);
        Assert.Equal(p.Ident, BinaryPrimitives.ReadUInt16BigEndian(buf.AsSpan(4)));
    }
}
