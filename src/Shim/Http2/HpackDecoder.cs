namespace Sandbox.Shim.Http2;

/// <summary>One decoded header field (names and values as bytes, as on the wire).</summary>
internal readonly record struct HeaderField(byte[] Name, byte[] Value, bool NeverIndexed);

internal sealed class HpackException(string message) : Exception(message);

/// <summary>
/// An HPACK (RFC 7541) decoder: static and dynamic tables, integer and string literals,
/// Huffman-coded strings. It keeps the dynamic table of one direction of one connection.
/// </summary>
internal sealed class HpackDecoder
{
    private readonly List<(byte[] Name, byte[] Value)> _dynamic = new(); // newest first
    private int _size;
    private int _maxSize = 4096;
    private readonly int _maxAllowed;

    public HpackDecoder(int maxAllowedTableSize = 65536) => _maxAllowed = maxAllowedTableSize;

    public List<HeaderField> Decode(ReadOnlySpan<byte> block)
    {
        var fields = new List<HeaderField>();
        int pos = 0;
        while (pos < block.Length)
        {
            byte b = block[pos];
            if ((b & 0x80) != 0)
            {
                int index = ReadInt(block, ref pos, 7);
                var (n, v) = Entry(index);
                fields.Add(new HeaderField(n, v, false));
            }
            else if ((b & 0xC0) == 0x40)
            {
                var f = ReadLiteral(block, ref pos, 6, false);
                Add(f.Name, f.Value);
                fields.Add(f);
            }
            else if ((b & 0xE0) == 0x20)
            {
                int size = ReadInt(block, ref pos, 5);
                if (size > _maxAllowed) throw new HpackException($"dynamic table size {size} over the limit");
                _maxSize = size;
                Evict();
            }
            else
            {
                fields.Add(ReadLiteral(block, ref pos, 4, (b & 0x10) != 0));
            }
        }
        return fields;
    }

    private HeaderField ReadLiteral(ReadOnlySpan<byte> block, ref int pos, int prefix, bool neverIndexed)
    {
        int index = ReadInt(block, ref pos, prefix);
        byte[] name = index == 0 ? ReadString(block, ref pos) : Entry(index).Name;
        byte[] value = ReadString(block, ref pos);
        return new HeaderField(name, value, neverIndexed);
    }

    private (byte[] Name, byte[] Value) Entry(int index)
    {
        if (index <= 0) throw new HpackException("header index 0");
        if (index <= HpackTables.Static.Length)
        {
            var (n, v) = HpackTables.Static[index - 1];
            return (System.Text.Encoding.ASCII.GetBytes(n), System.Text.Encoding.ASCII.GetBytes(v));
        }
        int d = index - HpackTables.Static.Length - 1;
        if (d >= _dynamic.Count) throw new HpackException($"header index {index} beyond the tables");
        return _dynamic[d];
    }

    private void Add(byte[] name, byte[] value)
    {
        int size = name.Length + value.Length + 32;
        if (size > _maxSize) { _dynamic.Clear(); _size = 0; return; }
        _dynamic.Insert(0, (name, value));
        _size += size;
        Evict();
    }

    private void Evict()
    {
        while (_size > _maxSize && _dynamic.Count > 0)
        {
            var (n, v) = _dynamic[^1];
            _dynamic.RemoveAt(_dynamic.Count - 1);
            _size -= n.Length + v.Length + 32;
        }
    }

    internal static int ReadInt(ReadOnlySpan<byte> s, ref int pos, int prefixBits)
    {
        if (pos >= s.Length) throw new HpackException("truncated integer");
        int max = (1 << prefixBits) - 1;
        int value = s[pos++] & max;
        if (value < max) return value;
        int shift = 0;
        while (true)
        {
            if (pos >= s.Length) throw new HpackException("truncated integer");
            byte b = s[pos++];
            if (shift > 28) throw new HpackException("integer overflow");
            value += (b & 0x7F) << shift;
            shift += 7;
            if ((b & 0x80) == 0) return value;
        }
    }

    private static byte[] ReadString(ReadOnlySpan<byte> s, ref int pos)
    {
        if (pos >= s.Length) throw new HpackException("truncated string");
        bool huffman = (s[pos] & 0x80) != 0;
        int len = ReadInt(s, ref pos, 7);
        if (len > s.Length - pos) throw new HpackException("truncated string");
        var raw = s.Slice(pos, len);
        pos += len;
        return huffman ? Huffman.Decode(raw) : raw.ToArray();
    }
}

/// <summary>HPACK's Huffman code (RFC 7541 Appendix B), decoding only.</summary>
internal static class Huffman
{
    private static readonly Dictionary<(int Len, uint Code), byte> Codes = Build();

    private static Dictionary<(int, uint), byte> Build()
    {
        var d = new Dictionary<(int, uint), byte>();
        for (int i = 0; i < 256; i++) d[(HpackTables.HuffmanLengths[i], HpackTables.HuffmanCodes[i])] = (byte)i;
        return d;
    }

    public static byte[] Decode(ReadOnlySpan<byte> data)
    {
        var output = new List<byte>(data.Length * 8 / 5);
        uint code = 0;
        int len = 0;
        foreach (byte b in data)
        {
            for (int bit = 7; bit >= 0; bit--)
            {
                code = (code << 1) | (uint)((b >> bit) & 1);
                len++;
                if (len >= 5 && Codes.TryGetValue((len, code), out byte sym))
                {
                    output.Add(sym);
                    code = 0;
                    len = 0;
                }
                else if (len > 30) throw new HpackException("invalid Huffman code");
            }
        }
        // What is left must be padding: fewer than 8 bits, all ones (a prefix of EOS).
        if (len > 7 || code != (1u << len) - 1) throw new HpackException("invalid Huffman padding");
        return output.ToArray();
    }
}
