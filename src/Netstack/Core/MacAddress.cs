using System.Buffers.Binary;

namespace Sandbox.Netstack;

/// <summary>A 48-bit Ethernet address kept in the low bits of a ulong (big-endian order).</summary>
public readonly record struct MacAddress(ulong Value)
{
    public static readonly MacAddress Broadcast = new(0xffff_ffff_ffff);
    public static readonly MacAddress Zero = new(0);

    public static MacAddress Read(ReadOnlySpan<byte> b) =>
        new(((ulong)BinaryPrimitives.ReadUInt16BigEndian(b) << 32) | BinaryPrimitives.ReadUInt32BigEndian(b[2..]));

    public void WriteTo(Span<byte> b)
    {
        BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)(Value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(b[2..], (uint)Value);
    }

    public bool IsMulticast => (Value & 0x0100_0000_0000) != 0;

    /// <summary>The Ethernet group address an IPv6 multicast address maps to (RFC 2464 section 7).</summary>
    public static MacAddress ForV6Multicast(Address a) => new(0x3333_0000_0000UL | (a.Lo & 0xffff_ffff));

    /// <summary>The Ethernet group address of an IPv4 multicast address (RFC 1112 section 6.4).</summary>
    public static MacAddress ForV4Multicast(Address a) => new(0x0100_5e00_0000UL | (a.V4 & 0x7f_ffff));

    public static MacAddress Parse(string s) =>
        new(Convert.ToUInt64(s.Replace(":", "").Replace("-", ""), 16));

    public override string ToString()
    {
        Span<byte> b = stackalloc byte[6];
        WriteTo(b);
        return Convert.ToHexString(b).ToLowerInvariant() is var h
            ? string.Join(':', Enumerable.Range(0, 6).Select(i => h.Substring(i * 2, 2))) : "";
    }
}
