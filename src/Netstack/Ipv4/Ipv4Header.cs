using System.Buffers.Binary;

namespace Sandbox.Netstack;

/// <summary>The IPv4 header (RFC 791 section 3.1), written without options.</summary>
public static class Ipv4Header
{
    public const int Length = 20;
    public const byte ProtoIcmp = 1, ProtoTcp = 6, ProtoUdp = 17;
    public const ushort FlagDontFragment = 0x4000, FlagMoreFragments = 0x2000, OffsetMask = 0x1fff;

    public static void Write(Span<byte> h, int totalLength, ushort id, ushort flagsOffset, byte ttl, byte proto,
        Address src, Address dst, byte tos = 0)
    {
        h[0] = 0x45;
        h[1] = tos;
        BinaryPrimitives.WriteUInt16BigEndian(h[2..], (ushort)totalLength);
        BinaryPrimitives.WriteUInt16BigEndian(h[4..], id);
        BinaryPrimitives.WriteUInt16BigEndian(h[6..], flagsOffset);
        h[8] = ttl;
        h[9] = proto;
        h[10] = h[11] = 0;
        src.WriteTo(h[12..]);
        dst.WriteTo(h[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(h[10..], Checksum.Compute(h[..Length]));
    }

    /// <summary>Validates a received header; on success gives its length and the packet's total length.</summary>
    public static bool TryValidate(ReadOnlySpan<byte> p, out int headerLength, out int totalLength)
    {
        headerLength = totalLength = 0;
        if (p.Length < Length || p[0] >> 4 != 4) return false;
        headerLength = (p[0] & 0xf) * 4;
        totalLength = BinaryPrimitives.ReadUInt16BigEndian(p[2..]);
        if (headerLength < Length || totalLength < headerLength || totalLength > p.Length) return false;
        return Checksum.Verify(Checksum.Add(0, p[..headerLength]));
    }

    public static ushort Id(ReadOnlySpan<byte> p) => BinaryPrimitives.ReadUInt16BigEndian(p[4..]);
    public static ushort FlagsOffset(ReadOnlySpan<byte> p) => BinaryPrimitives.ReadUInt16BigEndian(p[6..]);
    public static byte Ttl(ReadOnlySpan<byte> p) => p[8];
    public static byte Protocol(ReadOnlySpan<byte> p) => p[9];
    public static Address Source(ReadOnlySpan<byte> p) => Address.FromV4(p[12..]);
    public static Address Destination(ReadOnlySpan<byte> p) => Address.FromV4(p[16..]);
}
