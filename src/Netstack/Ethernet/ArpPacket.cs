using System.Buffers.Binary;

namespace Sandbox.Netstack;

/// <summary>ARP for IPv4 over Ethernet (RFC 826): the only hardware/protocol pair we speak.</summary>
public static class ArpPacket
{
    public const int Length = 28;
    public const ushort OpRequest = 1, OpReply = 2;

    public static void Write(Span<byte> p, ushort op, MacAddress sha, Address spa, MacAddress tha, Address tpa)
    {
        BinaryPrimitives.WriteUInt16BigEndian(p, 1);                           // Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(p[2..], EthernetHeader.TypeIpv4);
        p[4] = 6; p[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(p[6..], op);
        sha.WriteTo(p[8..]);
        spa.WriteTo(p[14..]);
        tha.WriteTo(p[18..]);
        tpa.WriteTo(p[24..]);
    }

    /// <summary>Parses a packet; false unless it is Ethernet/IPv4 ARP of full length.</summary>
    public static bool TryRead(ReadOnlySpan<byte> p, out ushort op, out MacAddress sha, out Address spa, out Address tpa)
    {
        op = 0; sha = default; spa = tpa = default;
        if (p.Length < Length || BinaryPrimitives.ReadUInt16BigEndian(p) != 1
            || BinaryPrimitives.ReadUInt16BigEndian(p[2..]) != EthernetHeader.TypeIpv4 || p[4] != 6 || p[5] != 4)
            return false;
        op = BinaryPrimitives.ReadUInt16BigEndian(p[6..]);
        sha = MacAddress.Read(p[8..]);
        spa = Address.FromV4(p[14..]);
        tpa = Address.FromV4(p[24..]);
        return true;
    }
}
