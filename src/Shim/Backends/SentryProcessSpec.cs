using Runtime.V1;

namespace Sandbox.Shim.Backends;

/// <summary>
/// One program to run in a Sentry, as `sandbox run` arguments: a pod's container is created
/// and started in the pod's Sentry with them (`sandbox pod run`), an exec runs in the
/// container with them (`sandbox pod exec`: only the process part counts there).
/// </summary>
public sealed record SentryProcessSpec(string Platform, string Rootfs, string Cwd, IReadOnlyList<string> Env, string? Hostname, IReadOnlyList<string> Argv)
{
    /// <summary>The container asked for a read-only root filesystem (securityContext.readOnlyRootFilesystem).</summary>
    public bool ReadOnlyRootfs { get; init; }

    /// <summary>`sandbox run` flags for identity, capabilities, seccomp, mounts and sysctls (SecurityArgumentsFor).</summary>
    public IReadOnlyList<string> SecurityArguments { get; init; } = Array.Empty<string>();

    /// <summary>What containerd gives a container that asks for nothing else (oci.DefaultCaps, docker's list).</summary>
    private static readonly string[] DefaultCapabilities =
    {
        "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP",
        "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
    };

    /// <summary>
    /// The CRI container's security context, mounts and the pod's sysctls as `sandbox run` flags,
    /// with containerd's meaning: the default capability list plus add minus drop (ALL in either
    /// as docker reads it), privileged = every capability, no seccomp and no masked or read-only paths.
    /// </summary>
    /// <paramref name="mounts"/>: the container's mounts, masked and read-only paths (not for an
    /// exec, which joins them); <paramref name="sysctls"/>: the pod's sysctls (not for a pod
    /// Sentry's container: they are its kernel's, given to `pod serve`).
    /// <paramref name="imageUser"/>: the image's USER (`user[:group]`, names or numbers), taken
    /// when the security context names no user, as containerd does (run_as_group alone is
    /// refused before this, as the CRI asks).
    public static List<string> SecurityArgumentsFor(ContainerConfig config, PodSandboxConfig? pod, bool mounts = true, bool sysctls = true, string? imageUser = null)
    {
        var a = new List<string>();
        var sc = config.Linux?.SecurityContext;
        string? contextUser = sc == null ? null : sc.RunAsUser != null ? sc.RunAsUser.Value.ToString() : string.IsNullOrEmpty(sc.RunAsUsername) ? null : sc.RunAsUsername;
        if (contextUser == null && !string.IsNullOrEmpty(imageUser)) { a.Add("--user"); a.Add(imageUser); }
        if (sc != null)
        {
            string? user = contextUser;
            if (user != null) { a.Add("--user"); a.Add(sc.RunAsGroup != null ? $"{user}:{sc.RunAsGroup.Value}" : user); }
            if (sc.SupplementalGroups.Count > 0) { a.Add("--groups"); a.Add(string.Join(',', sc.SupplementalGroups)); }
            if (sc.NoNewPrivs) a.Add("--no-new-privileges");
        }
        bool privileged = sc?.Privileged == true;
        var caps = new HashSet<string>(privileged ? new[] { "ALL" } : DefaultCapabilities, StringComparer.OrdinalIgnoreCase);
        if (!privileged && sc?.Capabilities is { } c)
        {
            static string Name(string n) => n.StartsWith("CAP_", StringComparison.OrdinalIgnoreCase) ? n[4..].ToUpperInvariant() : n.ToUpperInvariant();
            if (c.DropCapabilities.Any(d => Name(d) == "ALL")) caps.Clear();
            foreach (var add in c.AddCapabilities) caps.Add(Name(add));
            foreach (var drop in c.DropCapabilities) caps.Remove(Name(drop));
            if (caps.Contains("ALL")) caps = new(new[] { "ALL" }, StringComparer.OrdinalIgnoreCase);
            foreach (var amb in c.AddAmbientCapabilities) { a.Add("--cap-ambient"); a.Add(Name(amb)); }
        }
        a.Add("--cap-drop"); a.Add("ALL");
        if (caps.Count > 0) { a.Add("--cap-add"); a.Add(string.Join(',', caps)); }
        if (!privileged && SeccompProfileOf(sc) is { } profile) { a.Add("--seccomp-profile"); a.Add(profile); }
        if (mounts && !privileged && sc != null)
        {
            foreach (var m in sc.MaskedPaths) { a.Add("--masked-path"); a.Add(m); }
            foreach (var r in sc.ReadonlyPaths) { a.Add("--readonly-path"); a.Add(r); }
        }
        if (mounts)
            foreach (var m in config.Mounts)
            {
                if (string.IsNullOrEmpty(m.HostPath) || string.IsNullOrEmpty(m.ContainerPath)) continue;
                a.Add("--mount");
                a.Add($"type=bind,source={m.HostPath},destination={m.ContainerPath}{(m.Readonly ? ",ro" : "")}{PropagationOf(m.Propagation)}");
            }
        if (sysctls) a.AddRange(SysctlArguments(pod));
        return a;
    }

