using System.Diagnostics;

namespace Sandbox.Netstack.Tests;

/// <summary>Runs host networking commands (ip, tc, ethtool, ping, curl) for the interop tests.</summary>
internal static class HostNet
{
    public static (int Code, string Out, string Err) Run(string file, string args, int timeoutMs = 60_000, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin != null, UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        if (stdin != null) { p.StandardInput.Write(stdin); p.StandardInput.Close(); }
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs)) { try { p.Kill(true); } catch { } return (-1, o.Result, "timed out"); }
        p.WaitForExit();
        return (p.ExitCode, o.Result, e.Result);
    }

    public static string? Which(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"]))
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        return null;
    }

    public static void Must(string file, string args)
    {
        var (c, o, e) = Run(file, args);
        if (c != 0) throw new InvalidOperationException($"{file} {args}: exit {c}: {e}{o}");
    }
}
