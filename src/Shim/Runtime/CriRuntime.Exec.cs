using System.Diagnostics;
using Google.Protobuf;
using Runtime.V1;
using Sandbox.Shim.Backends;
using Sandbox.Shim.State;

namespace Sandbox.Shim.Runtime;

public sealed partial class CriRuntime
{
    private const int MaxExecOutput = 16 * 1024 * 1024;

    /// <summary>
    /// Runs a command in a running container and waits for it. In a microvm pod the agent runs
    /// it in the container (its namespaces and root); in a Sentry pod the pod's Sentry runs it
    /// in the container (`sandbox pod exec`): its root, files and processes.
    /// </summary>
    public async Task<ExecSyncResponse> ExecSyncAsync(ExecSyncRequest req, CancellationToken ct)
    {
        RequireId(req.ContainerId, "container");
        if (req.Cmd.Count == 0) throw Errors.InvalidArgument("cmd must not be empty");
        using var p = await StartExecAsync(req.ContainerId, req.Cmd, tty: false, ct).ConfigureAwait(false);
        await p.CloseStdinAsync().ConfigureAwait(false);
        var stdout = ReadCapped(p.Stdout);
        var stderr = ReadCapped(p.Stderr);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (req.Timeout > 0) cts.CancelAfter(TimeSpan.FromSeconds(req.Timeout));
        int code;
        try { code = await p.WaitAsync(cts.Token).ConfigureAwait(false); }
        catch (OperationCanceledException)
        {
            p.Kill();
            // What the command started may hold its output open after it is gone: do not wait for ever.
            try { await p.WaitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false); }
            catch (TimeoutException) { }
            if (ct.IsCancellationRequested) throw;
            throw Errors.DeadlineExceeded($"command timed out after {req.Timeout} s");
        }
        return new ExecSyncResponse
        {
            Stdout = ByteString.CopyFrom(await stdout.ConfigureAwait(false)),
            Stderr = ByteString.CopyFrom(await stderr.ConfigureAwait(false)),
            ExitCode = code,
        };
    }

    /// <summary>
    /// Starts a command in a running container (see ExecSyncAsync), with stdin, stdout and
    /// stderr for the caller; with tty on a terminal of the container's (stderr then goes with
    /// stdout).
    /// </summary>
    internal async Task<ExecProcess> StartExecAsync(string containerId, IReadOnlyList<string> cmd, bool tty, CancellationToken ct)
    {
        PodVm? vm;
        ContainerRecord c;
        lock (_lock)
        {
            c = Lookup(_containers, containerId) ?? throw Errors.NotFound($"container {containerId} not found");
            if (c.State != ContainerState.ContainerRunning) throw Errors.FailedPrecondition($"container {c.Id} is {Describe(c.State)}, not running");
            if (!_vms.TryGetValue(c.PodId, out vm))
            {
                var pod = _pods[c.PodId];
                if (!SentryAlive(pod)) throw Errors.FailedPrecondition($"exec in container {c.Id}: the pod's Sentry is gone");
                string? pidFile = tty ? Path.Combine(ContainerDir(c.Id), $"exec-{Guid.NewGuid():n}.pid") : null;
                return new SentryExec(Process.Start(_sandbox.StartInfo((SpecFor(pod, c, cmd, exec: true) with { Tty = tty })
                    .PodExecArguments(pod.ControlSocket, c.Id, pidFile)))!, pod.ControlSocket, c.Id, pidFile);
            }
        }
        try { return await vm.ExecAsync(c.Id, cmd, c.Env, c.Cwd, tty, 24, 80, ct).ConfigureAwait(false); }
        catch (Sandbox.MicroVm.Vm.AgentErrorException e)
        {
            // The agent's errno: ENOENT / EACCES for the program, ESRCH for a container that is gone.
            throw e.Code is 2 or 13 ? Errors.InvalidArgument($"exec {cmd[0]}: {e.Message}") : Errors.FailedPrecondition($"exec in container {c.Id}: {e.Message}");
        }
        catch (IOException e) { throw Errors.FailedPrecondition($"exec in container {c.Id}: the pod's VM is gone: {e.Message}"); }
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

    /// <summary>
    /// A URL on the streaming server for port-forward streams into the pod: a microvm pod's
    /// ports are reached through its agent, a Sentry pod's through its Sentry (a connection
    /// made in the pod's own stack), a host-network pod's are the host's.
    /// </summary>
    public PortForwardResponse PortForward(PortForwardRequest req)
    {
        RequireId(req.PodSandboxId, "pod sandbox");
        string id;
        lock (_lock)
        {
            var pod = Lookup(_pods, req.PodSandboxId) ?? throw Errors.NotFound($"pod sandbox {req.PodSandboxId} not found");
            if (pod.State != PodSandboxState.SandboxReady) throw Errors.FailedPrecondition($"pod sandbox {pod.Id} is not ready");
            if (!_vms.ContainsKey(pod.Id) && !SentryAlive(pod))
                throw Errors.FailedPrecondition($"port forwarding into pod {pod.Id}: the pod's Sentry is gone");
            foreach (var port in req.Port)
                if (port is < 1 or > 65535) throw Errors.InvalidArgument($"port {port} is outside 1 .. 65535");
            id = pod.Id;
        }
        var server = Streaming ?? throw Errors.Unavailable("the streaming server is not running");
        return new PortForwardResponse { Url = server.RegisterPortForward(id, req) };
    }

    /// <summary>
    /// A connection to a port of a pod: through the agent of a microvm pod (see
    /// PodVm.ConnectAsync), the Sentry of a Sentry pod (PodSentry.PortForward), or straight to
    /// the host's localhost for a pod on the host's network (127.0.0.1, then ::1, as the kubelet
    /// dials "localhost"). IOException says why it cannot be made.
    /// </summary>
    internal async Task<ExecProcess> ConnectAsync(string podId, int port, CancellationToken ct)
    {
        PodVm? vm;
        PodRecord? pod;
        lock (_lock)
        {
            _vms.TryGetValue(podId, out vm);
            pod = _pods.GetValueOrDefault(podId);
        }
        if (vm != null)
        {
            try { return await vm.ConnectAsync(port, ct).ConfigureAwait(false); }
            catch (Sandbox.MicroVm.Vm.AgentErrorException e) { throw new IOException(e.Message, e); }
        }
        if (pod == null || pod.State != PodSandboxState.SandboxReady || string.IsNullOrEmpty(pod.ControlSocket))
            throw new IOException($"pod {podId} is not ready");
        if (pod.Config.Linux?.SecurityContext?.NamespaceOptions?.Network == NamespaceMode.Node)
            return new SocketConnection(await ConnectLocalhostAsync(port, ct).ConfigureAwait(false));
        return new SocketConnection(await Task.Run(() => PodSentry.PortForward(pod.ControlSocket, port), ct).ConfigureAwait(false));
    }

    private static async Task<System.Net.Sockets.Socket> ConnectLocalhostAsync(int port, CancellationToken ct)
    {
        var errors = new List<string>();
        foreach (var addr in new[] { System.Net.IPAddress.Loopback, System.Net.IPAddress.IPv6Loopback })
        {
            var s = new System.Net.Sockets.Socket(addr.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            try
            {
                await s.ConnectAsync(new System.Net.IPEndPoint(addr, port), ct).ConfigureAwait(false);
                return s;
            }
            catch (System.Net.Sockets.SocketException e)
            {
                s.Dispose();
                errors.Add($"{new System.Net.IPEndPoint(addr, port)}: {e.Message}");
            }
        }
        throw new IOException("connect to " + string.Join("; ", errors));
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
