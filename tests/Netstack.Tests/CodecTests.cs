using System.Buffers.Binary;
using Xunit;

namespace Sandbox.Netstack.Tests;

/// <summary>Header and option codecs round-trip; checksums match the reference algorithm.</summary>
public class CodecTests
{
    private static ushort ReferenceChecksum(ReadOnlySpan<byte> d)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < d.Length; i += 2) sum += (uint)(d[i] << 8 | d[i + 1]);
        if ((d.Length & 1) != 0) sum += (uint)(d[^1] << 8);
        while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }

    [Fact]
    public void ChecksumMatchesReferenceForAllLengthsAndAlignments()
    {
        var rng = new Random(1);
        var buf = new byte[4000];
        rng.NextBytes(buf);
        for (int len = 0; len < 300; len++)
            for (int start = 0; start < 3; start++)
                Assert.Equal(ReferenceChecksum(buf.AsSpan(start, len)), Checksum.Compute(buf.AsSpan(start, len)));
        Assert.Equal(ReferenceChecksum(buf), Checksum.Compute(buf));
        Array.Fill(buf, (byte)0xff);
        Assert.Equal(ReferenceChecksum(buf), Checksum.Compute(buf)); // carries everywhere
    }

    [Fact]
    public void Rfc1071Example()
    {
        // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
        byte[] d = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        Assert.Equal(0xddf2, Checksum.Fold(Checksum.Add(0, d)));
    }

    [Fact]
    public void AddressesParseFormatAndClassify()
    {
        var a = Address.Parse("192.168.1.2");
        Assert.False(a.IsV6);
        Assert.Equal("192.168.1.2", a.ToString());
        Assert.True(a.InPrefix(Address.Parse("192.168.0.0"), 16));
        Assert.False(a.InPrefix(Address.Parse("192.169.0.0"), 16));
        var m = a.MappedV6;
        Assert.Equal("::ffff:192.168.1.2", m.ToString());
        Assert.Equal(a, m.Unmapped);
        var v6 = Address.Parse("fe80::1:2");
        Assert.True(v6.IsLinkLocalV6);
        Assert.Equal(Address.Parse("ff02::1:ff01:2"), v6.SolicitedNode);
        Assert.True(Address.Parse("2001:db8::1").InPrefix(Address.Parse("2001:db8::"), 32));
        Assert.True(Address.Parse("::1").IsLoopback);
        Assert.Equal(new MacAddress(0x3333ff010002), MacAddress.ForV6Multicast(v6.SolicitedNode));
        Assert.Equal("02:00:00:00:00:0a", new MacAddress(0x02_00_00_00_00_0a).ToString());
    }

    [Fact]
    public void Ipv4HeaderRoundTrip()
    {
        var h = new byte[20];
        Ipv4Header.Write(h, 1500, 0xbeef, Ipv4Header.FlagDontFragment, 63, 6, Address.Parse("1.2.3.4"), Address.Parse("5.6.7.8"));
        var p = new byte[1500];
        h.CopyTo(p, 0);
        Assert.True(Ipv4Header.TryValidate(p, out int hl, out int total));
        Assert.Equal((20, 1500), (hl, total));
        Assert.Equal(0xbeef, Ipv4Header.Id(p));
        Assert.Equal(63, Ipv4Header.Ttl(p));
        Assert.Equal(Address.Parse("5.6.7.8"), Ipv4Header.Destination(p));
        p[8]++; // TTL changed without fixing the checksum
        Assert.False(Ipv4Header.TryValidate(p, out _, out _));
        Assert.False(Ipv4Header.TryValidate(p.AsSpan(0, 100), out _, out _)); // truncated
    }

    [Fact]
    public void ArpRoundTrip()
    {
        var p = new byte[28];
        ArpPacket.Write(p, ArpPacket.OpRequest, new MacAddress(0x020000000001), Address.Parse("10.0.0.1"), MacAddress.Zero, Address.Parse("10.0.0.2"));
        Assert.True(ArpPacket.TryRead(p, out ushort op, out var sha, out var spa, out var tpa));
        Assert.Equal((ArpPacket.OpRequest, new MacAddress(0x020000000001), Address.Parse("10.0.0.1"), Address.Parse("10.0.0.2")), (op, sha, spa, tpa));
        Assert.False(ArpPacket.TryRead(p.AsSpan(0, 27), out _, out _, out _, out _));
    }

    [Fact]
    public void TcpOptionsParse()
    {
        byte[] o = [2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 3, 3, 7, 1, 1, 5, 10, 0, 0, 0, 10, 0, 0, 0, 20];
        var sack = new uint[8];
        var t = TcpOptions.Parse(o, sack);
        Assert.Equal(1460, t.MssValue);
        Assert.True(t.SackOk);
        Assert.True(t.HasTimestamp);
        Assert.Equal((1u, 2u), (t.TsVal, t.TsEcr));
        Assert.Equal(7, t.WsShift);
        Assert.Equal(1, t.SackCount);
        Assert.Equal((10u, 20u), (sack[0], sack[1]));
    }

    [Theory]
    [InlineData(new byte[] { 2 })]                      // kind without length
    [InlineData(new byte[] { 2, 0, 1, 1 })]             // zero length
    [InlineData(new byte[] { 2, 40, 1, 1 })]            // longer than the options
    [InlineData(new byte[] { 3, 3, 200 })]              // huge window shift: capped at 14
    [InlineData(new byte[] { 5, 7, 0, 0, 0, 0, 0 })]     // SACK of odd length
    public void MalformedTcpOptionsAreIgnored(byte[] o)
    {
        var t = TcpOptions.Parse(o, new uint[8]);
        Assert.True(t.WsShift <= 14);
        Assert.Equal(0, t.SackCount);
    }

    [Fact]
    public void TcpInfoLayoutMatchesLinux()
    {
        var i = new TcpInfo { State = TcpState.Established, Options = TcpInfoOptions.Sack, SndWscale = 7, RcvWscale = 9, SndMss = 1448, SndCwnd = 10, BytesAcked = 5 };
        var b = new byte[TcpInfo.LinuxSize];
        Assert.Equal(TcpInfo.LinuxSize, i.WriteLinux(b));
        Assert.Equal(1, b[0]);
        Assert.Equal(2, b[5]);
        Assert.Equal(0x97, b[6]);
        Assert.Equal(1448u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(16)));
        Assert.Equal(10u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(80)));
        Assert.Equal(5ul, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(120)));
        Assert.Equal(8, i.WriteLinux(new byte[8])); // truncated like getsockopt
    }
}
