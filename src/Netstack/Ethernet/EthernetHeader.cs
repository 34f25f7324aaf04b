using System.Buffers.Binary;

namespace Sandbox.Netstack;

/// <summary>Ethernet II framing (IEEE 802.3 with EtherType).</summary>
public static class EthernetHeader
{
    public const int Length = 14;
    public const ushort TypeIpv4 = 0x0800, TypeArp = 0x0806, TypeIpv6 = 0x86dd;

    public static void Write(Span<byte> f, MacAddress dst, MacAddress src, ushort type)
    {
        dst.WriteTo(f);
        src.WriteTo(f[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(f[12..], type);
    }

    public static MacAddress Destination(ReadOnlySpan<byte> f) => MacAddress.Read(f);
    public static MacAddress Source(ReadOnlySpan<byte> f) => MacAddress.Read(f[6..]);
    public static ushort Type(ReadOnlySpan<byte> f) => BinaryPrimitives.ReadUInt16BigEndian(f[12..]);
}
