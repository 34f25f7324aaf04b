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
    /// <summary>--network: sandbox (default, the Sentry's own TCP/IP stack) or none (loopback only).</summary>
    public Sentry.Net.Inet.NetworkMode Network = Sentry.Net.Inet.NetworkMode.Sandbox;
    public List<string> Command = new();

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
                        case "host": Fail("--network=host is not supported yet"); return null;
                        default: Fail($"unknown network mode '{v}' (expected sandbox, none or host)"); return null;
                    }
                    break;
                case "--runtime" when !compare:
                    if ((v = Value(a)) == null) return null;
                    if (v is not ("sentry" or "microvm")) { Fail($"unknown runtime '{v}' (expected sentry or microvm)"); return null; }
                    o.Runtime = v;
                    break;
                case "--ignore-stderr" when compare: o.IgnoreStderr = true; break;
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
        if (o.RootfsWritable)
        {
            if (o.ReadOnlyRootfs) { Fail("--rootfs-writable and --read-only contradict each other"); return null; }
            if (!o.Gofer) { Fail("--rootfs-writable: the rootfs is written through the Gofer (not with --no-gofer)"); return null; }
            if (Path.GetFullPath(o.Rootfs) == "/") { Fail("--rootfs-writable needs a --rootfs of its own: refusing to let the program write the host's /"); return null; }
        }
        if (!o.Gofer && o.Volumes.Any(v => !v.ReadOnly)) { Fail("read-write volumes are served by a Gofer: not with --no-gofer (add :ro)"); return null; }
        foreach (var p in o.Platforms)
            if (p is not ("auto" or "ptrace" or "kvm")) { Fail($"unknown platform '{p}' (expected auto, ptrace or kvm)"); return null; }
        if (hostPaths && !Directory.Exists(o.Rootfs)) { Fail($"--rootfs {o.Rootfs}: no such directory"); return null; }
        return o;
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
