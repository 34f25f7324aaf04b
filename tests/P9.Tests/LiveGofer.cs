using System.Diagnostics;
using System.Text;
using Xunit;

namespace Sandbox.P9.Tests;

/// <summary>A Gofer process started by a test, listening on a unix socket in a temporary directory.</summary>
public sealed class LiveGofer : IDisposable
{
    public static string GoferDll => Path.Combine(AppContext.BaseDirectory, "sandbox-gofer.dll");

    /// <summary>Null when a Gofer can run here; otherwise why not (the tests that need one skip with it).</summary>
    public static string? Unavailable { get; } = Probe();

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return "the Gofer needs Linux";
        if (!File.Exists("/usr/bin/unshare")) return "no /usr/bin/unshare (util-linux) to enter a mount namespace";
        bool root = Linux.Native.Sys.Syscall(107 /*geteuid*/) == 0;
        try
        {
            // What the Gofer itself will do: a container runtime may forbid it even to root.
            using var p = Process.Start(new ProcessStartInfo("/usr/bin/unshare",
                root ? "--mount --propagation private true" : "--user --map-root-user --mount true")
                { RedirectStandardError = true, UseShellExecute = false })!;
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit(10_000);
            return p.ExitCode == 0 ? null
                : root ? $"cannot create a mount namespace here: {err.Trim()}"
                : "not root, and unprivileged user+mount namespaces are unavailable (CI runs as root)";
        }
        catch (Exception e) { return $"cannot probe namespaces: {e.Message}"; }
    }

    public Process Process { get; }
    public string SocketPath { get; }
    private readonly StringBuilder _stderr = new();
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    public LiveGofer(string root, string[]? extraArgs = null, IDictionary<string, string>? env = null, bool waitForSocket = true)
    {
        SocketPath = Path.Combine(Path.GetTempPath(), $"gofer-test-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { GoferDll, "--root", root, "--socket", SocketPath }.Concat(extraArgs ?? [])) psi.ArgumentList.Add(a);
        foreach (var kv in env ?? new Dictionary<string, string>()) psi.Environment[kv.Key] = kv.Value;
        Process = Process.Start(psi)!;
        Process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_stderr) _stderr.AppendLine(e.Data); };
        Process.BeginErrorReadLine();
        Process.OutputDataReceived += (_, _) => { };
        Process.BeginOutputReadLine();
        if (!waitForSocket) return;
        var sw = Stopwatch.StartNew();
        while (!File.Exists(SocketPath))
        {
            if (Process.HasExited) throw new Exception($"the Gofer exited with {Process.ExitCode}: {Stderr}");
            if (sw.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException("the Gofer did not listen within 60 s: " + Stderr);
            Thread.Sleep(20);
        }
    }

    /// <summary>Socket path of volume k (1-based), as the Gofer names them.</summary>
    public string VolumeSocket(int k) => $"{SocketPath}.{k}";

    /// <summary>
    /// Connects to the root (0) or volume k. The socket file appears at bind(2), a moment before
    /// listen(2): a refusal in that window is retried while the Gofer runs.
    /// </summary>
    public P9Client Connect(int volume = 0, uint msize = 1 << 20)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            try { return P9Client.Connect(volume == 0 ? SocketPath : VolumeSocket(volume), msize); }
            catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionRefused
                                                               && !Process.HasExited && sw.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(20);
            }
        }
    }

    public void Dispose()
    {
        try { if (!Process.HasExited) { Process.Kill(); Process.WaitForExit(10_000); } } catch (InvalidOperationException) { }
        Process.Dispose();
        try { File.Delete(SocketPath); } catch (IOException) { }
    }
}

/// <summary>A [Fact] that skips, with the reason, where a Gofer cannot run (not root, no namespaces).</summary>
public sealed class GoferFactAttribute : FactAttribute
{
    public GoferFactAttribute() { if (LiveGofer.Unavailable is { } why) Skip = why; }
}

/// <summary>A temporary directory tree a test serves, removed afterwards.</summary>
public sealed class TempTree : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("gofer-tree-").FullName;
    public string this[string rel] => System.IO.Path.Combine(Path, rel);

    public TempTree File(string rel, string content) { Directory.CreateDirectory(System.IO.Path.GetDirectoryName(this[rel])!); System.IO.File.WriteAllText(this[rel], content); return this; }
    public TempTree Dir(string rel) { Directory.CreateDirectory(this[rel]); return this; }
    public TempTree Symlink(string rel, string target) { System.IO.File.CreateSymbolicLink(this[rel], target); return this; }

    public void Dispose() { try { Directory.Delete(Path, true); } catch (Exception) { } }
}
