using System.Diagnostics;
using Sandbox.Shim.Logs;
using Sandbox.Shim.Util;

namespace Sandbox.Shim.Runtime;

/// <summary>A container's live backend process, its log writer, and the task that ends when
/// the process has exited, its output is in the log and its record says so.</summary>
internal sealed class RunningContainer(string id, Process process, CriLogWriter log)
{
    public string Id { get; } = id;
    public Process Process { get; } = process;
    public CriLogWriter Log { get; } = log;
    public Task Finished { get; set; } = Task.CompletedTask;
    /// <summary>Set before a kill by the server, to say why in the status message.</summary>
    public string? ExitMessage { get; set; }

    public void Signal(int sig)
    {
        try { if (!Process.HasExited) Native.Kill(Process.Id, sig); }
        catch (InvalidOperationException) { }
    }

    public void Kill() => Signal(Native.SIGKILL);
}
