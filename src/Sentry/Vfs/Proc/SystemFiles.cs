using System.Text;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Vfs.Proc;

/// <summary>/proc's system-wide files (proc(5)) and /proc/sys basics, from the Sentry's view.</summary>
internal static class SystemFiles
{
    public static Dictionary<string, Func<Inode>> Build(ProcFilesystem fs)
    {
        var k = fs.Kernel;
        var uname = Uname.Host();
        // The host's CPU description is what the program runs on; read once, when first opened.
        var cpuinfo = new Lazy<string>(() => Linux.Native.HostProc.ReadAllText("cpuinfo") ?? "");
        ProcFile F(string name, Func<string> text) => ProcFile.Text(fs, ProcFilesystem.Ino("/" + name), text);
        var d = new Dictionary<string, Func<Inode>>
        {
            ["self"] = () => new ProcLink(fs, ProcFilesystem.Ino("/self"), () => Task.Current?.Tgid.ToString()),
            ["thread-self"] = () => new ProcLink(fs, ProcFilesystem.Ino("/thread-self"), () => Task.Current is { } t ? $"{t.Tgid}/task/{t.Tid}" : null),
            ["mounts"] = () => new ProcLink(fs, ProcFilesystem.Ino("/mounts"), () => "self/mounts"),
            ["cpuinfo"] = () => F("cpuinfo", () => cpuinfo.Value),
            ["meminfo"] = () => F("meminfo", () => MemInfo(k)),
            ["stat"] = () => F("stat", () => Stat(k)),
            ["uptime"] = () => F("uptime", () => { var up = (DateTimeOffset.UtcNow - k.BootTime).TotalSeconds; return $"{up:F2} {up * Environment.ProcessorCount:F2}\n"; }),
            ["loadavg"] = () => F("loadavg", () => { var gs = k.Groups(); return $"0.00 0.00 0.00 1/{gs.Sum(g => Math.Max(1, g.Tasks.Count))} {(gs.Count > 0 ? gs.Max(g => g.Tgid) : 0)}\n"; }),
            ["version"] = () => F("version", () => $"{uname.Sysname} version {uname.Release} (sandbox@sentry) {uname.Version}\n"),
            ["filesystems"] = () => F("filesystems", () => "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\nnodev\tdevpts\nnodev\tmqueue\n\t9p\n"),
            ["sys"] = () => Sys(fs, k, uname),
            ["net"] = () => NetDir(fs, k),
            ["sysvipc"] = () => SysvIpcFiles.Dir(fs, k),
        };
        return d;
    }

    /// <summary>/proc/net: the sandbox's one network namespace (a directory here, not a link to self/net).</summary>
    private static Inode NetDir(ProcFilesystem fs, Kernel.Kernel k)
    {
        // --network=host: the sockets are the host's, so the tables are too (as gVisor's hostinet shows them).
        ProcFile N(string name, Func<string> text) => ProcFile.Text(fs, ProcFilesystem.Ino("/net/" + name),
            k.Options.Network == Net.Inet.NetworkMode.Host ? () => Sandbox.Linux.Native.HostProc.ReadAllText("net/" + name) ?? "" : text);
        var files = new Dictionary<string, Func<Inode>>
        {
            ["tcp"] = () => N("tcp", () => Net.Inet.ProcNet.Tcp(k.InetIfMade, v6: false)),
            ["tcp6"] = () => N("tcp6", () => Net.Inet.ProcNet.Tcp(k.InetIfMade, v6: true)),
            ["udp"] = () => N("udp", () => Net.Inet.ProcNet.Udp(k.InetIfMade, v6: false)),
            ["udp6"] = () => N("udp6", () => Net.Inet.ProcNet.Udp(k.InetIfMade, v6: true)),
            ["dev"] = () => N("dev", () => Net.Inet.ProcNet.Dev(k.InetIfMade)),
        };
        return ProcDir.Fixed(fs, ProcFilesystem.Ino("/net"), files);
    }

