using System.Diagnostics;

namespace Sandbox.Shim.Runtime;

/// <summary>
/// A command started in a container for ExecSync or a streaming Exec: its output streams to
/// read, its stdin to write, its exit status. A Sentry exec is a `sandbox run` process; a
/// MicroVm exec is a process the guest agent started in the container.
/// </summary>
internal abstract class ExecProcess : IDisposable
{
    /// <summary>stdout (and, with a terminal, everything the program writes).</summary>
    public abstract Stream Stdout { get; }
    public abstract Stream Stderr { get; }
    public abstract Task WriteStdinAsync(ReadOnlyMemory<byte> data);
    public abstract Task CloseStdinAsync();
    /// <summary>The exit status (128+N for signal N) once the program has exited.</summary>
    public abstract Task<int> WaitAsync(CancellationToken ct);
    public abstract void Kill();
    /// <summary>New terminal size for an exec with a tty; ignored without one.</summary>
    public virtual Task ResizeAsync(int rows, int cols) => Task.CompletedTask;
    public virtual void Dispose() { }
}

/// <summary>An exec that is its own `sandbox run` (see CriRuntime.ExecSyncAsync).</summary>
internal sealed class SentryExec(Process p, string? control = null, string? containerId = null, string? pidFile = null) : ExecProcess
{
    /// <summary>A tty exec's new size goes to the pod's Sentry (`resize`) for the exec's pid in the
    /// pod, which `pod exec --pid-file` writes once the program runs.</summary>
    public override async Task ResizeAsync(int rows, int cols)
    {
        if (control == null || containerId == null || pidFile == null) return;
        for (int i = 0; i < 500 && !File.Exists(pidFile); i++)
        {
            if (p.HasExited) return;
            await Task.Delay(10).ConfigureAwait(false);
        }
        string pid;
        try { pid = File.ReadAllText(pidFile).Trim(); }
        catch (IOException) { return; }
        await Task.Run(() => Backends.PodSentry.TryCall(control, "resize", containerId, pid,
            rows.ToString(System.Globalization.CultureInfo.InvariantCulture), cols.ToString(System.Globalization.CultureInfo.InvariantCulture))).ConfigureAwait(false);
    }

    public override Stream Stdout => p.StandardOutput.BaseStream;
    public override Stream Stderr => p.StandardError.BaseStream;

    public override async Task WriteStdinAsync(ReadOnlyMemory<byte> data)
    {
        await p.StandardInput.BaseStream.WriteAsync(data).ConfigureAwait(false);
        await p.StandardInput.BaseStream.FlushAsync().ConfigureAwait(false);
    }

    public override Task CloseStdinAsync()
    {
        try { p.StandardInput.Close(); } catch (IOException) { }
        return Task.CompletedTask;
    }

    public override async Task<int> WaitAsync(CancellationToken ct)
    {
        await p.WaitForExitAsync(ct).ConfigureAwait(false);
        return p.ExitCode;
    }

    public override void Kill()
    {
        try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
    }

    public override void Dispose()
    {
        p.Dispose();
        if (pidFile != null) try { File.Delete(pidFile); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
