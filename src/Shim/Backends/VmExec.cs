using System.Buffers;
using System.IO.Pipelines;
using Sandbox.MicroVm.Vm;
using Sandbox.Shim.Runtime;

namespace Sandbox.Shim.Backends;

/// <summary>
/// A process the guest agent runs in a container of the pod's VM, seen as an ExecProcess: the
/// agent's Output events fill two pipes (never blocking the agent connection's reader, which
/// serves every process of the VM), stdin and signals are agent requests.
/// </summary>
internal sealed class VmExec : ExecProcess
{
    private readonly Pipe _out = new(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0));
    private readonly Pipe _err = new(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0));
    private readonly object _lock = new();
    private ExecSession? _session;
    private bool _stdinClosed, _completed;

    public override Stream Stdout { get; }
    public override Stream Stderr { get; }
    public ExecSession Session => _session ?? throw new InvalidOperationException("not started");

    private VmExec()
    {
        Stdout = _out.Reader.AsStream();
        Stderr = _err.Reader.AsStream();
    }

    /// <summary>Starts argv in container <paramref name="containerId"/> of the VM.</summary>
    public static async Task<VmExec> StartAsync(AgentClient agent, string containerId, IReadOnlyList<string> argv, IReadOnlyList<string> env,
        string cwd, bool tty, int rows, int cols, CancellationToken ct)
    {
        var x = new VmExec();
        try
        {
            x._session = await agent.ExecAsync(containerId, argv, env, cwd, x.OnOutput, ct: ct, tty: tty, rows: rows, cols: cols).ConfigureAwait(false);
        }
        catch
        {
            x.Complete();
            throw;
        }
        // Exited completes after the last Output event: the pipes then end.
        _ = x._session.Exited.ContinueWith(_ => x.Complete(), TaskScheduler.Default);
        return x;
    }

    private void OnOutput(int stream, byte[] data)
    {
        lock (_lock)
        {
            // Runs on the agent connection's reader: it must never throw.
            if (_completed) return;
            var w = stream == 2 ? _err.Writer : _out.Writer;
            w.Write(data);
            _ = w.FlushAsync(); // never pauses (no threshold)
        }
    }

    private void Complete()
    {
        lock (_lock)
        {
            if (_completed) return;
            _completed = true;
            _out.Writer.Complete();
            _err.Writer.Complete();
        }
    }

    public override async Task WriteStdinAsync(ReadOnlyMemory<byte> data)
    {
        try { await Session.WriteStdinAsync(data.ToArray()).ConfigureAwait(false); }
        catch (AgentErrorException e) { throw new IOException($"stdin: {e.Message}", e); }
    }

    public override async Task CloseStdinAsync()
    {
        lock (_lock) { if (_stdinClosed) return; _stdinClosed = true; }
        try { await Session.CloseStdinAsync().ConfigureAwait(false); }
        catch (Exception e) when (e is AgentErrorException or IOException or ObjectDisposedException) { } // already gone
    }

    /// <summary>The agent reports 128+N for signal N; a VM that went away reports 255.</summary>
    public override async Task<int> WaitAsync(CancellationToken ct)
    {
        try { return (await Session.Exited.WaitAsync(ct).ConfigureAwait(false)).ExitCode; }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { return 255; }
    }

    public override void Kill() => _ = SignalAsync(9);

    public async Task SignalAsync(int signo)
    {
        try { await Session.SignalAsync(signo).ConfigureAwait(false); }
        catch (Exception e) when (e is AgentErrorException or IOException or ObjectDisposedException) { } // exited meanwhile
    }

    public override async Task ResizeAsync(int rows, int cols)
    {
        if (rows <= 0 || cols <= 0) return;
        try { await Session.ResizeAsync(rows, cols).ConfigureAwait(false); }
        catch (Exception e) when (e is AgentErrorException or IOException or ObjectDisposedException) { }
    }
}
