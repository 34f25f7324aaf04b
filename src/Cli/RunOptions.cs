namespace Sandbox.Cli;

/// <summary>Options shared by `run` and `compare`, parsed strictly: an unknown flag is an error.</summary>
internal sealed class RunOptions
{
    public string Rootfs = "/";
    public List<string> Platforms = new();
    public bool Strace;
    public string? DebugLog;
    public string? Cwd;
    public List<string> Env = new();
    public bool ClearEnv;
    public string? Hostname;
    public bool IgnoreStderr;
    /// <summary>The image is served by a confined Gofer (default); --no-gofer: the Sentry reads it itself.</summary>
    public bool Gofer = true;
    public bool ReadOnlyRootfs;
    /// <summary>--rootfs-writable: no overlay; the program's writes go to the rootfs directory (through the Gofer).</summary>
    public bool RootfsWritable;
    /// <summary>-t: the program runs on a terminal of the sandbox's own, relayed to ours.</summary>
    public bool Tty;
    public List<(string Host, string Guest, bool ReadOnly)> Volumes = new();
    /// <summary>sentry (default) or microvm (a light VM, see docs/microvm.md).</summary>
    public string Runtime = "sentry";
    /// <summary>With microvm: --vmm (qemu or kvm), --memory (MiB) and --cpus; null for the defaults.</summary>
    public string? Vmm;
    public int? MemoryMiB, Cpus;
    /// <summary>--network: sandbox (default, the Sentry's own TCP/IP stack) or none (loopback only).</summary>
    public Sentry.Net.Inet.NetworkMode Network = Sentry.Net.Inet.NetworkMode.Sandbox;
    /// <summary>--netns NAME|PATH: the network namespace whose interfaces the Sentry's stack takes over (a path).</summary>
    public string? NetworkNamespace;
    public List<string> Command = new();
    /// <summary>--user UID[:GID] or NAME[:GROUP] (names from the rootfs's /etc/passwd and /etc/group).</summary>
    public string? User;
    public List<string> Groups = new();
    public List<string> CapAdd = new(), CapDrop = new(), CapAmbient = new();
    public bool NoNewPrivileges;
    /// <summary>--seccomp-profile FILE (OCI linux.seccomp or docker's format); "unconfined": none.</summary>
    public string? SeccompProfile;
    public List<Sentry.Kernel.SpecMount> Mounts = new();
    public List<string> MaskedPaths = new(), ReadonlyPaths = new();
    public Dictionary<string, string> Sysctls = new(StringComparer.Ordinal);

    /// <summary>Whether any option of the process's security (identity, caps, seccomp) was given.</summary>
    public bool HasSecurityOptions => User != null || Groups.Count > 0 || CapAdd.Count > 0 || CapDrop.Count > 0
        || CapAmbient.Count > 0 || NoNewPrivileges || SeccompProfile != null;

