using System.Collections.Concurrent;
using Sandbox.MicroVm.Protocol;

namespace Sandbox.MicroVm.Vm;

/// <summary>The host side of the agent protocol over a stream (the virtio-serial port's unix
/// socket). Thread-safe; replies are matched to requests by id, events are routed to the
/// ExecSession they name.</summary>
public sealed class AgentClient : IAsyncDisposable
{
    readonly Stream _stream;
    readonly SemaphoreSlim _writeLock = new(1, 1);
    readonly ConcurrentDictionary<uint, TaskCompletionSource<Message>> _pending = new();
    readonly ConcurrentDictionary<string, ExecSession> _execs = new();
    readonly TaskCompletionSource<Ready> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly CancellationTokenSource _cts = new();
    readonly Task _loop;
    int _nextId;
    volatile Exception? _closed;

    public AgentClient(Stream stream)
    {
        _stream = stream;
        _loop = Task.Run(ReadLoop);
    }

    /// <summary>Completes with the agent's Ready event (sent once when it starts serving).</summary>
    public Task<Ready> Ready => _ready.Task;

    /// <summary>Errors the agent sent with id 0 (frames it could not even attribute).</summary>
    public event Action<Error>? UnsolicitedError;

    async Task ReadLoop()
    {
        try
        {
            while (!_cts.IsCancellationRequested)
            {
                var f = await Codec.ReadFrameAsync(_stream, _cts.Token);
                if (f is null) break;
                var (msg, id, bad) = f.Value;
                if (bad is not null) throw bad;
                Dispatch(id, msg!);
            }
            Close(new IOException("the agent closed the connection"));
        }
        catch (Exception e) { Close(e is OperationCanceledException ? new ObjectDisposedException(nameof(AgentClient)) : e); }
    }

    void Dispatch(uint id, Message m)
    {
        switch (m)
        {
            case Ready r: _ready.TrySetResult(r); return;
            case Output o:
                if (_execs.TryGetValue(o.ExecId, out var x)) x.OnOutput(o.Stream, o.Data);
                return;
            case Exited e:
                if (_execs.TryRemove(e.ExecId, out var y)) y.OnExited(e.ExitCode, e.Signo);
                return;
        }
        if (id != 0 && _pending.TryRemove(id, out var tcs)) tcs.TrySetResult(m);
        else if (m is Error err) UnsolicitedError?.Invoke(err);
    }

    void Close(Exception e)
    {
        _closed ??= e;
        _ready.TrySetException(e);
        foreach (var k in _pending.Keys)
            if (_pending.TryRemove(k, out var t)) t.TrySetException(e);
        foreach (var k in _execs.Keys)
            if (_execs.TryRemove(k, out var x)) x.OnLost(e);
    }

    /// <summary>Sends a request and returns its reply; an Error reply throws AgentErrorException.</summary>
    public async Task<Message> CallAsync(Message request, CancellationToken ct = default)
    {
        if (_closed is { } c) throw new IOException($"agent connection closed: {c.Message}", c);
        uint id = (uint)Interlocked.Increment(ref _nextId);
        var tcs = new TaskCompletionSource<Message>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        await SendAsync(id, request, ct);
        using var reg = ct.Register(() => { if (_pending.TryRemove(id, out var t)) t.TrySetCanceled(ct); });
        var reply = await tcs.Task;
        if (reply is Error e) throw new AgentErrorException(e.Code, e.Text);
        return reply;
    }

    /// <summary>Writes a raw frame (tests use it to send malformed input).</summary>
    public async Task SendRawAsync(byte[] frame, CancellationToken ct = default)
    {
        await _writeLock.WaitAsync(ct);
        try { await _stream.WriteAsync(frame, ct); await _stream.FlushAsync(ct); }
        finally { _writeLock.Release(); }
    }

    /// <summary>Registers a reply slot for a raw frame with this id (tests).</summary>
    public Task<Message> ExpectReply(uint id)
    {
        var tcs = new TaskCompletionSource<Message>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        return tcs.Task;
    }

    Task SendAsync(uint id, Message m, CancellationToken ct) => SendRawAsync(Codec.Encode(id, m), ct);

