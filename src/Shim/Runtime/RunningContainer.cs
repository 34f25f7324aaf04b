using System.Diagnostics;
using Sandbox.Shim.Backends;
using Sandbox.Shim.Util;

namespace Sandbox.Shim.Runtime;

/// <summary>
/// A running container as the server sees it: its monitor process (`sandbox cri monitor`, a
/// child of this server or, after a restart, of nobody we know), the files the monitor keeps
/// in the container's directory, and the task that ends when the container has exited and its
/// record says so.
/// </summary>
internal sealed class RunningContainer(string id, string dir, int monitorPid, ulong monitorStart, Process? monitor, string outputLog, bool hasStdin)
{
    public string Id { get; } = id;
    public string Dir { get; } = dir;
    /// <summary>The CRI log the monitor writes (the pod's log path, or a private one): Attach follows it.</summary>
    public string OutputLog { get; } = outputLog;
    public bool HasStdin { get; } = hasStdin;
    public Task Finished { get; set; } = Task.CompletedTask;
    /// <summary>Set before a kill by the server, to say why in the status message.</summary>
    public string? ExitMessage { get; set; }

    public bool MonitorAlive => monitor is { } m ? !HasExitedSafe(m) : ProcessIdentity.IsAlive(monitorPid, monitorStart);

    private static bool HasExitedSafe(Process p)
    {
        try { return p.HasExited; } catch (InvalidOperationException) { return true; }
    }

    /// <summary>The `sandbox run` process, once the monitor has started it and while it lives; else 0.</summary>
    public int ChildPid()
    {
        try
        {
            var parts = File.ReadAllText(Path.Combine(Dir, ContainerMonitor.ChildFile)).Split(' ');
            int pid = int.Parse(parts[0]);
            return ProcessIdentity.IsAlive(pid, ulong.Parse(parts[1])) ? pid : 0;
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException) { return 0; }
    }

    public void SignalMonitor(int sig)
    {
        if (MonitorAlive) Native.Kill(monitorPid, sig);
    }

    /// <summary>A signal for the program: to `sandbox run` itself (the monitor until it has started it).</summary>
    public void SignalChild(int sig)
    {
        int pid = ChildPid();
        if (pid > 0) Native.Kill(pid, sig);
        else SignalMonitor(sig);
    }

    /// <summary>Waits for the exit status the monitor writes; null if the monitor died without one.</summary>
    public async Task<int?> WaitForExitCodeAsync(CancellationToken ct)
    {
        string exitFile = Path.Combine(Dir, ContainerMonitor.ExitFile);
        while (true)
        {
            if (File.Exists(exitFile) && int.TryParse(File.ReadAllText(exitFile).Trim(), out int code)) return code;
            if (!MonitorAlive)
            {
                if (File.Exists(exitFile) && int.TryParse(File.ReadAllText(exitFile).Trim(), out code)) return code;
                return null;
            }
            if (monitor != null)
            {
                try { await monitor.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromMilliseconds(200), ct).ConfigureAwait(false); }
                catch (TimeoutException) { }
            }
            else await Task.Delay(50, ct).ConfigureAwait(false);
        }
    }
}
