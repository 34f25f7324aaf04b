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

    /// <summary>Runs in the container of a tty exec: a terminal of the Sentry's own.</summary>
    public bool Tty { get; init; }

    /// <summary>Creates container <paramref name="id"/> in the pod at <paramref name="socket"/> and runs the program as its first process.</summary>
    public List<string> PodRunArguments(string socket, string id)
        => new List<string> { "pod", "run", "--control", socket, "--id", id }.Concat(RunArguments().Skip(1)).ToList();

    /// <summary>Runs the program in container <paramref name="id"/> of the pod at <paramref name="socket"/>.</summary>
    public List<string> PodExecArguments(string socket, string id)
        => new List<string> { "pod", "exec", "--control", socket, "--id", id }.Concat(RunArguments().Skip(1)).ToList();

    public List<string> RunArguments()
    {
        var a = new List<string> { "run", "--platform", Platform, "--rootfs", Rootfs, "--cwd", Cwd, "--clear-env" };
        if (Tty) a.Add("--tty");
        foreach (var e in Env) { a.Add("--env"); a.Add(e); }
        if (!string.IsNullOrEmpty(Hostname)) { a.Add("--hostname"); a.Add(Hostname); }
        if (ReadOnlyRootfs) a.Add("--read-only");
        a.Add("--");
        a.AddRange(Argv);
        return a;
    }
}