    private static string MemInfo(Kernel.Kernel k)
    {
        var info = GC.GetGCMemoryInfo();
        long total = Math.Max(info.TotalAvailableMemoryBytes, 1) / 1024;
        long used = k.MemoryFile.Resident() / 1024;
        long free = Math.Max(0, total - used);
        var sb = new StringBuilder();
        void L(string n, long kb) => sb.Append($"{n + ":",-16}{kb,8} kB\n");
        L("MemTotal", total); L("MemFree", free); L("MemAvailable", free); L("Buffers", 0); L("Cached", 0);
        L("SwapCached", 0); L("Active", used); L("Inactive", 0); L("Shmem", 0); L("SwapTotal", 0); L("SwapFree", 0);
        L("Dirty", 0); L("Writeback", 0); L("AnonPages", used); L("Mapped", 0); L("Slab", 0); L("CommitLimit", total);
        L("Committed_AS", used); L("VmallocTotal", 34359738367); L("HugePages_Total", 0); L("Hugepagesize", 2048);
        return sb.ToString();
    }

    private static string Stat(Kernel.Kernel k)
    {
        int cpus = Environment.ProcessorCount;
        long up = (long)((DateTimeOffset.UtcNow - k.BootTime).TotalSeconds * 100);
        long user = 0, sys = 0;
        var groups = k.Groups();
        foreach (var g in groups) { user += g.UserTicks + g.ChildUserTicks; sys += g.SysTicks + g.ChildSysTicks; }
        long idle = Math.Max(0, up * cpus - user - sys);
        var sb = new StringBuilder($"cpu  {user} 0 {sys} {idle} 0 0 0 0 0 0\n");
        for (int c = 0; c < cpus; c++) sb.Append($"cpu{c} {user / cpus} 0 {sys / cpus} {idle / cpus} 0 0 0 0 0 0\n");
        int running = groups.Count(g => !g.Zombie && g.Tasks.Any(t => t.InApp));
        sb.Append($"intr 0\nctxt 0\nbtime {k.BootTime.ToUnixTimeSeconds()}\nprocesses {groups.Count}\nprocs_running {Math.Max(1, running)}\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n");
        return sb.ToString();
    }

    /// <summary>/proc/sys: the read-only values programs commonly look at.</summary>
    private static Inode Sys(ProcFilesystem fs, Kernel.Kernel k, Uname uname)
    {
        ProcFile V(string path, Func<string> text) => ProcFile.Text(fs, ProcFilesystem.Ino("/sys/" + path), () => text() + "\n");
        ProcDir Dir(string path, Dictionary<string, Func<Inode>> e) => ProcDir.Fixed(fs, ProcFilesystem.Ino("/sys/" + path), e);
        var kernel = new Dictionary<string, Func<Inode>>
        {
            ["hostname"] = () => V("kernel/hostname", () => k.Options.Hostname ?? uname.Nodename),
            ["domainname"] = () => V("kernel/domainname", () => "(none)"),
            ["osrelease"] = () => V("kernel/osrelease", () => uname.Release),
            ["ostype"] = () => V("kernel/ostype", () => uname.Sysname),
            ["version"] = () => V("kernel/version", () => uname.Version),
            ["pid_max"] = () => V("kernel/pid_max", () => "4194304"),
            ["threads-max"] = () => V("kernel/threads-max", () => "126602"),
            ["ngroups_max"] = () => V("kernel/ngroups_max", () => "65536"),
            ["cap_last_cap"] = () => V("kernel/cap_last_cap", () => Linux.Abi.Cap.LAST_CAP.ToString()),
            ["overflowuid"] = () => V("kernel/overflowuid", () => "65534"),
            ["overflowgid"] = () => V("kernel/overflowgid", () => "65534"),
            ["random"] = () => Dir("kernel/random", new()
            {
                ["boot_id"] = () => V("kernel/random/boot_id", () => k.BootId),
                ["uuid"] = () => ProcFile.Text(fs, ProcFilesystem.Ino("/sys/kernel/random/uuid"), () => Guid.NewGuid() + "\n"),
                ["entropy_avail"] = () => V("kernel/random/entropy_avail", () => "256"),
                ["poolsize"] = () => V("kernel/random/poolsize", () => "256"),
            }),
            ["yama"] = () => Dir("kernel/yama", new() { ["ptrace_scope"] = () => V("kernel/yama/ptrace_scope", () => "1") }),
        };
        var vm = new Dictionary<string, Func<Inode>>
        {
            ["overcommit_memory"] = () => V("vm/overcommit_memory", () => "0"),
            ["max_map_count"] = () => V("vm/max_map_count", () => "65530"),
            ["mmap_min_addr"] = () => V("vm/mmap_min_addr", () => "65536"),
        };
        var fsDir = new Dictionary<string, Func<Inode>>
        {
            ["file-max"] = () => V("fs/file-max", () => "9223372036854775807"),
            ["nr_open"] = () => V("fs/nr_open", () => "1048576"),
            ["pipe-max-size"] = () => V("fs/pipe-max-size", () => "1048576"),
        };
        var root = new Dictionary<string, Func<Inode>>
        {
            ["kernel"] = () => Dir("kernel", kernel),
            ["vm"] = () => Dir("vm", vm),
            ["fs"] = () => Dir("fs", fsDir),
        };
        var dirs = new Dictionary<string, Dictionary<string, Func<Inode>>>(StringComparer.Ordinal)
        {
            [""] = root, ["kernel"] = kernel, ["vm"] = vm, ["fs"] = fsDir,
        };
        Dictionary<string, Func<Inode>> DirFor(string path)
        {
            if (dirs.TryGetValue(path, out var d)) return d;
            var made = dirs[path] = new Dictionary<string, Func<Inode>>();
            int slash = path.LastIndexOf('/');
            DirFor(slash < 0 ? "" : path[..slash])[path[(slash + 1)..]] = () => Dir(path, made);
            return made;
        }
        // The namespaced sysctls, with the values --sysctl gave.
        foreach (var key in Kernel.Sysctls.Defaults.Keys)
        {
            string path = key.Replace('.', '/');
            int slash = path.LastIndexOf('/');
            DirFor(path[..slash])[path[(slash + 1)..]] = () => V(path, () => Kernel.Sysctls.Value(k.Options, key));
        }
        return Dir("", root);
    }

