using System.Collections.Concurrent;
using System.Diagnostics;

namespace Sandbox.Shim.Backends;

/// <summary>
/// Asks the `sandbox` command once per platform whether that platform can start: it runs a
/// program that does not exist, so the answer is 127 (platform fine) or 125 with the reason.
/// </summary>
public static class PlatformProbe
{
    private static readonly ConcurrentDictionary<string, string?> Cache = new();

    /// <returns>null when the platform works, else why not.</returns>
    public static string? Check(SandboxCommand sandbox, string platform)
        => Cache.GetOrAdd(string.Join('\0', sandbox.Command) + "\0" + platform, _ => Probe(sandbox, platform));

    private static string? Probe(SandboxCommand sandbox, string platform)
    {
        string empty = Path.Combine(Path.GetTempPath(), "sandbox-cri-probe-" + Environment.ProcessId);
        Directory.CreateDirectory(empty);
        try
        {
            var psi = sandbox.StartInfo(new[] { "run", "--platform", platform, "--rootfs", empty, "--", "/.probe" });
            using var p = Process.Start(psi)!;
            p.StandardInput.Close();
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(30_000)) { p.Kill(true); return "the sandbox command did not answer within 30 s"; }
            if (p.ExitCode == 127) return null;
            string msg = err.Result.Trim();
            return msg.Length > 0 ? msg : $"sandbox run exited with status {p.ExitCode}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"cannot start {sandbox.Command[0]}: {e.Message}";
        }
        finally { try { Directory.Delete(empty); } catch (IOException) { } }
    }
}
