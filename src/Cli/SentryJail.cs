using System.Reflection;
using Sandbox.Linux.Native;
using Sandbox.Platforms.Ptrace;

namespace Sandbox.Cli;

/// <summary>
/// Confines the Sentry once it has booted, as gVisor's sandbox process is: it runs in a mount
/// namespace of its own (entered by re-executing under unshare(1), since the runtime's threads
/// all exist before Main) and pivots into an empty read-only tmpfs holding only a copy of the
/// ptrace stub. The application's files then come only through the Gofer (its connection is
/// open before), and the host's /proc through a directory fd kept for the Sentry's bookkeeping.
/// </summary>
internal static class SentryJail
{
    /// <summary>Set by the first stage to the mount namespace it ran in.</summary>
    public const string StageVariable = "SANDBOX_SENTRY_STAGE";
    private const string Unshare = "/usr/bin/unshare";
    private const string StubName = "/sandbox-stub";

    /// <summary>Whether this run can be confined: as root, with unshare(1), the image served by a Gofer.</summary>
    public static bool Wanted(RunOptions o, out string why)
    {
        why = "";
        if (!o.Gofer) { why = "--no-gofer: the Sentry reads the image itself"; return false; }
        return Possible(out why);
    }

    /// <summary>Whether this process can confine itself: as root, with unshare(1).</summary>
    public static bool Possible(out string why)
    {
        why = "";
        if (Sys.Syscall(107 /* geteuid */) != 0) { why = "not root"; return false; }
        if (!File.Exists(Unshare)) { why = $"{Unshare} (util-linux) is missing"; return false; }
        return true;
    }

    public static bool InStageTwo => Environment.GetEnvironmentVariable(StageVariable) != null;

    private static string MountNamespace() => new FileInfo("/proc/self/ns/mnt").LinkTarget ?? "";

    /// <summary>
    /// Replaces this process with itself under unshare(1) in a new, private mount namespace.
    /// The program's environment is computed here and passed as --env, so what this stage adds
    /// to its own environment never reaches the program. Returns only on failure.
    /// </summary>
    public static string Reexec(string[] args, IEnumerable<string> programEnv)
    {
        var head = new List<string> { "run", "--clear-env" };
        foreach (var kv in programEnv) { head.Add("--env"); head.Add(kv); }
        return ReexecAs(head, args);
    }

    /// <summary>Re-executes as `sandbox HEAD... ARGS...` under unshare(1); returns only on failure.</summary>
    public static string ReexecAs(IEnumerable<string> head, string[] args)
    {
        var (exe, pre) = CompareCommand.Self();
        var argv = new List<string> { Unshare, "--mount", "--propagation", "private", "--", exe };
        argv.AddRange(pre);
        argv.AddRange(head);
        argv.AddRange(args);
        int r = Exec.ReplaceSelf(argv, StageVariable, MountNamespace());
        return $"execve {Unshare}: {Linux.ErrnoText.Name(-r)}";
    }

    /// <summary>Pivots into the empty root. Null on success, else what failed.</summary>
    public static string? Confine(Sentry.Platform.IPlatform platform)
    {
        string ns = MountNamespace();
        if (ns.Length == 0 || ns == Environment.GetEnvironmentVariable(StageVariable))
            return "not in a mount namespace of its own";
        // What the Sentry and this command run on; not the CRI server's or the MicroVm's
        // dependencies, which it never touches (each loaded assembly also holds an fd).
        AssemblyPreload.From(typeof(SentryJail).Assembly, r => r.Name is { } n && !n.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)
            && !n.StartsWith("Microsoft.Extensions", StringComparison.Ordinal) && !n.StartsWith("Grpc", StringComparison.Ordinal)
            && !n.StartsWith("Google", StringComparison.Ordinal) && n is not ("Sandbox.Shim" or "Sandbox.MicroVm" or "Sandbox.Gofer" or "Sandbox.MicroVm.Agent" or "netstandard" or "mscorlib"));
        // The netstack draws its ISN and port secrets from RandomNumberGenerator, whose native
        // library (OpenSSL) could not be loaded from the empty root.
        System.Security.Cryptography.RandomNumberGenerator.GetBytes(1);
        if (!HostProc.Open()) return "no /proc";
        string at = new[] { "/mnt", "/tmp", "/proc" }.FirstOrDefault(Directory.Exists) ?? "/tmp";
        int r = Mounts.Mount("tmpfs", at, "tmpfs", Mounts.MS_NOSUID | Mounts.MS_NODEV, "mode=0755,size=8m");
        if (r < 0) return $"mount tmpfs on {at}: {Linux.ErrnoText.Name(-r)}";
        if (platform is PtracePlatform ptrace)
        {
            File.Copy(ptrace.StubPath, at + StubName);
            File.SetUnixFileMode(at + StubName, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }
        r = Mounts.PivotInto(at);
        if (r < 0) return $"pivot_root into {at}: {Linux.ErrnoText.Name(-r)}";
        r = Mounts.Remount("/", Mounts.MS_RDONLY | Mounts.MS_NOSUID | Mounts.MS_NODEV);
        if (r < 0) return $"remount the root read-only: {Linux.ErrnoText.Name(-r)}";
        if (platform is PtracePlatform p) p.UseStubAt(StubName);
        return null;
    }
}
