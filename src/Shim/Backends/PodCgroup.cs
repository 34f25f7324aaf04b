using System.Globalization;
using Sandbox.Shim.Util;

namespace Sandbox.Shim.Backends;

/// <summary>
/// The limits a pod's cgroup gets. Zero (or negative) means "no limit" for each; CpuShares zero
/// leaves the kernel's default weight.
/// </summary>
public readonly record struct PodLimits(long MemoryBytes, long CpuQuotaUs, long CpuPeriodUs, long CpuShares, long PidsMax);

/// <summary>
/// A pod's cgroup: the pod's Sentry and every host process it runs (Gofers, ptrace stubs), or a
/// microvm pod's QEMU and virtiofsd, live in it, as runsc puts a sandbox in one. The unified
/// hierarchy (cgroup v2: memory.max, cpu.max, cpu.weight, pids.max, memory.events) when it has
/// the controllers, else the v1 memory, cpu and pids hierarchies of a hybrid host (the same
/// limits under their v1 names). The pod's cgroup is named for the pod under its cgroup_parent
/// (a systemd slice name is expanded as systemd nests slices), or under "sandbox" when it has none.
/// </summary>
public sealed class PodCgroup
{
    private const string Root = "/sys/fs/cgroup";
    private static readonly string[] Controllers = { "memory", "cpu", "pids" };

    /// <summary>v2: one directory. v1: the pod's directory in each of the memory, cpu and pids hierarchies (null where absent).</summary>
    private readonly string? _unified;
    private readonly string? _memory, _cpu, _pids;

    private PodCgroup(string? unified, string? memory, string? cpu, string? pids)
    {
        _unified = unified; _memory = memory; _cpu = cpu; _pids = pids;
    }

    /// <summary>Which hierarchy: "v2" or "v1".</summary>
    public string Version => _unified != null ? "v2" : "v1";

    /// <summary>The directory whose cgroup.procs lists the pod's processes (v1: the memory hierarchy's).</summary>
    public string Path => _unified ?? _memory!;

    /// <summary>The pod's cgroup, relative to a hierarchy's root.</summary>
    public static string RelativePath(string? cgroupParent, string podId) =>
        System.IO.Path.Combine(ParentPath(cgroupParent), "sandbox-" + podId);

    /// <summary>
    /// cgroupfs form ("/kubepods/burstable/pod1") as is; a systemd slice ("kubepods-burstable-pod1.slice")
    /// as systemd nests it (kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice).
    /// </summary>
    public static string ParentPath(string? cgroupParent)
    {
        if (string.IsNullOrEmpty(cgroupParent)) return "sandbox";
        string p = cgroupParent.Trim('/');
        if (p.EndsWith(".slice", StringComparison.Ordinal) && !p.Contains('/'))
        {
            string stem = p[..^".slice".Length];
            var parts = stem.Split('-', StringSplitOptions.RemoveEmptyEntries);
            var dirs = new List<string>();
            for (int i = 1; i <= parts.Length; i++) dirs.Add(string.Join('-', parts.Take(i)) + ".slice");
            return string.Join('/', dirs);
        }
        if (p.Split('/').Any(s => s is ".." or ".")) throw new ArgumentException($"cgroup_parent '{cgroupParent}' leaves the hierarchy");
        return p;
    }

    private static readonly Lazy<string?> Probed = new(Probe);

    /// <summary>
    /// Why no pod cgroup can be made here, or null: the hierarchies are mounted, and a cgroup
    /// made under the default parent takes the controllers (a container's read-only
    /// /sys/fs/cgroup, or a namespace root whose processes keep it from delegating, does not).
    /// Found out once.
    /// </summary>
    public static string? UnavailableReason() => Probed.Value;

