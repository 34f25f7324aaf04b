using System.Buffers.Binary;

namespace Sandbox.Netstack.Tests;

/// <summary>Hand-built frames for injecting exactly the packets a test needs.</summary>
internal static class Packets
{
    public static byte[] Ipv4(MacAddress dstMac, MacAddress srcMac, Address src, Address dst, byte proto,
        ReadOnlySpan<byte> payload, ushort id = 1, ushort flagsOffset = 0, byte ttl = 64)
    {
        var f = new byte[14 + 20 + payload.Length];
        EthernetHeader.Write(f, dstMac, srcMac, EthernetHeader.TypeIpv4);
        Ipv4Header.Write(f.AsSpan(14), 20 + payload.Length, id, flagsOffset, ttl, proto, src, dst);
        payload.CopyTo(f.AsSpan(34));
        return f;
    }

    public static byte[] Ipv6(MacAddress dstMac, MacAddress srcMac, Address src, Address dst, byte next, ReadOnlySpan<byte> payload, byte hops = 64)
    {
        var f = new byte[14 + 40 + payload.Length];
        EthernetHeader.Write(f, dstMac, srcMac, EthernetHeader.TypeIpv6);
        Ipv6Header.Write(f.AsSpan(14), payload.Length, next, hops, src, dst);
        payload.CopyTo(f.AsSpan(54));
        return f;
    }

    public static byte[] Udp(Address src, Address dst, ushort sport, ushort dport, ReadOnlySpan<byte> data)
    {
        var d = new byte[8 + data.Length];
        UdpHeader.Write(d, sport, dport, d.Length);
        data.CopyTo(d.AsSpan(8));
        UdpHeader.SetChecksum(d, src, dst);
        return d;
    }

    public static byte[] Tcp(Address src, Address dst, ushort sport, ushort dport, uint seq, uint ack, TcpFlags flags,
        ushort window = 65535, ReadOnlySpan<byte> data = default, ReadOnlySpan<byte> options = default)
    {
        int hl = 20 + ((options.Length + 3) & ~3);
        var s = new byte[hl + data.Length];
        TcpHeader.Write(s, sport, dport, seq, ack, hl, flags, window);
        options.CopyTo(s.AsSpan(20));
        data.CopyTo(s.AsSpan(hl));
        TcpHeader.SetChecksum(s, src, dst);
        return s;
    }

    public static byte[] IcmpEcho(ushort id, ushort seq, ReadOnlySpan<byte> data, bool v6 = false, Address src = default, Address dst = default)
    {
        var m = new byte[8 + data.Length];
        m[0] = (byte)(v6 ? 128 : 8);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(6), seq);
        data.CopyTo(m.AsSpan(8));
        ulong acc = v6 ? Checksum.Pseudo(src, dst, 58, m.Length) : 0;
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), Checksum.Finish(Checksum.Add(acc, m)));
        return m;
    }

    /// <summary>Captures frames a stack sends while the test network runs.</summary>
    public static List<byte[]> Capture(TestNetwork net, TestLink from)
    {
        var list = new List<byte[]>();
        var prev = net.Filter;
        net.Filter = (l, b, n) =>
        {
            if (l == from) list.Add(b.AsSpan(0, n).ToArray());
            return prev?.Invoke(l, b, n) ?? true;
        };
        return list;
    }

    /// <summary>The TCP segment inside a captured IPv4 frame, or null.</summary>
    public static byte[]? TcpOf(byte[] frame)
    {
        if (EthernetHeader.Type(frame) != EthernetHeader.TypeIpv4 || frame[14 + 9] != 6) return null;
        int hl = (frame[14] & 0xf) * 4;
        int total = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(16));
        return frame.AsSpan(14 + hl, total - hl).ToArray();
    }
}
