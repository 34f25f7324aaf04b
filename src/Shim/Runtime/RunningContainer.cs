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

    private readonly List<Action<string, ReadOnlyMemory<byte>>> _taps = new();

    /// <summary>The container's stdin while it is open (config.stdin), for Attach.</summary>
    public Stream? Stdin { get; set; }
    public bool StdinOnce { get; set; }

    /// <summary>Sees every chunk of output ("stdout"/"stderr") from now on, until removed (Attach).</summary>
    public void AddTap(Action<string, ReadOnlyMemory<byte>> tap) { lock (_taps) _taps.Add(tap); }
    public void RemoveTap(Action<string, ReadOnlyMemory<byte>> tap) { lock (_taps) _taps.Remove(tap); }

    public void Publish(string stream, ReadOnlyMemory<byte> data)
    {
        Action<string, ReadOnlyMemory<byte>>[] taps;
        lock (_taps) taps = _taps.ToArray();
        foreach (var t in taps) t(stream, data);
    }

    /// <summary>Closes the container's stdin (stdin_once after the first attach, or at exit).</summary>
    public void CloseStdin()
    {
        var s = Stdin;
        Stdin = null;
        try { s?.Close(); } catch (IOException) { }
    }

    public void Signal(int sig)
    {
        try { if (!Process.HasExited) Native.Kill(Process.Id, sig); }
        catch (InvalidOperationException) { }
    }

    public void Kill() => Signal(Native.SIGKILL);
}
