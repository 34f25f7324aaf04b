namespace Sandbox.Shim.Backends;

/// <summary>
/// One program to run in a Sentry: today every container (and every ExecSync) is its own
/// `sandbox run` process on the image's root filesystem, which the Sentry never writes: each
/// one gets an in-memory upper layer of its own, so an ExecSync does not see what the
/// container wrote.
/// </summary>
public sealed record SentryProcessSpec(string Platform, string Rootfs, string Cwd, IReadOnlyList<string> Env, string? Hostname, IReadOnlyList<string> Argv)
{
    /// <summary>The container asked for a read-only root filesystem (securityContext.readOnlyRootFilesystem).</summary>
    public bool ReadOnlyRootfs { get; init; }

    public List<string> RunArguments()
    {
        var a = new List<string> { "run", "--platform", Platform, "--rootfs", Rootfs, "--cwd", Cwd, "--clear-env" };
        foreach (var e in Env) { a.Add("--env"); a.Add(e); }
        if (!string.IsNullOrEmpty(Hostname)) { a.Add("--hostname"); a.Add(Hostname); }
        if (ReadOnlyRootfs) a.Add("--read-only");
        a.Add("--");
        a.AddRange(Argv);
        return a;
    }
}
