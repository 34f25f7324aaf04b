using System.IO.Compression;
using System.Security.Cryptography;
using Sandbox.MicroVm.Kernel;

namespace Sandbox.MicroVm.Initramfs;

/// <summary>Builds the VM's initramfs: the guest agent as /init with the libraries it loads, the
/// kernel modules the VM needs (with their dependencies) and /lib/modules/load-order telling
/// the agent in which order to load them, /dev/console, and the empty mount points.</summary>
public static class InitramfsBuilder
{
    /// <summary>Modules the agent loads, by share kind; names that are built in are skipped.</summary>
    public static IReadOnlyList<string> ModulesFor(string share) => share switch
    {
        "9p" => ["virtio_mmio", "virtio_console", "9pnet_virtio", "9p"],
        "virtiofs" => ["virtio_mmio", "virtio_console", "virtiofs"],
        _ => ["virtio_mmio", "virtio_console"],
    };

    /// <summary>Modules taken when the kernel has them: overlay (a container's writable root over
    /// the read-only share) and bridge (brctl in a container holding NET_ADMIN; the VM has no
    /// modprobe to load it on demand).</summary>
    public static readonly IReadOnlyList<string> OptionalModules = ["overlay", "bridge"];

    public static void Write(Stream output, string agentPath, GuestKernel kernel, IEnumerable<string> modules, bool gzip)
    {
        Stream s = gzip ? new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true) : output;
        try
        {
            var w = new CpioWriter(s);
            foreach (var d in new[] { "dev", "proc", "sys", "run", "tmp", "bin", "lib/modules" }) w.AddDirectory(d);
            w.AddCharDevice("dev/console", 5, 1);
            w.AddCharDevice("dev/null", 1, 3, 0x1b6);
            w.AddFile("init", File.ReadAllBytes(agentPath), 0x1ed);
            foreach (var lib in ElfDeps.Closure(agentPath))
                w.AddFile(lib, File.ReadAllBytes(lib), 0x1ed);
            var order = new List<string>();
            if (kernel.ModulesDir is { } dir)
            {
                var set = ModuleSet.Load(dir);
                foreach (var rel in set.Resolve(modules.Concat(OptionalModules.Where(set.Has))))
                {
                    var name = ModuleSet.NameOf(rel) + ".ko";
                    w.AddFile("lib/modules/" + name, ReadModule(Path.Combine(dir, rel)));
                    order.Add(name);
                }
            }
            w.AddFile("lib/modules/load-order", System.Text.Encoding.UTF8.GetBytes(string.Join('\n', order) + "\n"));
            w.Finish();
        }
        finally
        {
            if (gzip) s.Dispose();
        }
    }

    static byte[] ReadModule(string path)
    {
        if (path.EndsWith(".ko")) return File.ReadAllBytes(path);
        if (path.EndsWith(".ko.xz")) return BzImage.RunFilter("xz", ["-dc"], File.ReadAllBytes(path));
        if (path.EndsWith(".ko.zst")) return BzImage.RunFilter("zstd", ["-dcq"], File.ReadAllBytes(path));
        if (path.EndsWith(".ko.gz"))
        {
            using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
            var m = new MemoryStream(); gz.CopyTo(m); return m.ToArray();
        }
        throw new InvalidDataException($"unknown module format {path}");
    }

    /// <summary>Builds (or reuses) the initramfs in cacheDir, keyed by the agent's contents, the
    /// kernel release and the module list. Returns its path.</summary>
    public static string BuildCached(string cacheDir, string agentPath, GuestKernel kernel, IReadOnlyList<string> modules, bool gzip)
    {
        Directory.CreateDirectory(cacheDir);
        var key = new IncrementalHashKey();
        key.Add(File.ReadAllBytes(agentPath));
        key.Add(kernel.Release + "|" + string.Join(',', modules) + "|" + string.Join(',', OptionalModules) + "|" + gzip + "|v1");
        var path = Path.Combine(cacheDir, $"initramfs-{key.Hex()[..16]}.cpio{(gzip ? ".gz" : "")}");
        if (File.Exists(path)) return path;
        var tmp = $"{path}.{Environment.ProcessId}.tmp";
        using (var f = File.Create(tmp)) Write(f, agentPath, kernel, modules, gzip);
        File.Move(tmp, path, overwrite: true);
        return path;
    }

    sealed class IncrementalHashKey
    {
        readonly IncrementalHash _h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        public void Add(byte[] b) => _h.AppendData(b);
        public void Add(string s) => _h.AppendData(System.Text.Encoding.UTF8.GetBytes(s));
        public string Hex() => Convert.ToHexString(_h.GetHashAndReset()).ToLowerInvariant();
    }
}
