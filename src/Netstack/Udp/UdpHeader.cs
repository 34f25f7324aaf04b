using System.Buffers.Binary;

namespace Sandbox.Netstack;

/// <summary>The UDP header (RFC 768).</summary>
public static class UdpHeader
{
    public const int Length = 8;

    public static void Write(Span<byte> h, ushort srcPort, ushort dstPort, int length)
    {
        BinaryPrimitives.WriteUInt16BigEndian(h, srcPort);
        BinaryPrimitives.WriteUInt16BigEndian(h[2..], dstPort);
        BinaryPrimitives.WriteUInt16BigEndian(h[4..], (ushort)length);
        h[6] = h[7] = 0;
    }

    /// <summary>Fills in the checksum; a computed zero is sent as all ones (RFC 768).</summary>
    public static void SetChecksum(Span<byte> datagram, Address src, Address dst)
    {
        ushort c = Checksum.Finish(Checksum.Add(Checksum.Pseudo(src, dst, Ipv4Header.ProtoUdp, datagram.Length), datagram));
        BinaryPrimitives.WriteUInt16BigEndian(datagram[6..], c == 0 ? (ushort)0xffff : c);
    }

    public static ushort SourcePort(ReadOnlySpan<byte> h) => BinaryPrimitives.ReadUInt16BigEndian(h);
    public static ushort DestinationPort(ReadOnlySpan<byte> h) => BinaryPrimitives.ReadUInt16BigEndian(h[2..]);
    public static int DatagramLength(ReadOnlySpan<byte> h) => BinaryPrimitives.ReadUInt16BigEndian(h[4..]);
}
