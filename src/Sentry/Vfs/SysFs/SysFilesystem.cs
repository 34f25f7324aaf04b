using Sandbox.Linux.Abi;
using Sandbox.Sentry.Vfs.Proc;

namespace Sandbox.Sentry.Vfs.SysFs;

/// <summary>
/// The sandbox's /sys: the few files runtimes read to size themselves (CPU lists, transparent
/// huge pages), an empty network class and cgroup mount point; never the host's sysfs.
/// </summary>
public sealed class SysFilesystem : Filesystem
{
    public SysFilesystem()
    {
        Dev = FileMode.MakeDev(0, 23);
        int cpus = Environment.ProcessorCount;
        string list = cpus > 1 ? $"0-{cpus - 1}\n" : "0\n";
        ProcFile F(string path, string text) => ProcFile.Text(this, ProcFilesystem.Ino("sys:" + path), () => text);
        ProcDir D(string path, Dictionary<string, Func<Inode>> e) => ProcDir.Fixed(this, ProcFilesystem.Ino("sys:" + path), e);
        var cpuDir = new Dictionary<string, Func<Inode>>
        {
            ["online"] = () => F("cpu/online", list),
            ["possible"] = () => F("cpu/possible", list),
            ["present"] = () => F("cpu/present", list),
            ["kernel_max"] = () => F("cpu/kernel_max", "8191\n"),
        };
        for (int c = 0; c < cpus; c++)
        {
            int n = c;
            cpuDir[$"cpu{n}"] = () => D($"cpu/cpu{n}", new() { ["online"] = () => F($"cpu/cpu{n}/online", "1\n") });
        }
        Root = D("", new()
        {
            ["devices"] = () => D("devices", new()
            {
                ["system"] = () => D("devices/system", new() { ["cpu"] = () => D("devices/system/cpu", cpuDir) }),
            }),
            ["kernel"] = () => D("kernel", new()
            {
                ["mm"] = () => D("kernel/mm", new()
                {
                    ["transparent_hugepage"] = () => D("kernel/mm/thp", new()
                    {
                        ["enabled"] = () => F("kernel/mm/thp/enabled", "always [madvise] never\n"),
                        ["hpage_pmd_size"] = () => F("kernel/mm/thp/hpage_pmd_size", "2097152\n"),
                    }),
                }),
            }),
            ["class"] = () => D("class", new() { ["net"] = () => D("class/net", new()) }),
            ["fs"] = () => D("fs", new() { ["cgroup"] = () => D("fs/cgroup", new()) }),
        });
    }

    public override string Type => "sysfs";
    public override Inode Root { get; }
    public override bool ReadOnly => true;
    public override long Magic => 0x62656572; // SYSFS_MAGIC
}
