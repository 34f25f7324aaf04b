using System.Text;

namespace Sandbox.MicroVm.Initramfs;

/// <summary>Writes a cpio archive in the "newc" format (magic 070701) that the kernel unpacks as
/// its initramfs. Parent directories are added automatically (the kernel does not create them),
/// each path once. Call Finish to write the TRAILER!!! entry.</summary>
public sealed class CpioWriter
{
    public const uint S_IFDIR = 0x4000, S_IFREG = 0x8000, S_IFLNK = 0xA000, S_IFCHR = 0x2000;
    readonly Stream _out;
    readonly HashSet<string> _paths = new(StringComparer.Ordinal);
    uint _ino = 1;
    long _written;
    bool _finished;
    public uint MTime { get; set; }

    public CpioWriter(Stream output) => _out = output;

    public IReadOnlyCollection<string> Paths => _paths;

    static string Normalize(string path)
    {
        var p = path.Trim('/');
        if (p.Length == 0 || p.Split('/').Any(c => c is "" or "." or ".."))
            throw new ArgumentException($"bad archive path '{path}'");
        return p;
    }

    public void AddDirectory(string path, uint mode = 0x1ed /* 0755 */)
    {
        var p = Normalize(path);
        if (_paths.Contains(p)) return;
        EnsureParents(p);
        Entry(p, S_IFDIR | (mode & 0xfff), 2, [], 0, 0);
    }

    public void AddFile(string path, ReadOnlySpan<byte> data, uint mode = 0x1a4 /* 0644 */)
    {
        var p = Normalize(path);
        EnsureParents(p);
        Entry(p, S_IFREG | (mode & 0xfff), 1, data, 0, 0);
    }

    public void AddSymlink(string path, string target)
    {
        var p = Normalize(path);
        EnsureParents(p);
        Entry(p, S_IFLNK | 0x1ff, 1, Encoding.UTF8.GetBytes(target), 0, 0);
    }

    public void AddCharDevice(string path, uint major, uint minor, uint mode = 0x180 /* 0600 */)
    {
        var p = Normalize(path);
        EnsureParents(p);
        Entry(p, S_IFCHR | (mode & 0xfff), 1, [], major, minor);
    }

    void EnsureParents(string p)
    {
        int slash = p.LastIndexOf('/');
        if (slash > 0) AddDirectory(p[..slash]);
    }

    void Entry(string name, uint mode, uint nlink, ReadOnlySpan<byte> data, uint rmajor, uint rminor)
    {
        if (_finished) throw new InvalidOperationException("archive already finished");
        if (name != "TRAILER!!!" && !_paths.Add(name)) throw new ArgumentException($"duplicate archive path '{name}'");
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var h = new StringBuilder("070701");
        foreach (var v in new uint[] { name == "TRAILER!!!" ? 0 : _ino++, mode, 0, 0, nlink, MTime, (uint)data.Length, 0, 0, rmajor, rminor, (uint)nameBytes.Length + 1, 0 })
            h.Append(v.ToString("x8"));
        Write(Encoding.ASCII.GetBytes(h.ToString()));
        Write(nameBytes);
        Write([0]);
        Pad();
        Write(data);
        Pad();
    }

    void Write(ReadOnlySpan<byte> b) { _out.Write(b); _written += b.Length; }
    void Pad() { while (_written % 4 != 0) Write([0]); }

    public void Finish()
    {
        Entry("TRAILER!!!", 0, 1, [], 0, 0);
        _finished = true;
    }

    /// <summary>Reads a newc archive back (for tests and for inspecting an initramfs).</summary>
    public static List<(string Name, uint Mode, byte[] Data, uint RdevMajor, uint RdevMinor)> Read(ReadOnlySpan<byte> a)
    {
        var res = new List<(string, uint, byte[], uint, uint)>();
        int p = 0;
        while (true)
        {
            if (p + 110 > a.Length) throw new InvalidDataException("truncated cpio header");
            var hdr = Encoding.ASCII.GetString(a.Slice(p, 110));
            if (!hdr.StartsWith("070701")) throw new InvalidDataException($"bad cpio magic at {p}");
            uint F(int i) => Convert.ToUInt32(hdr.Substring(6 + i * 8, 8), 16);
            uint mode = F(1), size = F(6), rmaj = F(9), rmin = F(10), nsize = F(11);
            p += 110;
            var name = Encoding.UTF8.GetString(a.Slice(p, (int)nsize - 1));
            p = Align(p + (int)nsize);
            var data = a.Slice(p, (int)size).ToArray();
            p = Align(p + (int)size);
            if (name == "TRAILER!!!") return res;
            res.Add((name, mode, data, rmaj, rmin));
        }
        static int Align(int x) => (x + 3) & ~3;
    }
}
