using System.Buffers.Binary;

namespace Sandbox.Netstack;

/// <summary>The IPv6 fixed header (RFC 8200 section 3).</summary>
public static class Ipv6Header
{
    public const int Length = 40;
    public const byte ProtoIcmpv6 = 58, HopByHop = 0, Routing = 43, Fragment = 44, DestOptions = 60, NoNext = 59;

    public static void Write(Span<byte> h, int payloadLength, byte next, byte hops, Address src, Address dst)
    {
        BinaryPrimitives.WriteUInt32BigEndian(h, 0x6000_0000);
        BinaryPrimitives.WriteUInt16BigEndian(h[4..], (ushort)payloadLength);
        h[6] = next;
        h[7] = hops;
        src.WriteTo(h[8..]);
        dst.WriteTo(h[24..]);
    }

    public static int PayloadLength(ReadOnlySpan<byte> p) => BinaryPrimitives.ReadUInt16BigEndian(p[4..]);
    public static byte NextHeader(ReadOnlySpan<byte> p) => p[6];
    public static byte HopLimit(ReadOnlySpan<byte> p) => p[7];
    public static Address Source(ReadOnlySpan<byte> p) => Address.FromV6(p[8..]);
    public static Address Destination(ReadOnlySpan<byte> p) => Address.FromV6(p[24..]);
}
