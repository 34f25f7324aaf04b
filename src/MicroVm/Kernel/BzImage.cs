using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;

namespace Sandbox.MicroVm.Kernel;

/// <summary>The x86 Linux boot image (bzImage, /boot/vmlinuz-*): the setup header tells where the
/// compressed kernel (the payload) is; decompressing it gives the plain ELF vmlinux that QEMU's
/// microvm machine (and a direct-KVM VMM) load without running the in-image decompressor.</summary>
public sealed class BzImage
{
    public ushort Protocol { get; }
    public int PayloadOffset { get; }
    public int PayloadLength { get; }
    public string Compression { get; }
    readonly byte[] _image;

    BzImage(byte[] image, ushort protocol, int payloadOffset, int payloadLength, string compression)
    {
        _image = image; Protocol = protocol; PayloadOffset = payloadOffset; PayloadLength = payloadLength; Compression = compression;
    }

    public ReadOnlySpan<byte> Payload => _image.AsSpan(PayloadOffset, PayloadLength);

    public static bool IsElf(ReadOnlySpan<byte> d) => d.Length >= 4 && d[0] == 0x7f && d[1] == (byte)'E' && d[2] == (byte)'L' && d[3] == (byte)'F';

    public static BzImage Parse(byte[] image)
    {
        if (image.Length < 0x250 || BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(0x202)) != 0x53726448 /* "HdrS" */)
            throw new InvalidDataException("not a Linux boot image (no HdrS setup header)");
        ushort proto = BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(0x206));
        int setupSects = image[0x1f1] == 0 ? 4 : image[0x1f1];
        int protectedStart = (setupSects + 1) * 512;
        int off, len;
        if (proto >= 0x208)
        {
            off = protectedStart + (int)BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(0x248));
            len = (int)BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(0x24c));
            if (off < 0 || len <= 0 || off > image.Length - len) throw new InvalidDataException("payload outside the image");
        }
        else
        {
            // Old images: scan for a known magic (xz, then gzip).
            off = ScanFor(image, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
            if (off < 0) off = ScanFor(image, [0x1f, 0x8b, 0x08]);
            if (off < 0) throw new InvalidDataException("no compressed payload found");
            len = image.Length - off;
        }
        return new BzImage(image, proto, off, len, Detect(image.AsSpan(off, len)));
    }

    public static int ScanFor(ReadOnlySpan<byte> data, ReadOnlySpan<byte> magic) => data.IndexOf(magic);

    public static string Detect(ReadOnlySpan<byte> p)
    {
        if (Lz4Legacy.HasMagic(p)) return "lz4";
        if (p.StartsWith((ReadOnlySpan<byte>)[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return "xz";
        if (p.StartsWith((ReadOnlySpan<byte>)[0x1f, 0x8b])) return "gzip";
        if (p.StartsWith((ReadOnlySpan<byte>)[0x28, 0xb5, 0x2f, 0xfd])) return "zstd";
        if (IsElf(p)) return "none";
        return "unknown";
    }

    /// <summary>The decompressed payload: an ELF vmlinux. lz4 and gzip are decoded here; xz and
    /// zstd through Debian's xz/zstd programs.</summary>
    public byte[] ExtractVmlinux()
    {
        byte[] elf = Compression switch
        {
            "lz4" => Lz4Legacy.Decompress(Payload),
            "gzip" => Gunzip(Payload),
            "xz" => RunFilter("xz", ["-dc", "--single-stream"], Payload),
            "zstd" => RunFilter("zstd", ["-dcq"], Payload),
            "none" => Payload.ToArray(),
            _ => throw new InvalidDataException($"unsupported kernel compression ({Compression})"),
        };
        if (!IsElf(elf)) throw new InvalidDataException("the decompressed kernel is not an ELF file");
        return elf;
    }

    static byte[] Gunzip(ReadOnlySpan<byte> p)
    {
        using var gz = new GZipStream(new MemoryStream(p.ToArray()), CompressionMode.Decompress);
        var o = new MemoryStream();
        gz.CopyTo(o);
        return o.ToArray();
    }

    internal static byte[] RunFilter(string program, string[] args, ReadOnlySpan<byte> input)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e) { throw new InvalidDataException($"{program} is needed to decompress this kernel: {e.Message}"); }
        using (p)
        {
            var data = input.ToArray();
            var writer = Task.Run(() => { try { p.StandardInput.BaseStream.Write(data); p.StandardInput.Close(); } catch (IOException) { } });
            var o = new MemoryStream();
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.BaseStream.CopyTo(o);
            p.WaitForExit();
            writer.Wait();
            // xz --single-stream still reports trailing garbage after the stream on some images:
            // the output is what counts.
            if (o.Length == 0) throw new InvalidDataException($"{program} failed: {err.Result.Trim()}");
            return o.ToArray();
        }
    }
}
