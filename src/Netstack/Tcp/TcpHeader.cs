using System.Buffers.Binary;

namespace Sandbox.Netstack;

[Flags]
public enum TcpFlags : byte { Fin = 1, Syn = 2, Rst = 4, Psh = 8, Ack = 16, Urg = 32, Ece = 64, Cwr = 128 }

/// <summary>The TCP header (RFC 9293 section 3.1).</summary>
public static class TcpHeader
{
    public const int MinLength = 20;

    public static ushort SourcePort(ReadOnlySpan<byte> h) => BinaryPrimitives.ReadUInt16BigEndian(h);
    public static ushort DestinationPort(ReadOnlySpan<byte> h) => BinaryPrimitives.ReadUInt16BigEndian(h[2..]);
    public static uint Seq(ReadOnlySpan<byte> h) => BinaryPrimitives.ReadUInt32BigEndian(h[4..]);
    public static uint Ack(ReadOnlySpan<byte> h) => BinaryPrimitives.ReadUInt32BigEndian(h[8..]);
    public static int DataOffset(ReadOnlySpan<byte> h) => (h[12] >> 4) * 4;
    public static TcpFlags Flags(ReadOnlySpan<byte> h) => (TcpFlags)h[13];
    public static ushort Window(ReadOnlySpan<byte> h) => BinaryPrimitives.ReadUInt16BigEndian(h[14..]);

    public static void Write(Span<byte> h, ushort sport, ushort dport, uint seq, uint ack, int headerLength, TcpFlags flags, ushort window)
    {
        BinaryPrimitives.WriteUInt16BigEndian(h, sport);
        BinaryPrimitives.WriteUInt16BigEndian(h[2..], dport);
        BinaryPrimitives.WriteUInt32BigEndian(h[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(h[8..], ack);
        h[12] = (byte)((headerLength / 4) << 4);
        h[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(h[14..], window);
        h[16] = h[17] = h[18] = h[19] = 0;
    }

    /// <summary>Puts the pseudo-header sum (not inverted) in the checksum field for checksum offload:
    /// the host adds the segment and inverts (Linux's CHECKSUM_PARTIAL).</summary>
    public static void SetPartialChecksum(Span<byte> segment, Address src, Address dst)
    {
        BinaryPrimitives.WriteUInt16BigEndian(segment[16..], Checksum.Fold(Checksum.Pseudo(src, dst, Ipv4Header.ProtoTcp, segment.Length)));
    }

    public static void SetChecksum(Span<byte> segment, Address src, Address dst)
    {
        segment[16] = segment[17] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(segment[16..],
            Checksum.Finish(Checksum.Add(Checksum.Pseudo(src, dst, Ipv4Header.ProtoTcp, segment.Length), segment)));
    }
}

/// <summary>Sequence number comparison modulo 2^32 (RFC 9293 section 3.4).</summary>
internal static class Seq
{
    public static bool Lt(uint a, uint b) => (int)(a - b) < 0;
    public static bool Le(uint a, uint b) => (int)(a - b) <= 0;
    public static bool Gt(uint a, uint b) => (int)(a - b) > 0;
    public static bool Ge(uint a, uint b) => (int)(a - b) >= 0;
    public static uint Max(uint a, uint b) => Gt(a, b) ? a : b;
    public static uint Min(uint a, uint b) => Lt(a, b) ? a : b;
    /// <summary>lo &lt;= x &lt; hi</summary>
    public static bool InRange(uint x, uint lo, uint hi) => Ge(x, lo) && Lt(x, hi);
}
