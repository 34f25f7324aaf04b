namespace Sandbox.Shim.Runtime;

/// <summary>
/// A running container as the server sees it, whatever runs it: a monitor process around a
/// Sentry (<see cref="MonitoredContainer"/>) or a process in the pod's VM
/// (<see cref="VmContainer"/>). Finished ends when the container has exited and its record says so.
/// </summary>
internal abstract class RunningContainer(string id, string outputLog, bool hasStdin)
{
    public string Id { get; } = id;
    /// <summary>The CRI log the container's output goes to (the pod's log path, or a private one): Attach follows it.</summary>
    public string OutputLog { get; } = outputLog;
    public bool HasStdin { get; } = hasStdin;
    public Task Finished { get; set; } = Task.CompletedTask;
    /// <summary>Set before a kill by the server, to say why in the status message.</summary>
    public string? ExitMessage { get; set; }

    /// <summary>The exit status once the container has exited; null if it was lost without one.</summary>
    public abstract Task<int?> WaitForExitCodeAsync(CancellationToken ct);

    /// <summary>The stop signal, delivered to the container's program.</summary>
    public abstract void Signal(int signal);

    /// <summary>SIGKILL for the program; with <paramref name="everything"/>, also for what holds it
    /// (its monitor, or every process of the container).</summary>
    public abstract void Kill(bool everything);

    /// <summary>Opens the log file again at its path (after the kubelet rotated it).</summary>
    public abstract void ReopenLog();

    /// <summary>CPU time in nanoseconds and resident bytes, from the backend's accounting.</summary>
    public abstract (ulong CpuNs, ulong RssBytes) Usage();

    /// <summary>A stream to the container's stdin for one Attach; null when it has none (left).
    /// Disposing it ends the attach's input (and closes stdin for stdin_once containers).</summary>
    public abstract Task<Stream?> OpenStdinAsync();

    /// <summary>New terminal size for a container started with a tty; ignored without one.</summary>
    public virtual Task ResizeAsync(int rows, int cols) => Task.CompletedTask;
}
