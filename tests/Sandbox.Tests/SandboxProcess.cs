using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Sandbox.Tests;

/// <summary>Runs programs natively and under the `sandbox` CLI built next to the tests.</summary>
public static class SandboxProcess
{
    public sealed record Result(int Exit, string Stdout, string Stderr);

    public static string RepoRoot { get; } = typeof(SandboxProcess).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "RepoRoot").Value!;

    public static string SyscallTestsDir => Path.Combine(RepoRoot, "artifacts", "syscalls");

    /// <summary>The CLI as built into the test output (sandbox.dll with its stub).</summary>
    public static string SandboxDll => Path.Combine(AppContext.BaseDirectory, "sandbox.dll");

    /// <summary>Natively, through sandbox-resetsig: default signal dispositions, as in the sandbox.</summary>
    public static Result Native(string program, params string[] args)
        => Run(Path.Combine(AppContext.BaseDirectory, "sandbox-resetsig"), new[] { program }.Concat(args).ToArray());

    public static Result Sandboxed(string program, params string[] args) => SandboxedOn("ptrace", program, args);

    public static Result SandboxedOn(string platform, string program, params string[] args)
        => SandboxCli(new[] { "run", "--platform", platform, "--" }.Concat(new[] { program }).Concat(args).ToArray());

    private static readonly Lazy<string?> s_kvmSkipReason = new(() =>
    {
        try { using var p = Sandbox.Platforms.Kvm.KvmPlatform.Open(); return null; }
        catch (Sandbox.Platforms.Kvm.PlatformException e) { return $"kvm runs skipped: {e.Message}"; }
    });

    /// <summary>Why the differential tests do not also run on kvm here, or null when they do.</summary>
    public static string? KvmSkipReason => s_kvmSkipReason.Value;

    /// <summary>Every platform that works on this machine: ptrace, and kvm where /dev/kvm does.</summary>
    public static IReadOnlyList<string> Platforms => KvmSkipReason == null ? new[] { "ptrace", "kvm" } : new[] { "ptrace" };

    public static Result SandboxCli(params string[] cliArgs)
        => Run("dotnet", new[] { SandboxDll }.Concat(cliArgs).ToArray());

    public static Result Run(string exe, string[] args, int timeoutMs = 60_000)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            UseShellExecute = false, WorkingDirectory = "/",
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{exe} {string.Join(' ', args)} did not finish in {timeoutMs} ms");
        }
        return new Result(p.ExitCode, so.Result, se.Result);
    }

    /// <summary>Runs natively and sandboxed on every platform; asserts equal stdout and exit status.</summary>
    public static void AssertSame(string program, params string[] args)
    {
        var n = Native(program, args);
        foreach (var platform in Platforms)
        {
            var s = SandboxedOn(platform, program, args);
            var why = new StringBuilder();
            if (n.Exit != s.Exit) why.AppendLine($"exit status: native {n.Exit}, sandbox {s.Exit}");
            if (n.Stdout != s.Stdout) why.AppendLine($"stdout differs.\n--- native\n{n.Stdout}\n--- sandbox\n{s.Stdout}");
            if (why.Length > 0)
                Xunit.Assert.Fail($"{program} {string.Join(' ', args)} on {platform}:\n{why}--- sandbox stderr\n{s.Stderr}");
        }
    }
}
