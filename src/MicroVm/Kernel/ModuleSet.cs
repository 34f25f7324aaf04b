namespace Sandbox.MicroVm.Kernel;

/// <summary>Resolves kernel module names to .ko files with their dependencies (from modules.dep),
/// in load order: every module after the modules it depends on. Modules built into the kernel
/// (modules.builtin) resolve to nothing.</summary>
public sealed class ModuleSet
{
    readonly Dictionary<string, string> _pathByName = new();          // virtio_mmio -> kernel/drivers/virtio/virtio_mmio.ko
    readonly Dictionary<string, string[]> _deps = new();               // path -> dependency paths
    readonly HashSet<string> _builtin = new();
    public string Root { get; }

    public ModuleSet(string root, IEnumerable<string> modulesDep, IEnumerable<string> modulesBuiltin)
    {
        Root = root;
        foreach (var line in modulesDep)
        {
            int colon = line.IndexOf(':');
            if (colon <= 0) continue;
            var path = line[..colon].Trim();
            _deps[path] = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            _pathByName[NameOf(path)] = path;
        }
        foreach (var b in modulesBuiltin) if (b.Length > 0) _builtin.Add(NameOf(b.Trim()));
    }

    public static ModuleSet Load(string modulesDir)
    {
        var builtin = Path.Combine(modulesDir, "modules.builtin");
        return new ModuleSet(modulesDir, File.ReadLines(Path.Combine(modulesDir, "modules.dep")),
            File.Exists(builtin) ? File.ReadLines(builtin) : []);
    }

    /// <summary>kernel/fs/fuse/virtiofs.ko(.xz) -> virtiofs; dashes count as underscores.</summary>
    public static string NameOf(string path)
    {
        var n = Path.GetFileName(path);
        int ko = n.IndexOf(".ko", StringComparison.Ordinal);
        if (ko >= 0) n = n[..ko];
        return n.Replace('-', '_');
    }

    public bool IsBuiltin(string name) => _builtin.Contains(name.Replace('-', '_'));
    public bool Has(string name) => _pathByName.ContainsKey(name.Replace('-', '_'));

    /// <summary>Relative .ko paths to load, dependencies first, each once.</summary>
    public IReadOnlyList<string> Resolve(IEnumerable<string> names)
    {
        var order = new List<string>();
        var seen = new HashSet<string>();
        var active = new HashSet<string>();
        foreach (var raw in names)
        {
            var name = raw.Replace('-', '_');
            if (_builtin.Contains(name)) continue;
            if (!_pathByName.TryGetValue(name, out var path))
                throw new InvalidOperationException($"kernel module {raw} is neither built in nor in {Root}/modules.dep");
            Visit(path);
        }
        return order;

        void Visit(string p)
        {
            if (seen.Contains(p)) return;
            if (!active.Add(p)) throw new InvalidOperationException($"module dependency cycle at {p}");
            foreach (var d in _deps.GetValueOrDefault(p, [])) Visit(d);
            active.Remove(p);
            seen.Add(p);
            order.Add(p);
        }
    }
}
