using System.Diagnostics;
using Sandbox.Shim.Backends;
using Sandbox.Shim.Util;

namespace Sandbox.Shim.Runtime;

/// <summary>
/// A Sentry container held by its monitor process (`sandbox cri monitor`, a child of this
/// server or, after a restart, of nobody we know), and the files the monitor keeps in the
/// container's directory.
/// </summary>
internal sealed class MonitoredContainer(string id, string dir, int monitorPid, ulong monitorStart, Process? monitor, string outputLog, bool hasStdin,
    string? podSocket = null)
    : RunningContainer(id, outputLog, hasStdin)
{
    public string Dir { get; } = dir;

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

    private void SignalMonitor(int sig)
    {
        if (MonitorAlive) Native.Kill(monitorPid, sig);
    }

    /// <summary>A signal for the program: to `sandbox run` itself (the monitor until it has started it).</summary>
    private void SignalChild(int sig)
    {
        int pid = ChildPid();
        if (pid > 0) Native.Kill(pid, sig);
        else SignalMonitor(sig);
    }

    /// <summary>
    /// In a pod's Sentry, any signal goes to the container's first process through the pod.
    /// Otherwise the monitor forwards the signals `sandbox run` forwards; others go to `sandbox run` itself.
    /// </summary>
    public override void Signal(int signal)
    {
        if (podSocket != null && PodSentry.TryCall(podSocket, "signal", Id, "0", signal.ToString()) != null) return;
        if (signal is Native.SIGTERM or 1 or 2 or 3) SignalMonitor(signal); else SignalChild(signal);
    }

    public override void Kill(bool everything)
    {
        if (everything)
        {
            if (podSocket != null) PodSentry.TryCall(podSocket, "destroy", Id);
            SignalMonitor(Native.SIGKILL); // a monitor that does not report the exit goes too
        }
        else if (podSocket == null || PodSentry.TryCall(podSocket, "signal", Id, "0", "9") == null) SignalChild(Native.SIGKILL);
    }

    /// <summary>A container created with tty: the new size of its terminal, for its first process
    /// in the pod (the Sentry's `pid` request names it once it runs).</summary>
    public override Task ResizeAsync(int rows, int cols)
    {
        if (podSocket == null) return Task.CompletedTask;
        return Task.Run(() =>
        {
            if (PodSentry.TryCall(podSocket, "pid", Id) is ["ok", var pid, ..] && pid != "0")
                PodSentry.TryCall(podSocket, "resize", Id, pid, rows.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    cols.ToString(System.Globalization.CultureInfo.InvariantCulture));
        });
    }

    /// <summary>The monitor, told by SIGUSR1, reopens the same path and writes there from then on.</summary>
    public override void ReopenLog() => SignalMonitor(10);

    public override (ulong CpuNs, ulong RssBytes) Usage()
    {
        if (podSocket != null) return PodSentry.Usage(podSocket, Id);
        int child = ChildPid();
        return child > 0 ? ProcessIdentity.Usage(child) : (0UL, 0UL);
    }

    /// <summary>The monitor's stdin FIFO; a monitor that is still starting has not opened its end yet, so retry for a while.</summary>
    public override async Task<Stream?> OpenStdinAsync()
    {
        string path = Path.Combine(Dir, ContainerMonitor.StdinFifo);
        for (int i = 0; HasStdin && i < 200 && !Finished.IsCompleted; i++)
        {
            if (ContainerMonitor.OpenStdinForWriting(path) is { } fifo) return fifo;
            await Task.Delay(25).ConfigureAwait(false);
        }
        return null;
    }

    /// <summary>Waits for the exit status the monitor writes; null if the monitor died without one.</summary>
    public override async Task<int?> WaitForExitCodeAsync(CancellationToken ct)
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
