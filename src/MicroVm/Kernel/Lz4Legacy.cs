using System.Buffers.Binary;

namespace Sandbox.MicroVm.Kernel;

/// <summary>Decoder for the LZ4 "legacy" frame that the kernel build uses for
/// CONFIG_KERNEL_LZ4 (Debian's cloud kernel): magic 0x184C2102, then blocks of
/// [u32 compressed size][LZ4 block] that each decode to at most 8 MiB. The kernel build appends
/// the uncompressed size (4 bytes) after the last block; a block size larger than what is left
/// ends the stream.</summary>
public static class Lz4Legacy
{
    public const uint Magic = 0x184C2102;
    const int MaxBlockOut = 8 << 20;

    public static bool HasMagic(ReadOnlySpan<byte> data) =>
        data.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(data) == Magic;

    public static byte[] Decompress(ReadOnlySpan<byte> data)
    {
        if (!HasMagic(data)) throw new InvalidDataException("not an LZ4 legacy stream");
        var output = new MemoryStream();
        var block = new byte[MaxBlockOut];
        int p = 4;
        while (p + 4 <= data.Length)
        {
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(data[p..]);
            if (size == Magic) { p += 4; continue; } // concatenated legacy frames
            if (size == 0 || size > data.Length - p - 4) break;
            int n = DecompressBlock(data.Slice(p + 4, (int)size), block);
            output.Write(block, 0, n);
            p += 4 + (int)size;
        }
        if (output.Length == 0) throw new InvalidDataException("empty LZ4 stream");
        return output.ToArray();
    }

    /// <summary>Decodes one LZ4 block into dst; returns the decoded length. Every offset and length
    /// is checked, so corrupt input throws InvalidDataException instead of reading or writing out
    /// of bounds.</summary>
    public static int DecompressBlock(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        int s = 0, d = 0;
        while (true)
        {
            if (s >= src.Length) throw new InvalidDataException("LZ4 block truncated (token)");
            int token = src[s++];
            int lit = token >> 4;
            if (lit == 15) lit += ReadLength(src, ref s);
            if (lit > src.Length - s || lit > dst.Length - d) throw new InvalidDataException("LZ4 literal run out of bounds");
            src.Slice(s, lit).CopyTo(dst[d..]);
            s += lit; d += lit;
            if (s == src.Length) return d; // the last sequence has literals only
            if (s + 2 > src.Length) throw new InvalidDataException("LZ4 block truncated (offset)");
            int offset = src[s] | (src[s + 1] << 8);
            s += 2;
            if (offset == 0 || offset > d) throw new InvalidDataException("LZ4 match offset out of bounds");
            int len = token & 15;
            if (len == 15) len += ReadLength(src, ref s);
            len += 4;
            if (len > dst.Length - d) throw new InvalidDataException("LZ4 match out of bounds");
            int from = d - offset;
            if (offset >= len) { dst.Slice(from, len).CopyTo(dst[d..]); d += len; }
            else for (int i = 0; i < len; i++) dst[d++] = dst[from + i];
        }
    }

    static int ReadLength(ReadOnlySpan<byte> src, ref int s)
    {
        int n = 0, b;
        do
        {
            if (s >= src.Length) throw new InvalidDataException("LZ4 block truncated (length)");
            b = src[s++];
            n += b;
            if (n > 1 << 28) throw new InvalidDataException("LZ4 length too large");
        } while (b == 255);
        return n;
    }
}