    /// <summary>/proc/PID/mounts: the mount table as seen from the task's root.</summary>
    public static string Mounts(Kernel.Kernel k, Task? t)
    {
        var sb = new StringBuilder();
        foreach (var m in k.Vfs.Mounts)
        {
            if (!Visible(m, t)) continue;
            sb.Append(Source(m)).Append(' ').Append(m.Path).Append(' ').Append(m.Fs.Type).Append(' ')
              .Append(m.ReadOnly ? "ro" : "rw").Append(",relatime 0 0\n");
        }
        return sb.ToString();
    }

    public static string MountInfo(Kernel.Kernel k, Task? t)
    {
        var sb = new StringBuilder();
        foreach (var m in k.Vfs.Mounts)
        {
            if (!Visible(m, t)) continue;
            int id = PidDirectory.MountId(k, m), parent = m.Parent != null ? PidDirectory.MountId(k, m.Parent) : id;
            ulong dev = m.Fs.Dev;
            uint major = (uint)(((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffUL)), minor = (uint)((dev & 0xff) | ((dev >> 12) & ~0xffUL));
            sb.Append($"{id} {parent} {major}:{minor} / {m.Path} {(m.ReadOnly ? "ro" : "rw")},relatime - {m.Fs.Type} {Source(m)} {(m.ReadOnly ? "ro" : "rw")}\n");
        }
        return sb.ToString();
    }

    /// <summary>Whether the mount is in the task's tree: in a pod, other containers' mounts are not.</summary>
    private static bool Visible(Mount m, Task? t)
    {
        if (t == null) return true;
        for (var x = m; x != null; x = x.Parent)
            if (x == t.Root.Mount) return true;
        return false;
    }

    private static string Source(Mount m) => m.Fs.Type switch { "proc" => "proc", "sysfs" => "sysfs", "tmpfs" => "tmpfs", "devtmpfs" => "devtmpfs", _ => "none" };
}

/// <summary>The host's uname(2) fields, which the sandbox reports as its own kernel.</summary>
internal readonly record struct Uname(string Sysname, string Nodename, string Release, string Version)
{
    public static unsafe Uname Host()
    {
        byte* buf = stackalloc byte[390];
        Linux.Native.Sys.Syscall(63, (long)buf);
        string F(int i) => Encoding.UTF8.GetString(new ReadOnlySpan<byte>(buf + 65 * i, 65).TrimEnd((byte)0));
        return new Uname(F(0), F(1), F(2), F(3));
    }
}
