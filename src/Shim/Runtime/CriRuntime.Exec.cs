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
        Backends.SentryProcessSpec spec;
        lock (_lock)
        {
            var c = Lookup(_containers, req.ContainerId) ?? throw Errors.NotFound($"container {req.ContainerId} not found");
            if (c.State != ContainerState.ContainerRunning) throw Errors.FailedPrecondition($"container {c.Id} is {Describe(c.State)}, not running");
            spec = SpecFor(_pods[c.PodId], c, req.Cmd);
        }
        using var p = Process.Start(_sandbox.StartInfo(spec.RunArguments()))!;
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
