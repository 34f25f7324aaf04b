using System.Globalization;
using Runtime.V1;
using Sandbox.Linux.Abi;
using Sandbox.MicroVm.Protocol;
using Sandbox.MicroVm.Seccomp;

namespace Sandbox.Shim.Backends;

/// <summary>
/// A microvm container's CreateContainer request from its CRI config: the same derivation as
/// the sentry handler's (SentryProcessSpec.SecurityArgumentsFor: containerd's default
/// capabilities plus add minus drop, privileged = all and no confinement, seccomp by profile
/// type or path), then made concrete here, where the agent cannot: user and group names
/// resolved in the image's /etc/passwd and /etc/group (the user's groups there join the
/// supplementary ones), the seccomp profile compiled to BPF for the container's capabilities.
/// </summary>
public static class VmSecurity
{
    /// <summary>The JSON of `runtime/default` (the Sentry's RuntimeDefaultProfile, set by `sandbox
    /// cri`, which links the Sentry): this library does not reference the Sentry.</summary>
    public static string? RuntimeDefaultProfileJson { get; set; }

    /// <summary>Throws ArgumentException with the reason when the context cannot be honoured.</summary>
    public static CreateContainer RequestFor(string id, string guestRootfs, string hostname, string hostRootfs,
        ContainerConfig config, PodSandboxConfig? pod, string? imageUser)
    {
        var args = SentryProcessSpec.SecurityArgumentsFor(config, pod, mounts: true, sysctls: true);
        string? user = null, seccomp = null;
        var groups = new List<uint>();
        var ambient = new List<string>();
        var masked = new List<string>();
        var readOnly = new List<string>();
        var sysctls = new List<string>();
        ulong caps = 0;
        bool nnp = false;
        for (int i = 0; i < args.Count; i++)
        {
            string Value() => ++i < args.Count ? args[i] : throw new ArgumentException($"{args[i - 1]} without a value");
            switch (args[i])
            {
                case "--user": user = Value(); break;
                case "--groups": groups.AddRange(Value().Split(',').Select(g => ParseId(g, "supplemental group"))); break;
                case "--no-new-privileges": nnp = true; break;
                case "--cap-ambient": ambient.Add(Value()); break;
                case "--cap-drop": caps = 0; Value(); break; // always ALL, before the list to add
                case "--cap-add": foreach (var c in Value().Split(',')) caps |= CapBits(c); break;
                case "--seccomp-profile": seccomp = Value(); break;
                case "--masked-path": masked.Add(Value()); break;
                case "--readonly-path": readOnly.Add(Value()); break;
                case "--sysctl": sysctls.Add(Value()); break;
                case "--mount": Value(); break; // volumes go through the pod's volume share (PodVolumes)
                default: throw new ArgumentException($"unexpected security argument {args[i]}");
            }
        }
        ulong amb = ambient.Aggregate(0UL, (a, c) => a | CapBits(c));
        if ((amb & ~caps) != 0) throw new ArgumentException("an ambient capability must also be in the capability set");
        var (uid, gid, userGroups) = ResolveUser(hostRootfs, user ?? (string.IsNullOrEmpty(imageUser) ? "0" : imageUser));
        var allGroups = userGroups.Concat(groups).Where(g => g != gid).Distinct().ToArray();
        byte[] bpf = seccomp == null ? [] : SeccompCompiler.Compile(ProfileJson(seccomp), caps);
        bool writable = config.Linux?.SecurityContext?.ReadonlyRootfs != true;
        return new CreateContainer(id, guestRootfs, hostname, writable, masked, readOnly, sysctls,
            new ProcessSecurity(uid, gid, allGroups, caps, amb, nnp, bpf), Pid: PidModeFor(config, pod));
    }

    /// <summary>
    /// NamespaceOption.pid, the container's (kubelet copies the pod's there) or else the pod's; as
    /// in containerd, unset is POD. In the VM the pod's namespace is one the agent holds, NODE is
    /// the VM's own (the VM is the node the pod sees). TARGET (an ephemeral container joining
    /// another's) is not supported.
    /// </summary>
    public static PidMode PidModeFor(ContainerConfig config, PodSandboxConfig? pod) =>
        (config.Linux?.SecurityContext?.NamespaceOptions ?? pod?.Linux?.SecurityContext?.NamespaceOptions)?.Pid switch
        {
            null or NamespaceMode.Pod => PidMode.Pod,
            NamespaceMode.Container => PidMode.Container,
            NamespaceMode.Node => PidMode.Node,
            var m => throw new ArgumentException($"PID namespace mode {m} is not supported by the microvm handler"),
        };

    private static ulong CapBits(string name)
    {
        if (name.Equals("ALL", StringComparison.OrdinalIgnoreCase)) return ProcessSecurity.AllCapabilities;
        int c = Cap.Parse(name);
        return c >= 0 ? Cap.Bit(c) : throw new ArgumentException($"unknown capability '{name}'");
    }

    private static uint ParseId(string s, string what) =>
        uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out uint v) ? v : throw new ArgumentException($"bad {what} '{s}'");

    private static string ProfileJson(string profile)
    {
        if (profile is "runtime/default" or "docker/default")
            return RuntimeDefaultProfileJson ?? throw new ArgumentException("the runtime/default seccomp profile is not available to this server");
        if (profile.TrimStart().StartsWith('{')) return profile;
        try { return File.ReadAllText(profile); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new ArgumentException($"seccomp profile {profile}: {e.Message}"); }
    }

    /// <summary>
    /// docker's USER: UID or NAME, optionally :GID or :GROUP. A user found in the image's
    /// /etc/passwd brings its primary group and the groups of /etc/group listing it; a numeric
    /// user that is not there runs with gid 0 unless one is given.
    /// </summary>
    public static (uint Uid, uint Gid, List<uint> Groups) ResolveUser(string rootfs, string spec)
    {
        int colon = spec.IndexOf(':');
        string user = colon < 0 ? spec : spec[..colon];
        string? group = colon < 0 ? null : spec[(colon + 1)..];
        var passwd = ReadDb(rootfs, "passwd");
        bool numeric = uint.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out uint uid);
        var entry = passwd.FirstOrDefault(f => f.Length > 3 && (numeric ? f[2] == user : f[0] == user));
        if (entry == null && !numeric) throw new ArgumentException($"no user '{user}' in the image's /etc/passwd");
        if (entry != null) uid = ParseId(entry[2], "uid in /etc/passwd");
        uint gid = entry != null && uint.TryParse(entry[3], NumberStyles.None, CultureInfo.InvariantCulture, out uint pg) ? pg : 0;
        var dbGroups = ReadDb(rootfs, "group");
        if (!string.IsNullOrEmpty(group))
        {
            if (uint.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out uint g)) gid = g;
            else gid = dbGroups.FirstOrDefault(f => f.Length > 2 && f[0] == group) is { } ge ? ParseId(ge[2], "gid in /etc/group")
                : throw new ArgumentException($"no group '{group}' in the image's /etc/group");
        }
        var groups = entry == null ? new List<uint>() : dbGroups
            .Where(f => f.Length > 3 && f[3].Split(',').Contains(entry[0]) && uint.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .Select(f => uint.Parse(f[2], CultureInfo.InvariantCulture)).ToList();
        return (uid, gid, groups);
    }

    /// <summary>The image's /etc file, read without following its symlinks out of the image.</summary>
    private static List<string[]> ReadDb(string rootfs, string name)
    {
        var path = Path.Combine(rootfs, "etc", name);
        try
        {
            if (new FileInfo(path).LinkTarget != null) return new();
            return File.ReadAllLines(path).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split(':')).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return new(); }
    }
}