    public async Task<HelloReply> HelloAsync(CancellationToken ct = default) =>
        (HelloReply)await CallAsync(new Hello(Codec.Version), ct);

    public Task CreateContainerAsync(string id, string rootfs = "", string hostname = "", CancellationToken ct = default) =>
        CallAsync(new CreateContainer(id, rootfs, hostname), ct);

    /// <summary>Creates a container with everything CreateContainer carries (security, paths, sysctls).</summary>
    public Task CreateContainerAsync(CreateContainer request, CancellationToken ct = default) => CallAsync(request, ct);

    public Task DestroyContainerAsync(string id, CancellationToken ct = default) => CallAsync(new DestroyContainer(id), ct);

    public async Task<StatsReply> StatsAsync(CancellationToken ct = default) => (StatsReply)await CallAsync(new Stats(), ct);

    public Task ShutdownAsync(CancellationToken ct = default) => CallAsync(new Shutdown(), ct);

    /// <summary>Starts a process in a container. Output arrives through the session's callback
    /// (in order, on the client's reader) until Exited completes.</summary>
    public async Task<ExecSession> ExecAsync(string containerId, IReadOnlyList<string> argv, IReadOnlyList<string>? env = null,
        string cwd = "/", Action<int, byte[]>? onOutput = null, string? execId = null, CancellationToken ct = default,
        bool tty = false, int rows = 0, int cols = 0)
    {
        execId ??= Guid.NewGuid().ToString("n")[..12];
        var s = new ExecSession(this, execId, onOutput);
        if (!_execs.TryAdd(execId, s)) throw new ArgumentException($"exec {execId} is already running");
        try
        {
            var r = (ExecStarted)await CallAsync(new Exec(containerId, execId, argv, env ?? DefaultEnv, cwd, tty, rows, cols), ct);
            s.Pid = r.Pid;
            return s;
        }
        catch
        {
            _execs.TryRemove(execId, out _);
            throw;
        }
    }

    public static readonly IReadOnlyList<string> DefaultEnv = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "TERM=xterm"];

    public async ValueTask DisposeAsync()
    {
        _cts.Cancel();
        Close(new ObjectDisposedException(nameof(AgentClient)));
        _stream.Dispose();
        try { await _loop; } catch (Exception) { }
    }
}

public sealed class AgentErrorException(int code, string text) : Exception(text)
{
    public int Code { get; } = code;
}

/// <summary>A process started through the agent.</summary>
public sealed class ExecSession
{
    readonly AgentClient _client;
    readonly Action<int, byte[]>? _onOutput;
    readonly TaskCompletionSource<(int ExitCode, int Signo)> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal ExecSession(AgentClient client, string id, Action<int, byte[]>? onOutput)
    {
        _client = client; Id = id; _onOutput = onOutput;
    }

    public string Id { get; }
    /// <summary>The pid in the VM's outer PID namespace.</summary>
    public int Pid { get; internal set; }
    /// <summary>Completes when the process has exited and all its output was delivered.</summary>
    public Task<(int ExitCode, int Signo)> Exited => _exit.Task;

    internal void OnOutput(int stream, byte[] data) { if (data.Length > 0) _onOutput?.Invoke(stream, data); }
    internal void OnExited(int code, int signo) => _exit.TrySetResult((code, signo));
    internal void OnLost(Exception e) => _exit.TrySetException(e);

    public Task WriteStdinAsync(byte[] data, CancellationToken ct = default) =>
        data.Length == 0 ? Task.CompletedTask : _client.CallAsync(new Stdin(Id, data), ct);
    public Task CloseStdinAsync(CancellationToken ct = default) => _client.CallAsync(new Stdin(Id, []), ct);
    public Task SignalAsync(int signo, CancellationToken ct = default) => _client.CallAsync(new Signal(Id, signo), ct);
    public Task ResizeAsync(int rows, int cols, CancellationToken ct = default) => _client.CallAsync(new ResizeTty(Id, rows, cols), ct);
    public async Task<(int ExitCode, int Signo)> WaitAsync(CancellationToken ct = default)
    {
        var r = (WaitResult)await _client.CallAsync(new Wait(Id), ct);
        return (r.ExitCode, r.Signo);
    }
}
