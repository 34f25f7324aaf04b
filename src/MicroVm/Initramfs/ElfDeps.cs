using System.Buffers.Binary;
using System.Text;

namespace Sandbox.MicroVm.Initramfs;

/// <summary>What a dynamically linked x86-64 ELF needs at run time: its interpreter (PT_INTERP)
/// and the DT_NEEDED libraries, resolved recursively in the standard Debian library
/// directories. Used to put the NativeAOT agent's glibc into the initramfs.</summary>
public static class ElfDeps
{
    public static readonly string[] LibraryDirs = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"];

    public sealed record Info(string? Interpreter, IReadOnlyList<string> Needed);

    public static Info Read(ReadOnlySpan<byte> f)
    {
        if (f.Length < 64 || f[0] != 0x7f || f[1] != 'E' || f[2] != 'L' || f[3] != 'F') throw new InvalidDataException("not an ELF file");
        if (f[4] != 2 || f[5] != 1) throw new InvalidDataException("not a 64-bit little-endian ELF file");
        ulong phoff = U64(f, 32);
        int phentsize = U16(f, 54), phnum = U16(f, 56);
        if (phentsize < 56 || phoff > (ulong)f.Length || (ulong)phnum * (ulong)phentsize > (ulong)f.Length - phoff)
            throw new InvalidDataException("program headers out of the file");
        string? interp = null;
        ulong dynOff = 0, dynSize = 0;
        var loads = new List<(ulong Vaddr, ulong Off, ulong Filesz)>();
        for (int i = 0; i < phnum; i++)
        {
            var ph = f.Slice((int)phoff + i * phentsize, phentsize);
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(ph);
            ulong off = U64(ph, 8), vaddr = U64(ph, 16), filesz = U64(ph, 32);
            if (off > (ulong)f.Length || filesz > (ulong)f.Length - off) throw new InvalidDataException("segment out of the file");
            if (type == 3) interp = CString(f.Slice((int)off, (int)filesz));
            else if (type == 2) { dynOff = off; dynSize = filesz; }
            else if (type == 1) loads.Add((vaddr, off, filesz));
        }
        var needed = new List<string>();
        if (dynSize == 0) return new Info(interp, needed);
        var dyn = f.Slice((int)dynOff, (int)dynSize);
        ulong strtab = 0;
        var neededOffs = new List<ulong>();
        for (int p = 0; p + 16 <= dyn.Length; p += 16)
        {
            long tag = (long)U64(dyn, p);
            ulong val = U64(dyn, p + 8);
            if (tag == 0) break;
            if (tag == 1) neededOffs.Add(val);
            else if (tag == 5) strtab = val;
        }
        ulong strOff = ToOffset(strtab);
        foreach (var o in neededOffs)
        {
            if (strOff + o >= (ulong)f.Length) throw new InvalidDataException("DT_NEEDED out of the file");
            needed.Add(CString(f[(int)(strOff + o)..]));
        }
        return new Info(interp, needed);

        ulong ToOffset(ulong vaddr)
        {
            foreach (var (va, off, sz) in loads)
                if (vaddr >= va && vaddr < va + sz) return vaddr - va + off;
            throw new InvalidDataException("DT_STRTAB not in a loaded segment");
        }
    }

    /// <summary>Absolute host paths of everything `binary` loads (interpreter first), recursively.</summary>
    public static IReadOnlyList<string> Closure(string binary)
    {
        var result = new List<string>();
        var seen = new HashSet<string>();
        var queue = new Queue<string>();
        var info = Read(File.ReadAllBytes(binary));
        if (info.Interpreter is { } interp) { result.Add(interp); seen.Add(Path.GetFileName(interp)); }
        foreach (var n in info.Needed) queue.Enqueue(n);
        while (queue.Count > 0)
        {
            var name = queue.Dequeue();
            if (!seen.Add(name)) continue;
            var path = name.Contains('/') ? name : LibraryDirs.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists)
                ?? throw new FileNotFoundException($"library {name} (needed by {binary}) not found");
            result.Add(path);
            foreach (var n in Read(File.ReadAllBytes(path)).Needed) queue.Enqueue(n);
        }
        return result;
    }

    static ushort U16(ReadOnlySpan<byte> b, int o) => BinaryPrimitives.ReadUInt16LittleEndian(b[o..]);
    static ulong U64(ReadOnlySpan<byte> b, int o) => BinaryPrimitives.ReadUInt64LittleEndian(b[o..]);
    static string CString(ReadOnlySpan<byte> b)
    {
        int z = b.IndexOf((byte)0);
        return Encoding.UTF8.GetString(z >= 0 ? b[..z] : b);
    }
}
