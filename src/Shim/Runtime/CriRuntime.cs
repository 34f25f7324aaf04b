using System.Threading.Channels;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Runtime.V1;
using Sandbox.Shim.Backends;
using Sandbox.Shim.Config;
using Sandbox.Shim.Images;
using Sandbox.Shim.State;
using Sandbox.Shim.Util;

namespace Sandbox.Shim.Runtime;

/// <summary>
/// Pods and containers: their records (persisted under the state directory, one file each),
/// the CRI state machine over them, and the backend processes that run containers.
/// One lock guards the records; waiting for processes happens outside it.
/// </summary>
public sealed partial class CriRuntime : IAsyncDisposable
{
    private readonly CriConfig _config;
    private readonly ImageStore _images;
    private readonly SandboxCommand _sandbox;
    private readonly ILogger _log;
    private readonly object _lock = new();
    private readonly Dictionary<string, PodRecord> _pods = new();
    private readonly Dictionary<string, ContainerRecord> _containers = new();
    private readonly Dictionary<string, RunningContainer> _running = new();
    private readonly List<Channel<ContainerEventResponse>> _subscribers = new();

    public CriRuntime(CriConfig config, ImageStore images, SandboxCommand sandbox, ILogger log)
    {
        _config = config;
        _images = images;
        _sandbox = sandbox;
        _log = log;
        Directory.CreateDirectory(PodsDir);
        Directory.CreateDirectory(ContainersDir);
        Recover();
    }

    public CriConfig Config => _config;
    public ImageStore Images => _images;
    private string PodsDir => Path.Combine(_config.StateDir, "pods");
    private string ContainersDir => Path.Combine(_config.StateDir, "containers");

    /// <summary>
    /// Reads the records left by an earlier run. Containers cannot outlive the server yet (their
    /// output pipes end with it), so one recorded as running is killed if still alive and
    /// reported as exited, with a message saying why.
    /// </summary>
    private void Recover()
    {
        foreach (var f in Directory.EnumerateFiles(PodsDir, "*.pb"))
        {
            try { var p = PodRecord.Parser.ParseFrom(File.ReadAllBytes(f)); _pods[p.Id] = p; }
            catch (InvalidProtocolBufferException e) { _log.LogWarning("ignoring unreadable pod record {File}: {Error}", f, e.Message); }
        }
        foreach (var f in Directory.EnumerateFiles(ContainersDir, "*.pb"))
        {
            try
            {
                var c = ContainerRecord.Parser.ParseFrom(File.ReadAllBytes(f));
                if (!_pods.ContainsKey(c.PodId)) { File.Delete(f); continue; }
                if (c.State == ContainerState.ContainerRunning)
                {
                    if (ProcessIdentity.IsAlive(c.Pid, c.PidStartTime)) Native.Kill(c.Pid, Native.SIGKILL);
                    c.State = ContainerState.ContainerExited;
                    c.FinishedAt = Clock.NowNs();
                    c.ExitCode = 255;
                    c.Reason = "Error";
                    c.Message = "the CRI server restarted while the container ran; containers do not survive a restart yet";
                    c.Pid = 0;
                    c.PidStartTime = 0;
                    SaveContainer(c);
                }
                _containers[c.Id] = c;
            }
            catch (InvalidProtocolBufferException e) { _log.LogWarning("ignoring unreadable container record {File}: {Error}", f, e.Message); }
        }
    }

    private void SavePod(PodRecord p) => AtomicFile.Write(Path.Combine(PodsDir, p.Id + ".pb"), p.ToByteArray());
    private void SaveContainer(ContainerRecord c) => AtomicFile.Write(Path.Combine(ContainersDir, c.Id + ".pb"), c.ToByteArray());
    private void DeletePodFile(string id) => File.Delete(Path.Combine(PodsDir, id + ".pb"));
    private void DeleteContainerFile(string id) => File.Delete(Path.Combine(ContainersDir, id + ".pb"));

    /// <summary>Exact ID or a unique prefix of one; null if none or ambiguous. Caller holds the lock.</summary>
    private static T? Lookup<T>(Dictionary<string, T> d, string id) where T : class
    {
        if (string.IsNullOrEmpty(id)) return null;
        if (d.TryGetValue(id, out var exact)) return exact;
        T? found = null;
        foreach (var (k, v) in d)
        {
            if (!k.StartsWith(id, StringComparison.Ordinal)) continue;
            if (found != null) return null;
            found = v;
        }
        return found;
    }

    private static void RequireId(string id, string what)
    {
        if (string.IsNullOrEmpty(id)) throw Errors.InvalidArgument($"{what} ID must not be empty");
    }

    // ---- events ----

    public ChannelReader<ContainerEventResponse> Subscribe(CancellationToken ct)
    {
        var ch = Channel.CreateBounded<ContainerEventResponse>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_subscribers) _subscribers.Add(ch);
        ct.Register(() => { lock (_subscribers) _subscribers.Remove(ch); ch.Writer.TryComplete(); });
        return ch.Reader;
    }

    /// <summary>Caller holds the lock (so events leave in the order the state changed).</summary>
    private void Emit(ContainerEventType type, ContainerRecord c)
    {
        List<Channel<ContainerEventResponse>> subs;
        lock (_subscribers) { if (_subscribers.Count == 0) return; subs = _subscribers.ToList(); }
        var ev = new ContainerEventResponse
        {
            ContainerId = c.Id,
            ContainerEventType = type,
            CreatedAt = Clock.NowNs(),
        };
        if (_pods.TryGetValue(c.PodId, out var pod)) ev.PodSandboxStatus = PodStatus(pod);
        ev.ContainersStatuses.Add(ContainerStatusOf(c));
        foreach (var s in subs) s.Writer.TryWrite(ev);
    }

    public async ValueTask DisposeAsync()
    {
        List<RunningContainer> running;
        lock (_lock) running = _running.Values.ToList();
        foreach (var r in running) r.Kill();
        foreach (var r in running)
        {
            r.ExitMessage ??= "the CRI server stopped";
            await r.Finished.ConfigureAwait(false);
        }
        lock (_subscribers) { foreach (var s in _subscribers) s.Writer.TryComplete(); _subscribers.Clear(); }
    }
}
