namespace Sandbox.MicroVm.Agent;

/// <summary>
/// The container's filesystem beyond its read-only root, set up by __cinit in the container's
/// own mount namespace: a writable overlay root, sysctls, masked and read-only paths.
/// </summary>
internal static class ContainerFs
{
    public sealed class Options
    {
        public bool Writable, ReadOnlyRoot;
        public readonly List<string> Sysctls = new(), Masked = new(), ReadOnly = new();
        public readonly List<(string Source, string Destination, bool ReadOnly)> Binds = new();

        public static Options Parse(ReadOnlySpan<string> a)
        {
            var o = new Options();
            for (int i = 0; i < a.Length; i++)
            {
                switch (a[i])
                {
                    case "--writable": o.Writable = true; break;
                    case "--sysctl" when i + 1 < a.Length: o.Sysctls.Add(a[++i]); break;
                    case "--mask" when i + 1 < a.Length: o.Masked.Add(a[++i]); break;
                    case "--ro" when i + 1 < a.Length: o.ReadOnly.Add(a[++i]); break;
                    case "--readonly-root": o.ReadOnlyRoot = true; break;
                    case "--bind" when i + 3 < a.Length: o.Binds.Add((a[i + 1], a[i + 2], a[i + 3] == "ro")); i += 3; break;
                    default: throw new ArgumentException($"__cinit: unknown option {a[i]}");
                }
            }
            return o;
        }

        /// <summary>A read-only root with binds gets an overlay too (the binds' mount points may be
        /// missing from the image), remounted read-only once they are made.</summary>
        public static List<string> ToArgs(bool writable, IEnumerable<string> sysctls, IEnumerable<string> masked, IEnumerable<string> readOnly,
            IReadOnlyList<Protocol.ContainerMount>? binds = null)
        {
            var a = new List<string>();
            if (writable || binds is { Count: > 0 }) a.Add("--writable");
            if (!writable && binds is { Count: > 0 }) a.Add("--readonly-root");
            foreach (var b in binds ?? []) { a.Add("--bind"); a.Add(b.Source); a.Add(b.Destination); a.Add(b.ReadOnly ? "ro" : "rw"); }
            foreach (var s in sysctls) { a.Add("--sysctl"); a.Add(s); }
            foreach (var m in masked) { a.Add("--mask"); a.Add(m); }
            foreach (var r in readOnly) { a.Add("--ro"); a.Add(r); }
            return a;
        }
    }

    /// <summary>Whether a container path is on its /proc (which a container's PID 1 mounts again).</summary>
    public static bool UnderProc(string p) => p == "/proc" || p.StartsWith("/proc/", StringComparison.Ordinal);

    /// <summary>Why a container path is refused (absolute, no "..", no NUL), or null.</summary>
    public static string? CheckPath(string p) =>
        !p.StartsWith('/') || p.Contains('\0') || p.Split('/').Contains("..") ? $"bad container path '{p}'" : null;

    /// <summary>Why a sysctl is refused, or null. The key is sysctl(8)'s: dots separate, unless it
    /// contains a slash (then it is the path under /proc/sys, as for interface names with dots).</summary>
    public static string? CheckSysctl(string kv)
    {
        int eq = kv.IndexOf('=');
        if (eq <= 0 || kv.Contains('\0') || kv.Contains('\n')) return $"bad sysctl '{kv}' (want key=value)";
        var path = SysctlPath(kv[..eq]);
        return path.StartsWith('/') || path.Split('/').Any(c => c is "" or "." or "..") ? $"bad sysctl key '{kv[..eq]}'" : null;
    }

    static string SysctlPath(string key) => key.Contains('/') ? key : key.Replace('.', '/');