    /// <summary>
    /// Parses; returns null and prints why on bad input (or hands why to <paramref name="report"/>).
    /// <paramref name="hostPaths"/>: host directories (rootfs, volumes) are checked here; a pod
    /// Sentry, which sees none, parses what its client checked already.
    /// </summary>
    public static RunOptions? Parse(string[] args, bool compare, Action<string>? report = null, bool hostPaths = true)
    {
        var o = new RunOptions();
        int Fail(string why)
        {
            if (report != null) report(why); else Usage.Fail(why);
            return Usage.SandboxError;
        }
        int i = 0;
        string? Value(string flag)
        {
            if (i + 1 >= args.Length) { Fail($"{flag} needs a value"); return null; }
            return args[++i];
        }
        for (; i < args.Length; i++)
        {
            string a = args[i];
            string? v;
            int eq = a.IndexOf('=');
            if (a.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                // --flag=value form
                var expanded = new List<string>(args[..i]) { a[..eq], a[(eq + 1)..] };
                expanded.AddRange(args[(i + 1)..]);
                args = expanded.ToArray();
                a = args[i];
            }
            switch (a)
            {
                case "--":
                    o.Command.AddRange(args[(i + 1)..]);
                    i = args.Length;
                    break;
                case "--rootfs": if ((v = Value(a)) == null) return null; o.Rootfs = v; break;
                case "--platform": if ((v = Value(a)) == null) return null; o.Platforms.Add(v); break;
                case "--strace": o.Strace = true; break;
                case "--debug-log": if ((v = Value(a)) == null) return null; o.DebugLog = v; break;
                case "--cwd": if ((v = Value(a)) == null) return null; o.Cwd = v; break;
                case "--env":
                    if ((v = Value(a)) == null) return null;
                    if (!v.Contains('=') || v.StartsWith('=')) { Fail($"--env expects K=V, got '{v}'"); return null; }
                    o.Env.Add(v);
                    break;
                case "--clear-env": o.ClearEnv = true; break;
                case "--gofer": o.Gofer = true; break;
                case "--no-gofer": o.Gofer = false; break;
                case "--read-only": o.ReadOnlyRootfs = true; break;
                case "--rootfs-writable": o.RootfsWritable = true; break;
                case "--tty" or "-t" when !compare: o.Tty = true; break;
                case "--volume" or "-v":
                {
                    if ((v = Value(a)) == null) return null;
                    var parts = v.Split(':');
                    if (parts.Length is < 2 or > 3 || parts[0].Length == 0 || !parts[1].StartsWith('/'))
                    { Fail($"--volume expects HOST:GUEST[:ro], GUEST absolute; got '{v}'"); return null; }
                    if (hostPaths && !Directory.Exists(parts[0])) { Fail($"--volume {v}: {parts[0]} is not a directory"); return null; }
                    string mode = parts.Length == 3 ? parts[2] : "rw";
                    if (mode is not ("ro" or "rw")) { Fail($"--volume {v}: mode must be ro or rw"); return null; }
                    o.Volumes.Add((parts[0], parts[1], mode == "ro"));
                    break;
                }
                case "--hostname": if ((v = Value(a)) == null) return null; o.Hostname = v; break;
                case "--network":
                    if ((v = Value(a)) == null) return null;
                    switch (v)
                    {
                        case "sandbox": o.Network = Sentry.Net.Inet.NetworkMode.Sandbox; break;
                        case "none": o.Network = Sentry.Net.Inet.NetworkMode.None; break;
                        case "host": o.Network = Sentry.Net.Inet.NetworkMode.Host; break;
                        default: Fail($"unknown network mode '{v}' (expected sandbox, none or host)"); return null;
                    }
                    break;
                case "--netns" when !compare:
                {
                    if ((v = Value(a)) == null) return null;
                    // NAME as ip-netns(8) makes them, or any path to a namespace (/proc/PID/ns/net).
                    string path = v.Contains('/') ? v : "/var/run/netns/" + v;
                    if (v.Length == 0 || (hostPaths && !File.Exists(path))) { Fail($"--netns {v}: no such network namespace ({path})"); return null; }
                    o.NetworkNamespace = path;
                    break;
                }
                case "--runtime" when !compare:
                    if ((v = Value(a)) == null) return null;
                    if (v is not ("sentry" or "microvm")) { Fail($"unknown runtime '{v}' (expected sentry or microvm)"); return null; }
                    o.Runtime = v;
                    break;
                case "--vmm" when !compare:
                    if ((v = Value(a)) == null) return null;
                    if (v is not ("qemu" or "kvm")) { Fail($"unknown VMM '{v}' (expected qemu or kvm)"); return null; }
                    o.Vmm = v;
                    break;
                case "--memory" or "--cpus" when !compare:
                {
                    if ((v = Value(a)) == null) return null;
                    if (!int.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) || n < 1)
                    { Fail($"{a} {v}: a positive number expected"); return null; }
                    if (a == "--memory") o.MemoryMiB = n; else o.Cpus = n;
                    break;
                }
                case "--ignore-stderr" when compare: o.IgnoreStderr = true; break;
                case "--user" or "-u" when !compare: if ((v = Value(a)) == null) return null; o.User = v; break;
                case "--groups" or "--group-add" when !compare:
                    if ((v = Value(a)) == null) return null;
                    o.Groups.AddRange(v.Split(',', StringSplitOptions.RemoveEmptyEntries));
                    break;
                case "--cap-add" or "--cap-drop" or "--cap-ambient" when !compare:
                {
                    if ((v = Value(a)) == null) return null;
                    var list = a == "--cap-add" ? o.CapAdd : a == "--cap-drop" ? o.CapDrop : o.CapAmbient;
                    foreach (var cap in v.Split(',', StringSplitOptions.RemoveEmptyEntries))
                    {
                        if (!cap.Equals("ALL", StringComparison.OrdinalIgnoreCase) && Linux.Abi.Cap.Parse(cap) < 0)
                        { Fail($"{a}: unknown capability '{cap}'"); return null; }
                        list.Add(cap);
                    }
                    break;
                }
                case "--no-new-privileges" when !compare: o.NoNewPrivileges = true; break;
                case "--seccomp-profile" when !compare: if ((v = Value(a)) == null) return null; o.SeccompProfile = v; break;
                case "--mount" when !compare:
                {
                    if ((v = Value(a)) == null) return null;
                    var m = ParseMount(v, hostPaths, out string why);
                    if (m == null) { Fail($"--mount {v}: {why}"); return null; }
                    o.Mounts.Add(m);
                    break;
                }
                case "--tmpfs" when !compare:
                    if ((v = Value(a)) == null) return null;
                    if (!v.StartsWith('/')) { Fail($"--tmpfs {v}: the path must be absolute"); return null; }
                    o.Mounts.Add(new Sentry.Kernel.SpecMount("tmpfs", null, v.Split(':')[0], false));
                    break;
                case "--masked-path" or "--readonly-path" when !compare:
                    if ((v = Value(a)) == null) return null;
                    if (!v.StartsWith('/')) { Fail($"{a} {v}: the path must be absolute"); return null; }
                    (a == "--masked-path" ? o.MaskedPaths : o.ReadonlyPaths).Add(v);
                    break;
                case "--sysctl" when !compare:
                {
                    if ((v = Value(a)) == null) return null;
                    int at = v.IndexOf('=');
                    if (at <= 0) { Fail($"--sysctl expects KEY=VALUE, got '{v}'"); return null; }
                    string key = Sentry.Kernel.Sysctls.Normalize(v[..at]), value = v[(at + 1)..].Trim();
                    if (Sentry.Kernel.Sysctls.Check(key, value) is { } bad) { Fail($"--sysctl: {bad}"); return null; }
                    o.Sysctls[key] = value;
                    break;
                }
                default:
                    if (a.StartsWith('-')) { Fail($"unknown option '{a}'"); return null; }
                    o.Command.AddRange(args[i..]);
                    i = args.Length;
                    break;
            }
        }
        if (o.Command.Count == 0) { Fail("no program given"); return null; }
        if (!compare && o.Platforms.Count > 1) { Fail("run takes one --platform"); return null; }
        if (o.Runtime == "microvm" && (o.Platforms.Count > 0 || o.Strace || o.DebugLog != null || args.Contains("--gofer") || !o.Gofer))
        { Fail("--platform, --strace, --debug-log and --(no-)gofer are Sentry options; not with --runtime microvm"); return null; }
        if (o.NetworkNamespace != null && o.Network != Sentry.Net.Inet.NetworkMode.Sandbox)
        { Fail("--netns gives the sandbox's stack a device: only with --network sandbox"); return null; }
        if (o.Runtime != "microvm" && (o.Vmm != null || o.MemoryMiB != null || o.Cpus != null))
        { Fail("--vmm, --memory and --cpus are MicroVm options: only with --runtime microvm"); return null; }
        if (o.NetworkNamespace != null && o.Runtime == "microvm")
        { Fail("--netns is a Sentry option; not with --runtime microvm"); return null; }
        if (o.Runtime == "microvm" && (o.HasSecurityOptions || o.Mounts.Count > 0 || o.MaskedPaths.Count > 0 || o.ReadonlyPaths.Count > 0 || o.Sysctls.Count > 0))
        { Fail("--user, --groups, --cap-*, --no-new-privileges, --seccomp-profile, --mount, --tmpfs, --masked-path, --readonly-path and --sysctl are Sentry options; not with --runtime microvm"); return null; }
        if (o.RootfsWritable)
        {
            if (o.ReadOnlyRootfs) { Fail("--rootfs-writable and --read-only contradict each other"); return null; }
            if (!o.Gofer) { Fail("--rootfs-writable: the rootfs is written through the Gofer (not with --no-gofer)"); return null; }
            if (Path.GetFullPath(o.Rootfs) == "/") { Fail("--rootfs-writable needs a --rootfs of its own: refusing to let the program write the host's /"); return null; }
        }
        if (!o.Gofer && o.Mounts.Any(m => m.Type == "bind" && !m.ReadOnly)) { Fail("read-write bind mounts are served by a Gofer: not with --no-gofer (add ,ro)"); return null; }
        if (!o.Gofer && o.Volumes.Any(v => !v.ReadOnly)) { Fail("read-write volumes are served by a Gofer: not with --no-gofer (add :ro)"); return null; }
        foreach (var p in o.Platforms)
            if (p is not ("auto" or "ptrace" or "kvm")) { Fail($"unknown platform '{p}' (expected auto, ptrace or kvm)"); return null; }
        if (hostPaths && !Directory.Exists(o.Rootfs)) { Fail($"--rootfs {o.Rootfs}: no such directory"); return null; }
        return o;
    }

    /// <summary>
    /// --mount type=bind|tmpfs,source=HOST,destination=PATH[,ro|readonly][,bind-propagation=P]
    /// (docker's form; src/dst/target also taken). source-type=file|dir says what the source is
    /// where the host is not seen (a pod Sentry); where it is, the host decides.
    /// </summary>
    private static Sentry.Kernel.SpecMount? ParseMount(string spec, bool hostPaths, out string why)
    {
        string type = "bind", propagation = "rprivate";
        string? source = null, destination = null;
        bool ro = false, file = false;
        foreach (var part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            string k = eq < 0 ? part : part[..eq], val = eq < 0 ? "" : part[(eq + 1)..];
            switch (k)
            {
                case "type": type = val; break;
                case "source" or "src": source = val; break;
                case "destination" or "dst" or "target": destination = val; break;
                case "ro" or "readonly": ro = eq < 0 || val is "1" or "true"; break;
                case "rw": ro = false; break;
                case "bind-propagation":
                    switch (val)
                    {
                        case "private" or "rprivate": propagation = "rprivate"; break;
                        case "slave" or "rslave": propagation = "rslave"; break;
                        case "shared" or "rshared": propagation = "rshared"; break;
                        default: why = $"bind-propagation {val}: rprivate, rslave or rshared"; return null;
                    }
                    break;
                case "source-type" when val is "file" or "dir": file = val == "file"; break;
                case "rbind" or "bind": break;
                default: why = $"unknown field '{k}'"; return null;
            }
        }
        if (type is not ("bind" or "tmpfs")) { why = $"type {type}: only bind and tmpfs"; return null; }
        if (destination == null || !destination.StartsWith('/')) { why = "destination must be an absolute path"; return null; }
        if (type == "bind")
        {
            if (string.IsNullOrEmpty(source)) { why = "a bind mount needs source="; return null; }
            source = Path.GetFullPath(source);
            if (hostPaths)
            {
                if (!Directory.Exists(source) && !File.Exists(source)) { why = $"{source}: no such file or directory"; return null; }
                file = !Directory.Exists(source);
            }
        }
        why = "";
        return new Sentry.Kernel.SpecMount(type, source, destination, ro) { Propagation = propagation, SourceIsFile = type == "bind" && file };
    }

    /// <summary>The caller's environment in its original order (as a child of the caller would get it).</summary>
    private static IEnumerable<string> CallerEnvironment()
    {
        try
        {
            var raw = File.ReadAllBytes("/proc/self/environ");
            return System.Text.Encoding.UTF8.GetString(raw).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (IOException)
        {
            return Environment.GetEnvironmentVariables().Keys.Cast<string>()
                .Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}");
        }
    }

    /// <summary>The environment the program starts with: the caller's (unless --clear-env) plus --env.</summary>
    public List<string> BuildEnv()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = new List<string>();
        if (!ClearEnv)
            foreach (var entry in CallerEnvironment())
            {
                int eq = entry.IndexOf('=');
                if (eq <= 0) continue;
                var k = entry[..eq];
                if (!env.ContainsKey(k)) order.Add(k);
                env[k] = entry[(eq + 1)..];
            }
        foreach (var kv in Env)
        {
            int eq = kv.IndexOf('=');
            string k = kv[..eq];
            if (!env.ContainsKey(k)) order.Add(k);
            env[k] = kv[(eq + 1)..];
        }
        return order.Select(k => $"{k}={env[k]}").ToList();
    }
}
