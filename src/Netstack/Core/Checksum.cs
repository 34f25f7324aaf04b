using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Sandbox.Netstack;

/// <summary>
/// The Internet checksum (RFC 1071). Sums are kept as 64-bit accumulators of the data read as
/// little-endian 32-bit words (end-around carries are deferred to <see cref="Finish"/>), which is
/// byte-order independent up to a final swap (RFC 1071 section 2(B)).
/// </summary>
public static class Checksum
{
    public static ulong Add(ulong acc, ReadOnlySpan<byte> data)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && data.Length >= 64)
        {
            // Widen 32-bit lanes to 64-bit so carries accumulate without loss.
            var sum = Vector256<ulong>.Zero;
            var words = MemoryMarshal.Cast<byte, uint>(data);
            int n = words.Length & ~7;
            for (int w = 0; w < n; w += 8)
            {
                var v = Vector256.Create<uint>(words.Slice(w, 8));
                var (lo, hi) = Vector256.Widen(v);
                sum += lo + hi;
            }
            ulong s = Vector256.Sum(sum);
            // Vector256.Sum may wrap only after 2^32 iterations: impossible for a packet.
            acc = AddCarry(acc, s);
            i = n * 4;
        }
        for (; i + 4 <= data.Length; i += 4) acc = AddCarry(acc, BinaryPrimitives.ReadUInt32LittleEndian(data[i..]));
        if (i + 2 <= data.Length) { acc = AddCarry(acc, BinaryPrimitives.ReadUInt16LittleEndian(data[i..])); i += 2; }
        if (i < data.Length) acc = AddCarry(acc, data[i]);
        return acc;
    }

    private static ulong AddCarry(ulong a, ulong b)
    {
        ulong s = a + b;
        return s < a ? s + 1 : s;
    }

    /// <summary>Adds a 16-bit value given in network order (e.g. a length or protocol).</summary>
    public static ulong AddBigEndian16(ulong acc, ushort v) => AddCarry(acc, BinaryPrimitives.ReverseEndianness(v));

    /// <summary>Folds an accumulator to the 16-bit one's complement sum, in host order (not inverted).</summary>
    public static ushort Fold(ulong acc)
    {
        acc = (acc & 0xffffffff) + (acc >> 32);
        acc = (acc & 0xffffffff) + (acc >> 32);
        acc = (acc & 0xffff) + (acc >> 16);
        acc = (acc & 0xffff) + (acc >> 16);
        acc = (acc & 0xffff) + (acc >> 16);
        return BinaryPrimitives.ReverseEndianness((ushort)acc);
    }

    /// <summary>The checksum field value for data whose checksum field is zero.</summary>
    public static ushort Finish(ulong acc) => (ushort)~Fold(acc);

    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Add(0, data));

    /// <summary>True when the data including its checksum field sums to all ones.</summary>
    public static bool Verify(ulong acc) => Fold(acc) == 0xffff;

    /// <summary>The TCP/UDP/ICMPv6 pseudo-header sum (RFC 793 3.1, RFC 8200 8.1).</summary>
    public static ulong Pseudo(Address src, Address dst, byte proto, int length)
    {
        Span<byte> b = stackalloc byte[16];
        src.WriteTo(b);
        ulong acc = Add(0, b[..src.Length]);
        dst.WriteTo(b);
        acc = Add(acc, b[..dst.Length]);
        acc = AddBigEndian16(acc, proto);
        if (src.IsV6)
        {
            acc = AddBigEndian16(acc, (ushort)(length >> 16));
        }
        return AddBigEndian16(acc, (ushort)length);
    }
}