    /// <summary>An overlay whose upper layer is a tmpfs over <paramref name="lower"/>. The tmpfs
    /// is stacked over /tmp in this (private) mount namespace, so nothing is created in the
    /// agent's filesystems; the merged root ends at /tmp/merged.</summary>
    public static string? WritableRoot(string lower, out string merged)
    {
        merged = "/tmp/merged";
        if (Native.mount("tmpfs", "/tmp", "tmpfs", Native.MS_NOSUID | Native.MS_NODEV, "mode=755") != 0) return "mount the upper layer's tmpfs";
        foreach (var d in new[] { "/tmp/upper", "/tmp/work", merged }) Directory.CreateDirectory(d);
        // index and xino off: the lower layer is virtio-fs (or 9p), whose file handles overlayfs
        // would otherwise try to encode.
        if (Native.mount("overlay", merged, "overlay", 0, $"lowerdir={lower},upperdir=/tmp/upper,workdir=/tmp/work,index=off,xino=off") != 0)
            return "mount the overlay root";
        return null;
    }

    /// <summary>Why a bind's source is refused (an absolute guest path without "..", existing), or null.</summary>
    public static string? CheckBindSource(string p) =>
        CheckPath(p) is { } why ? why.Replace("container path", "mount source")
        : !Directory.Exists(p) && !File.Exists(p) ? $"mount source '{p}' does not exist in the VM" : null;

    /// <summary>The binds (recursive, so a volume's submounts come along), each mount point made
    /// in the container's (writable) root when missing: a directory, or an empty file for a file.</summary>
    public static string? ApplyBinds(string r, Options o)
    {
        foreach (var (src, dst, ro) in o.Binds)
        {
            string t = r + dst;
            try
            {
                if (Directory.Exists(src)) Directory.CreateDirectory(t);
                else if (!File.Exists(t) && !Directory.Exists(t))
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(t)!);
                    File.WriteAllBytes(t, []);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return $"mount point {dst}: {e.Message}"; }
            if (Native.mount(src, t, null, Native.MS_BIND | Native.MS_REC, null) != 0) return $"bind {src} on {dst}";
            if (ro && Native.mount(null, t, null, Native.MS_BIND | Native.MS_REMOUNT | Native.MS_RDONLY, null) != 0) return $"read-only {dst}";
        }
        if (o.ReadOnlyRoot && Native.mount(null, r, null, Native.MS_BIND | Native.MS_REMOUNT | Native.MS_RDONLY, null) != 0)
            return "remount the root read-only";
        return null;
    }

    /// <summary>Sysctls (into the container's fresh /proc), then masked paths, then read-only paths.</summary>
    public static string? ApplyPaths(string r, Options o)
    {
        foreach (var kv in o.Sysctls)
        {
            int eq = kv.IndexOf('=');
            string file = $"{r}/proc/sys/{SysctlPath(kv[..eq])}";
            int fd = Native.open(file, Native.O_WRONLY | Native.O_CLOEXEC, 0);
            if (fd < 0) return $"sysctl {kv[..eq]}";
            try { Native.WriteAll(fd, System.Text.Encoding.UTF8.GetBytes(kv[(eq + 1)..])); }
            catch (IOException) { Native.close(fd); return $"sysctl {kv[..eq]}={kv[(eq + 1)..]}"; }
            Native.close(fd);
        }
        foreach (var p in o.Masked)
        {
            string t = r + p;
            if (Directory.Exists(t))
            {
                if (Native.mount("tmpfs", t, "tmpfs", Native.MS_RDONLY | Native.MS_NOSUID | Native.MS_NODEV | Native.MS_NOEXEC, "size=0,mode=555") != 0)
                    return $"mask {p}";
            }
            else if (File.Exists(t) && Native.mount("/dev/null", t, null, Native.MS_BIND, null) != 0)
                return $"mask {p}";
        }
        foreach (var p in o.ReadOnly)
        {
            string t = r + p;
            if (!Directory.Exists(t) && !File.Exists(t)) continue;
            // A bind mount of the path onto itself, then remounted read-only (mount(2): a bind
            // mount's flags change only through MS_REMOUNT|MS_BIND).
            if (Native.mount(t, t, null, Native.MS_BIND | Native.MS_REC, null) != 0
                || Native.mount(null, t, null, Native.MS_BIND | Native.MS_REMOUNT | Native.MS_RDONLY | Native.MS_NOSUID | Native.MS_NODEV, null) != 0)
                return $"read-only {p}";
        }
        return null;
    }
}