    private static string? Probe()
    {
        if (Mounted() is { } why) return why;
        try
        {
            var probe = Create(null, "probe-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            probe.Apply(default);
            foreach (var d in probe.Dirs) Directory.Delete(d);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "cgroups are mounted but a pod's cgroup cannot be made: " + e.Message;
        }
    }

    private static string? Mounted()
    {
        if (Unified() is { } u)
        {
            var have = ReadWords(System.IO.Path.Combine(u, "cgroup.controllers"));
            if (Controllers.All(have.Contains)) return null;
        }
        if (Controllers.All(c => V1Mount(c) != null)) return null;
        return "neither cgroup v2 with the memory, cpu and pids controllers nor their cgroup v1 hierarchies are mounted under " + Root;
    }

    /// <summary>Creates (or, after a restart, opens) the pod's cgroup. Throws IOException saying why it cannot.</summary>
    public static PodCgroup Create(string? cgroupParent, string podId)
    {
        string rel = RelativePath(cgroupParent, podId);
        if (Unified() is { } u && Controllers.All(ReadWords(System.IO.Path.Combine(u, "cgroup.controllers")).Contains))
        {
            // Each level down to the pod's parent hands the controllers on (cgroup v2: a child
            // has a controller only if its parent's cgroup.subtree_control enables it).
            string dir = u;
            foreach (var part in rel.Split('/'))
            {
                var enabled = ReadWords(System.IO.Path.Combine(dir, "cgroup.subtree_control"));
                foreach (var c in Controllers.Where(c => !enabled.Contains(c)))
                {
                    try { File.WriteAllText(System.IO.Path.Combine(dir, "cgroup.subtree_control"), "+" + c); }
                    catch (IOException e) { throw new IOException($"cannot delegate the {c} controller in {dir} (cgroup.subtree_control): {e.Message}", e); }
                }
                dir = System.IO.Path.Combine(dir, part);
                Directory.CreateDirectory(dir);
            }
            return new PodCgroup(dir, null, null, null);
        }
        string? Make(string controller)
        {
            if (V1Mount(controller) is not { } m) return null;
            string d = System.IO.Path.Combine(m, rel);
            Directory.CreateDirectory(d);
            return d;
        }
        if (Controllers.Any(c => V1Mount(c) == null)) throw new IOException(Mounted() ?? "no cgroup hierarchy");
        return new PodCgroup(null, Make("memory"), Make("cpu"), Make("pids"));
    }

    /// <summary>The pod's cgroup when it exists (after a server restart), else null.</summary>
    public static PodCgroup? Open(string? cgroupParent, string podId)
    {
        string rel;
        try { rel = RelativePath(cgroupParent, podId); }
        catch (ArgumentException) { return null; }
        if (Unified() is { } u && Directory.Exists(System.IO.Path.Combine(u, rel)) && File.Exists(System.IO.Path.Combine(u, rel, "memory.max")))
            return new PodCgroup(System.IO.Path.Combine(u, rel), null, null, null);
        string? Dir(string c) => V1Mount(c) is { } m && Directory.Exists(System.IO.Path.Combine(m, rel)) ? System.IO.Path.Combine(m, rel) : null;
        return Dir("memory") is { } mem ? new PodCgroup(null, mem, Dir("cpu"), Dir("pids")) : null;
    }

    /// <summary>Where the controller's files are: the one v2 directory, or its v1 hierarchy's (null if it has none).</summary>
    public string? DirOf(string controller) => _unified ?? controller switch { "memory" => _memory, "cpu" => _cpu, "pids" => _pids, _ => null };

    private IEnumerable<string> Dirs => _unified != null ? new[] { _unified } : new[] { _memory, _cpu, _pids }.OfType<string>();

    /// <summary>
    /// Moves the process and then its descendants (those it forked before it moved; later ones
    /// are born inside) into the cgroup.
    /// </summary>
    public void Join(int pid)
    {
        foreach (var p in new[] { pid }.Concat(Descendants(pid)))
            foreach (var d in Dirs)
            {
                try { File.WriteAllText(System.IO.Path.Combine(d, "cgroup.procs"), p.ToString(CultureInfo.InvariantCulture)); }
                catch (IOException) when (!Directory.Exists($"/proc/{p}")) { } // it exited meanwhile
            }
    }

    /// <summary>Moves those descendants of the process whose argv matches (with their own descendants).</summary>
    public void JoinDescendants(int pid, Func<string[], bool> match)
    {
        foreach (var p in Descendants(pid).ToList())
        {
            string[] argv;
            try { argv = File.ReadAllText($"/proc/{p}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries); }
            catch (IOException) { continue; }
            if (match(argv)) Join(p);
        }
    }

    /// <summary>The processes in the cgroup.</summary>
    public List<int> Processes()
    {
        var list = new List<int>();
        foreach (var w in ReadWords(System.IO.Path.Combine(Path, "cgroup.procs")))
            if (int.TryParse(w, NumberStyles.None, CultureInfo.InvariantCulture, out int p)) list.Add(p);
        return list;
    }

    /// <summary>Writes the limits; a limit that is absent is lifted.</summary>
    public void Apply(PodLimits l)
    {
        string inv(long v) => v.ToString(CultureInfo.InvariantCulture);
        if (_unified != null)
        {
            Write(_unified, "memory.max", l.MemoryBytes > 0 ? inv(l.MemoryBytes) : "max");
            // No swap past the limit: an allocation over it is an OOM kill, as with runc's
            // memory_swap_limit_in_bytes equal to the limit (where the host has swap at all).
            if (File.Exists(System.IO.Path.Combine(_unified, "memory.swap.max"))) Write(_unified, "memory.swap.max", l.MemoryBytes > 0 ? "0" : "max");
            long period = l.CpuPeriodUs > 0 ? l.CpuPeriodUs : 100_000;
            Write(_unified, "cpu.max", (l.CpuQuotaUs > 0 ? inv(l.CpuQuotaUs) : "max") + " " + inv(period));
            Write(_unified, "cpu.weight", inv(l.CpuShares > 0 ? SharesToWeight(l.CpuShares) : 100));
            Write(_unified, "pids.max", l.PidsMax > 0 ? inv(l.PidsMax) : "max");
            return;
        }
        if (_memory != null)
        {
            // memsw (where swap accounting exists) must stay at or above the plain limit: raise it first when lifting.
            bool memsw = File.Exists(System.IO.Path.Combine(_memory, "memory.memsw.limit_in_bytes"));
            string v = l.MemoryBytes > 0 ? inv(l.MemoryBytes) : "-1";
            if (memsw && l.MemoryBytes <= 0) Write(_memory, "memory.memsw.limit_in_bytes", "-1");
            if (memsw && l.MemoryBytes > 0)
            {
                // Lower memory first when it goes down, memsw first when it goes up.
                try { Write(_memory, "memory.limit_in_bytes", v); Write(_memory, "memory.memsw.limit_in_bytes", v); }
                catch (IOException) { Write(_memory, "memory.memsw.limit_in_bytes", v); Write(_memory, "memory.limit_in_bytes", v); }
            }
            else Write(_memory, "memory.limit_in_bytes", v);
        }
        if (_cpu != null)
        {
            Write(_cpu, "cpu.cfs_period_us", inv(l.CpuPeriodUs > 0 ? l.CpuPeriodUs : 100_000));
            Write(_cpu, "cpu.cfs_quota_us", l.CpuQuotaUs > 0 ? inv(l.CpuQuotaUs) : "-1");
            Write(_cpu, "cpu.shares", inv(l.CpuShares > 0 ? l.CpuShares : 1024));
        }
        if (_pids != null) Write(_pids, "pids.max", l.PidsMax > 0 ? inv(l.PidsMax) : "max");
    }

    /// <summary>
    /// runc's conversion of cgroup v1 cpu.shares [2, 262144] to cgroup v2 cpu.weight [1, 10000]:
    /// 1 + (shares - 2) * 9999 / 262142.
    /// </summary>
    public static long SharesToWeight(long shares)
    {
        shares = Math.Clamp(shares, 2, 262144);
        return 1 + (shares - 2) * 9999 / 262142;
    }

    /// <summary>How many processes the kernel's OOM killer has killed in the cgroup.</summary>
    public long OomKills()
    {
        // v2: memory.events "oom_kill N"; v1: memory.oom_control "oom_kill N" (Linux 4.13+).
        string file = _unified != null ? System.IO.Path.Combine(_unified, "memory.events") : System.IO.Path.Combine(_memory!, "memory.oom_control");
        try
        {
            foreach (var line in File.ReadLines(file))
                if (line.StartsWith("oom_kill ", StringComparison.Ordinal) && long.TryParse(line.AsSpan(9), NumberStyles.None, CultureInfo.InvariantCulture, out long n))
                    return n;
        }
        catch (IOException) { }
        return 0;
    }

    /// <summary>Bytes the pod's processes use, as the cgroup charges them.</summary>
    public long MemoryCurrent()
    {
        string file = _unified != null ? System.IO.Path.Combine(_unified, "memory.current") : System.IO.Path.Combine(_memory!, "memory.usage_in_bytes");
        try { return long.Parse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture); }
        catch (Exception e) when (e is IOException or FormatException) { return 0; }
    }

    /// <summary>
    /// Removes the cgroup once its processes are gone: any left (the pod's Sentry has been shut
    /// down by now) are killed first; they are the pod's own.
    /// </summary>
    public async Task RemoveAsync()
    {
        for (int i = 0; i < 100; i++)
        {
            var left = Directory.Exists(Path) ? Processes() : new List<int>();
            foreach (var p in left) Native.Kill(p, Native.SIGKILL);
            bool gone = true;
            foreach (var d in Dirs)
            {
                if (!Directory.Exists(d)) continue;
                try { Directory.Delete(d); }
                catch (IOException) { gone = false; }
            }
            if (gone) return;
            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    private static void Write(string dir, string file, string value)
    {
        string path = System.IO.Path.Combine(dir, file);
        try { File.WriteAllText(path, value); }
        catch (IOException e) { throw new IOException($"{path} <- {value}: {e.Message}", e); }
    }

    private static HashSet<string> ReadWords(string file)
    {
        try { return File.ReadAllText(file).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ToHashSet(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return new HashSet<string>(); }
    }

    /// <summary>The unified hierarchy's mount: /sys/fs/cgroup on a v2 host, /sys/fs/cgroup/unified on a hybrid one.</summary>
    private static string? Unified()
    {
        foreach (var (point, fs, _) in Mounts())
            if (fs == "cgroup2" && point.StartsWith(Root, StringComparison.Ordinal)) return point;
        return null;
    }

    /// <summary>A v1 hierarchy holding the controller (cpu may share one with cpuacct).</summary>
    private static string? V1Mount(string controller)
    {
        foreach (var (point, fs, options) in Mounts())
            if (fs == "cgroup" && options.Split(',').Contains(controller)) return point;
        return null;
    }

    /// <summary>(mount point, fs type, super options) from /proc/self/mountinfo (proc(5)).</summary>
    private static IEnumerable<(string Point, string Fs, string Options)> Mounts()
    {
        string[] lines;
        try { lines = File.ReadAllLines("/proc/self/mountinfo"); }
        catch (IOException) { yield break; }
        foreach (var line in lines)
        {
            var f = line.Split(' ');
            int sep = Array.IndexOf(f, "-");
            if (sep < 5 || sep + 3 >= f.Length) continue;
            yield return (f[4].Replace("\\040", " ", StringComparison.Ordinal), f[sep + 1], f[sep + 3]);
        }
    }

    private static IEnumerable<int> Descendants(int pid)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var d in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(System.IO.Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out int p)) continue;
            string stat;
            try { stat = File.ReadAllText(System.IO.Path.Combine(d, "stat")); }
            catch (IOException) { continue; }
            // proc(5): "pid (comm) state ppid ...": comm may hold spaces and parentheses.
            int close = stat.LastIndexOf(')');
            var rest = stat[(close + 2)..].Split(' ');
            if (rest.Length > 1 && int.TryParse(rest[1], NumberStyles.None, CultureInfo.InvariantCulture, out int ppid))
            {
                if (!children.TryGetValue(ppid, out var l)) children[ppid] = l = new List<int>();
                l.Add(p);
            }
        }
        var queue = new Queue<int>();
        queue.Enqueue(pid);
        while (queue.Count > 0)
            if (children.TryGetValue(queue.Dequeue(), out var kids))
                foreach (var k in kids) { yield return k; queue.Enqueue(k); }
    }
}
