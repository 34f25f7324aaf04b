namespace Sandbox.Shim.Http2;

/// <summary>
/// Encodes header fields as HPACK literals that never touch the receiver's dynamic table
/// ("without indexing", or "never indexed" where the sender asked for that), with new names
/// and no Huffman coding: stateless, so it can re-encode blocks for a decoder it has never
/// talked to.
/// </summary>
internal static class HpackLiteralEncoder
{
    public static byte[] Encode(IEnumerable<HeaderField> fields)
    {
        var o = new MemoryStream();
        foreach (var f in fields)
        {
            o.WriteByte(f.NeverIndexed ? (byte)0x10 : (byte)0x00);
            WriteString(o, f.Name);
            WriteString(o, f.Value);
        }
        return o.ToArray();
    }

    private static void WriteString(MemoryStream o, byte[] s)
    {
        WriteInt(o, s.Length, 7, 0x00);
        o.Write(s);
    }

    internal static void WriteInt(MemoryStream o, int value, int prefixBits, byte flags)
    {
        int max = (1 << prefixBits) - 1;
        if (value < max) { o.WriteByte((byte)(flags | value)); return; }
        o.WriteByte((byte)(flags | max));
        value -= max;
        while (value >= 0x80) { o.WriteByte((byte)((value & 0x7F) | 0x80)); value >>= 7; }
        o.WriteByte((byte)value);
    }
}
