using System.Buffers.Binary;
using System.Text;

namespace Sandbox.P9;

/// <summary>Writes little-endian 9P fields into a caller-owned buffer (bounds-checked).</summary>
public ref struct WireWriter(Span<byte> buffer)
{
    private readonly Span<byte> _buf = buffer;
    private int _pos;

    public readonly int Length => _pos;
    public readonly Span<byte> Written => _buf[.._pos];

    private Span<byte> Take(int n)
    {
        if ((uint)n > (uint)(_buf.Length - _pos)) throw new P9FormatException($"message does not fit in {_buf.Length} bytes (msize)");
        var s = _buf.Slice(_pos, n);
        _pos += n;
        return s;
    }

    public void U8(byte v) => Take(1)[0] = v;
    public void U16(ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(Take(2), v);
    public void U32(uint v) => BinaryPrimitives.WriteUInt32LittleEndian(Take(4), v);
    public void U64(ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(Take(8), v);
    public void Qid(Qid q) { U8(q.Type); U32(q.Version); U64(q.Path); }

    public void Str(string s)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        if (n > ushort.MaxValue) throw new P9FormatException("string longer than 65535 bytes");
        U16((ushort)n);
        Encoding.UTF8.GetBytes(s, Take(n));
    }

    public void Bytes(ReadOnlySpan<byte> b) => b.CopyTo(Take(b.Length));

    /// <summary>Reserves <paramref name="n"/> bytes to be filled in place (a read payload).</summary>
    public Span<byte> Reserve(int n) => Take(n);

    /// <summary>Writes the header at the start; the body must already follow it.</summary>
    public readonly void PatchHeader(MessageType type, ushort tag)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buf, (uint)_pos);
        _buf[4] = (byte)type;
        BinaryPrimitives.WriteUInt16LittleEndian(_buf[5..], tag);
    }

    public void SkipHeader() => Take(P9.HeaderSize);
}
