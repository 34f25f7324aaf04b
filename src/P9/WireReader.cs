using System.Buffers.Binary;
using System.Text;

namespace Sandbox.P9;

/// <summary>
/// Reads little-endian 9P fields from a frame body. Every read is bounds-checked and throws
/// <see cref="P9FormatException"/> when the field does not fit: a hostile length can never
/// make us read past the frame.
/// </summary>
public ref struct WireReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;

    public readonly int Remaining => _data.Length - _pos;
    public readonly int Position => _pos;

    private ReadOnlySpan<byte> Take(int n)
    {
        if ((uint)n > (uint)(_data.Length - _pos)) throw new P9FormatException($"field of {n} bytes overruns the frame at {_pos}");
        var s = _data.Slice(_pos, n);
        _pos += n;
        return s;
    }

    public byte U8() => Take(1)[0];
    public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));
    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
    public Qid Qid() { byte t = U8(); uint v = U32(); return new Qid(t, v, U64()); }

    private static readonly UTF8Encoding Strict = new(false, true);

    /// <summary>len[2] then UTF-8 text. A NUL byte or invalid UTF-8 is a format error.</summary>
    public string Str()
    {
        var b = Take(U16());
        if (b.Contains((byte)0)) throw new P9FormatException("string contains a NUL byte");
        try { return Strict.GetString(b); }
        catch (DecoderFallbackException) { throw new P9FormatException("string is not valid UTF-8"); }
    }

    public ReadOnlySpan<byte> Bytes(int n) => Take(n);

    /// <summary>Offset of the next field, for slicing a payload out of the frame without copying.</summary>
    public void Skip(int n) => Take(n);

    public readonly void End()
    {
        if (_pos != _data.Length) throw new P9FormatException($"{_data.Length - _pos} trailing bytes");
    }
}