    /// <summary>The pod's sysctls as `--sysctl K=V` flags (for `sandbox run` or `pod serve`), in key order.</summary>
    public static List<string> SysctlArguments(PodSandboxConfig? pod)
    {
        var a = new List<string>();
        if (pod?.Linux?.Sysctls is { Count: > 0 } sysctls)
            foreach (var (k, v) in sysctls.OrderBy(kv => kv.Key, StringComparer.Ordinal)) { a.Add("--sysctl"); a.Add($"{k}={v}"); }
        return a;
    }

    /// <summary>
    /// CRI's propagation as runc's: host-to-container is rslave, bidirectional rshared (the
    /// sandbox's own mounts still never reach the host, see docs/cri.md).
    /// </summary>
    private static string PropagationOf(MountPropagation p) => p switch
    {
        MountPropagation.PropagationHostToContainer => ",bind-propagation=rslave",
        MountPropagation.PropagationBidirectional => ",bind-propagation=rshared",
        _ => "",
    };

    /// <summary>The profile to hand `sandbox run`, or null for none (unconfined, or nothing asked).</summary>
    private static string? SeccompProfileOf(LinuxContainerSecurityContext? sc)
    {
        if (sc?.Seccomp is { } p)
            return p.ProfileType switch
            {
                SecurityProfile.Types.ProfileType.RuntimeDefault => "runtime/default",
                SecurityProfile.Types.ProfileType.Localhost => p.LocalhostRef,
                _ => null,
            };
#pragma warning disable CS0612 // the deprecated path form is what older kubelets and critest 1.26 send
        string path = sc?.SeccompProfilePath ?? "";
#pragma warning restore CS0612
        if (path.StartsWith("localhost/", StringComparison.Ordinal)) return path["localhost/".Length..];
        return path is "runtime/default" or "docker/default" ? path : null;
    }

    /// <summary>The program runs on a terminal of the Sentry's own (a tty exec, or a container
    /// created with tty), whose master the Sentry relays to the program's pipes.</summary>
    public bool Tty { get; init; }

    /// <summary>Creates container <paramref name="id"/> in the pod at <paramref name="socket"/> and runs the program as its first process.</summary>
    public List<string> PodRunArguments(string socket, string id)
        => new List<string> { "pod", "run", "--control", socket, "--id", id }.Concat(RunArguments().Skip(1)).ToList();

    /// <summary>Runs the program in container <paramref name="id"/> of the pod at <paramref name="socket"/>
    /// (its pid in the pod written to <paramref name="pidFile"/> once it runs, when given).</summary>
    public List<string> PodExecArguments(string socket, string id, string? pidFile = null)
        => new List<string> { "pod", "exec", "--control", socket, "--id", id }
            .Concat(pidFile == null ? [] : ["--pid-file", pidFile]).Concat(RunArguments().Skip(1)).ToList();

    public List<string> RunArguments()
    {
        var a = new List<string> { "run", "--platform", Platform, "--rootfs", Rootfs, "--cwd", Cwd, "--clear-env" };
        if (Tty) a.Add("--tty");
        foreach (var e in Env) { a.Add("--env"); a.Add(e); }
        if (!string.IsNullOrEmpty(Hostname)) { a.Add("--hostname"); a.Add(Hostname); }
        if (ReadOnlyRootfs) a.Add("--read-only");
        a.AddRange(SecurityArguments);
        a.Add("--");
        a.AddRange(Argv);
        return a;
    }
}
