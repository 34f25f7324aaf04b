using System.Buffers.Binary;

namespace Sandbox.Netstack;

/// <summary>The TCP options we parse and send: MSS (RFC 9293 3.2), window scale and timestamps
/// (RFC 7323), SACK-permitted and SACK blocks (RFC 2018).</summary>
internal ref struct TcpOptions
{
    public const byte End = 0, Nop = 1, Mss = 2, WindowScale = 3, SackPermitted = 4, Sack = 5, Timestamp = 8;

    public int MssValue;          // 0 when absent
    public int WsShift;           // -1 when absent
    public bool SackOk;
    public bool HasTimestamp;
    public uint TsVal, TsEcr;
    public int SackCount;
    public Span<uint> SackBlocks;  // pairs (start, end), up to 4 blocks

    /// <summary>Parses options; malformed lengths stop parsing (the rest is ignored, RFC 9293 3.2).</summary>
    public static TcpOptions Parse(ReadOnlySpan<byte> o, Span<uint> sackStorage)
    {
        var r = new TcpOptions { WsShift = -1, SackBlocks = sackStorage };
        int i = 0;
        while (i < o.Length)
        {
            byte kind = o[i];
            if (kind == End) break;
            if (kind == Nop) { i++; continue; }
            if (i + 1 >= o.Length) break;
            int len = o[i + 1];
            if (len < 2 || i + len > o.Length) break;
            var v = o.Slice(i + 2, len - 2);
            switch (kind)
            {
                case Mss when len == 4: r.MssValue = BinaryPrimitives.ReadUInt16BigEndian(v); break;
                case WindowScale when len == 3: r.WsShift = Math.Min((int)v[0], 14); break;
                case SackPermitted when len == 2: r.SackOk = true; break;
                case Timestamp when len == 10:
                    r.HasTimestamp = true;
                    r.TsVal = BinaryPrimitives.ReadUInt32BigEndian(v);
                    r.TsEcr = BinaryPrimitives.ReadUInt32BigEndian(v[4..]);
                    break;
                case Sack when (len - 2) % 8 == 0:
                    for (int b = 0; b + 8 <= v.Length && r.SackCount < sackStorage.Length / 2; b += 8)
                    {
                        sackStorage[r.SackCount * 2] = BinaryPrimitives.ReadUInt32BigEndian(v[b..]);
                        sackStorage[r.SackCount * 2 + 1] = BinaryPrimitives.ReadUInt32BigEndian(v[(b + 4)..]);
                        r.SackCount++;
                    }
                    break;
            }
            i += len;
        }
        return r;
    }
}
