namespace Sandbox.MicroVm.Kernel;

/// <summary>A kernel the VM boots: the extracted vmlinux (cached), its release, its modules tree
/// and build config (to see what is built in). By default Debian's cloud kernel
/// (linux-image-cloud-amd64) from /boot.</summary>
public sealed class GuestKernel
{
    public required string ImagePath { get; init; }     // /boot/vmlinuz-* (or a vmlinux)
    public required string VmlinuxPath { get; init; }   // the ELF that is booted
    public required string Release { get; init; }
    public string? ModulesDir { get; init; }            // /lib/modules/<release>
    public IReadOnlyDictionary<string, string> Config { get; init; } = new Dictionary<string, string>();

    /// <summary>y, m or null (not set) for CONFIG_NAME.</summary>
    public string? ConfigValue(string name) => Config.GetValueOrDefault(name.StartsWith("CONFIG_") ? name : "CONFIG_" + name);

    /// <summary>The newest /boot/vmlinuz-*-cloud-amd64, else the newest /boot/vmlinuz-*.</summary>
    public static string? FindInstalled(string boot = "/boot")
    {
        if (!Directory.Exists(boot)) return null;
        var all = Directory.GetFiles(boot, "vmlinuz-*").OrderByDescending(f => f, StringComparer.Ordinal).ToList();
        return all.FirstOrDefault(f => f.EndsWith("-cloud-amd64", StringComparison.Ordinal)) ?? all.FirstOrDefault();
    }

    /// <summary>Opens a kernel (modulesDir: its /lib/modules/RELEASE tree, default the host's): a bzImage is decompressed once into cacheDir (keyed by name, size and
    /// mtime; written atomically, so concurrent callers are safe); an ELF is used as it is.</summary>
    public static GuestKernel Open(string? imagePath, string cacheDir, string? modulesDir = null)
    {
        imagePath ??= FindInstalled() ?? throw new FileNotFoundException(
            "no kernel in /boot: install linux-image-cloud-amd64 (setup.sh does) or pass --kernel");
        if (!File.Exists(imagePath)) throw new FileNotFoundException($"kernel {imagePath} not found");
        var name = Path.GetFileName(imagePath);
        string release = name.StartsWith("vmlinuz-") ? name["vmlinuz-".Length..] : name.StartsWith("vmlinux-") ? name["vmlinux-".Length..] : "";
        string vmlinux;
        using (var f = File.OpenRead(imagePath))
        {
            var head = new byte[4];
            f.ReadExactly(head);
            if (BzImage.IsElf(head)) vmlinux = imagePath;
            else
            {
                var info = new FileInfo(imagePath);
                Directory.CreateDirectory(cacheDir);
                vmlinux = Path.Combine(cacheDir, $"vmlinux-{(release.Length > 0 ? release : name)}-{info.Length}-{info.LastWriteTimeUtc.Ticks}");
                if (!File.Exists(vmlinux))
                {
                    var elf = BzImage.Parse(File.ReadAllBytes(imagePath)).ExtractVmlinux();
                    var tmp = $"{vmlinux}.{Environment.ProcessId}.tmp";
                    File.WriteAllBytes(tmp, elf);
                    File.Move(tmp, vmlinux, overwrite: true);
                }
            }
        }
        string? modules = modulesDir ?? (release.Length > 0 && Directory.Exists($"/lib/modules/{release}") ? $"/lib/modules/{release}" : null);
        var config = new Dictionary<string, string>();
        var cfgPath = Path.Combine(Path.GetDirectoryName(imagePath)!, $"config-{release}");
        if (release.Length > 0 && File.Exists(cfgPath)) config = ParseConfig(File.ReadLines(cfgPath));
        return new GuestKernel { ImagePath = imagePath, VmlinuxPath = vmlinux, Release = release, ModulesDir = modules, Config = config };
    }

    public static Dictionary<string, string> ParseConfig(IEnumerable<string> lines)
    {
        var d = new Dictionary<string, string>();
        foreach (var l in lines)
        {
            if (!l.StartsWith("CONFIG_")) continue;
            int eq = l.IndexOf('=');
            if (eq > 0) d[l[..eq]] = l[(eq + 1)..].Trim('"');
        }
        return d;
    }

    /// <summary>True when the kernel can mount a share of this kind (built in or as a module).</summary>
    public bool Supports(string option) => ConfigValue(option) is "y" or "m";
}
