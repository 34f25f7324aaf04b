using System.Diagnostics;
using Google.Protobuf;
using Runtime.V1;

namespace Sandbox.Shim.Runtime;

public sealed partial class CriRuntime
{
    private const int MaxExecOutput = 16 * 1024 * 1024;

    /// <summary>
    /// Runs a command "in" a running container and waits for it. With one Sentry per container
    /// (no multi-process Sentry yet) the command is its own `sandbox run` on the container's
    /// root filesystem, environment, working directory and platform: it sees the same files,
    /// not the container's processes.
    /// </summary>
    public async Task<ExecSyncResponse> ExecSyncAsync(ExecSyncRequest req, CancellationToken ct)
    {
        RequireId(req.ContainerId, "container");
        if (req.Cmd.Count == 0) throw Errors.InvalidArgument("cmd must not be empty");
        using var p = StartExec(req.ContainerId, req.Cmd);
        p.StandardInput.Close();
        var stdout = ReadCapped(p.StandardOutput.BaseStream);
        var stderr = ReadCapped(p.StandardError.BaseStream);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (req.Timeout > 0) cts.CancelAfter(TimeSpan.FromSeconds(req.Timeout));
        try { await p.WaitForExitAsync(cts.Token).ConfigureAwait(false); }
        catch (OperationCanceledException)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await p.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            if (ct.IsCancellationRequested) throw;
            throw Errors.DeadlineExceeded($"command timed out after {req.Timeout} s");
        }
        return new ExecSyncResponse
        {
            Stdout = ByteString.CopyFrom(await stdout.ConfigureAwait(false)),
            Stderr = ByteString.CopyFrom(await stderr.ConfigureAwait(false)),
            ExitCode = p.ExitCode,
        };
    }

    /// <summary>
    /// Starts a command in a running container (as its own `sandbox run`, see ExecSyncAsync),
    /// with stdin, stdout and stderr as pipes for the caller.
    /// </summary>
    internal Process StartExec(string containerId, IReadOnlyList<string> cmd)
    {
        Backends.SentryProcessSpec spec;
        lock (_lock)
        {
            var c = Lookup(_containers, containerId) ?? throw Errors.NotFound($"container {containerId} not found");
            if (c.State != ContainerState.ContainerRunning) throw Errors.FailedPrecondition($"container {c.Id} is {Describe(c.State)}, not running");
            spec = SpecFor(_pods[c.PodId], c, cmd);
        }
        return Process.Start(_sandbox.StartInfo(spec.RunArguments()))!;
    }

    /// <summary>Validates an Exec/Attach target: the container exists and runs; returns its full ID.</summary>
    internal string RequireRunning(string containerId)
    {
        RequireId(containerId, "container");
        lock (_lock)
        {
            var c = Lookup(_containers, containerId) ?? throw Errors.NotFound($"container {containerId} not found");
            if (c.State != ContainerState.ContainerRunning) throw Errors.FailedPrecondition($"container {c.Id} is {Describe(c.State)}, not running");
            return c.Id;
        }
    }

    /// <summary>The streaming server, once started (Exec and Attach URLs point at it).</summary>
    public Streaming.StreamingServer? Streaming { get; internal set; }

    public ExecResponse Exec(ExecRequest req)
    {
        string id = RequireRunning(req.ContainerId);
        if (req.Cmd.Count == 0) throw Errors.InvalidArgument("cmd must not be empty");
        CheckStreams(req.Stdin, req.Stdout, req.Stderr, req.Tty);
        var server = Streaming ?? throw Errors.Unavailable("the streaming server is not running");
        return new ExecResponse { Url = server.Register(id, req, null) };
    }

    public AttachResponse Attach(AttachRequest req)
    {
        string id = RequireRunning(req.ContainerId);
        CheckStreams(req.Stdin, req.Stdout, req.Stderr, req.Tty);
        var server = Streaming ?? throw Errors.Unavailable("the streaming server is not running");
        return new AttachResponse { Url = server.Register(id, null, req) };
    }

    private static void CheckStreams(bool stdin, bool stdout, bool stderr, bool tty)
    {
        if (!stdin && !stdout && !stderr) throw Errors.InvalidArgument("one of stdin, stdout or stderr must be set");
        if (tty && stderr) throw Errors.InvalidArgument("tty and stderr cannot both be set");
    }

    /// <summary>The running container's process handle, for Attach; null if it is not running.</summary>
    internal RunningContainer? Running(string containerId)
    {
        lock (_lock) return _running.GetValueOrDefault(containerId);
    }

    private static async Task<byte[]> ReadCapped(Stream s)
    {
        var ms = new MemoryStream();
        var buf = new byte[8192];
        int n;
        while ((n = await s.ReadAsync(buf).ConfigureAwait(false)) > 0)
            if (ms.Length < MaxExecOutput) ms.Write(buf, 0, (int)Math.Min(n, MaxExecOutput - ms.Length));
        return ms.ToArray();
    }
}
