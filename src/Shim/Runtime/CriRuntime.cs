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
    /// <summary>The VMs of microvm pods, by pod ID (while the pod is ready).</summary>
    private readonly Dictionary<string, PodVm> _vms = new();
    /// <summary>Containers whose StartContainer is under way (outside the lock, for microvm pods).</summary>
    private readonly HashSet<string> _starting = new();
    private readonly List<Channel<ContainerEventResponse>> _subscribers = new();
    private readonly CancellationTokenSource _shutdown = new();

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
    /// Reads the records left by an earlier run. A container recorded as running is held by its
    /// monitor process, which outlives the server: if the monitor still runs, the container is
    /// running and watched again; if it wrote an exit status, that is the container's; if it
    /// vanished without one, the container is reported exited with 255 and a message saying so.
    /// A microvm pod's VM does not outlive the server: such a pod is not ready any more, and its
    /// running containers are reported exited (255) saying so.
    /// </summary>
    private void Recover()
    {
        foreach (var f in Directory.EnumerateFiles(PodsDir, "*.pb"))
        {
            try { var p = PodRecord.Parser.ParseFrom(File.ReadAllBytes(f)); _pods[p.Id] = p; }
            catch (InvalidProtocolBufferException e) { _log.LogWarning("ignoring unreadable pod record {File}: {Error}", f, e.Message); }
        }
        RecoverCgroups();
        foreach (var f in Directory.EnumerateFiles(ContainersDir, "*.pb"))
        {
            try
            {
                var c = ContainerRecord.Parser.ParseFrom(File.ReadAllBytes(f));
                if (!_pods.ContainsKey(c.PodId)) { File.Delete(f); continue; }
                _containers[c.Id] = c;
                if (c.State != ContainerState.ContainerRunning) continue;
                if (IsVmPod(_pods[c.PodId]))
                {
                    MarkExited(c, 255, "Error", "the pod's VM ended with the CRI server that ran it");
                    continue;
                }
                string dir = ContainerDir(c.Id);
                string output = c.LogPath.Length > 0 ? c.LogPath : Path.Combine(dir, Backends.ContainerMonitor.OutputLog);
                var r = new MonitoredContainer(c.Id, dir, c.Pid, c.PidStartTime, null, output, c.Config.Stdin, NullIfEmpty(_pods[c.PodId].ControlSocket));
                _running[c.Id] = r;
                r.Finished = Task.Run(() => WatchAsync(c.Id, r));
            }
            catch (InvalidProtocolBufferException e) { _log.LogWarning("ignoring unreadable container record {File}: {Error}", f, e.Message); }
        }
        // A Sentry pod whose Sentry is gone is not ready (its containers' clients saw it go and
        // ended, so their monitors recorded their exits).
        foreach (var p in _pods.Values.Where(p => p.State == PodSandboxState.SandboxReady && (IsVmPod(p) || !SentryAlive(p))).ToList())
        {
            p.State = PodSandboxState.SandboxNotready;
            SavePod(p);
        }
        foreach (var p in _pods.Values.Where(p => p.State == PodSandboxState.SandboxReady)) StartHostPorts(p);
    }

    private bool IsVmPod(PodRecord p) => _config.FindHandler(p.RuntimeHandler)?.Backend == "microvm";

    /// <summary>A pod with a Sentry of its own (`sandbox pod serve`).</summary>
    private static bool IsSentryPod(PodRecord p) => p.ControlSocket.Length > 0;

    private static bool SentryAlive(PodRecord p) => IsSentryPod(p) && ProcessIdentity.IsAlive(p.SentryPid, p.SentryStartTime);

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    /// <summary>Records an exit the server decided (no process reported it). Caller holds the lock or owns the record.</summary>
    private void MarkExited(ContainerRecord c, int code, string reason, string message)
    {
        c.State = ContainerState.ContainerExited;
        c.FinishedAt = Clock.NowNs();
        c.ExitCode = code;
        c.Reason = reason;
        c.Message = message;
        c.Pid = 0;
        c.PidStartTime = 0;
        SaveContainer(c);
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

    /// <summary>Stops watching; running Sentry containers go on under their monitors (a new
    /// server picks them up). VMs cannot outlive the server: microvm pods are stopped.</summary>
    public async ValueTask DisposeAsync()
    {
        List<RunningContainer> running;
        List<(string Pod, PodVm Vm)> vms;
        lock (_lock)
        {
            running = _running.Values.ToList();
            vms = _vms.Select(kv => (kv.Key, kv.Value)).ToList();
            foreach (var pod in _hostPorts.Keys.ToList()) StopHostPorts(pod);
        }
        _shutdown.Cancel();
        foreach (var r in running)
        {
            try { await r.Finished.ConfigureAwait(false); } catch (OperationCanceledException) { }
        }
        foreach (var (pod, vm) in vms)
        {
            lock (_lock)
            {
                _vms.Remove(pod);
                foreach (var c in _containers.Values.Where(c => c.PodId == pod && c.State == ContainerState.ContainerRunning))
                {
                    _running.Remove(c.Id);
                    MarkExited(c, 255, "Error", "the CRI server stopped, and with it the pod's VM");
                }
                if (_pods.TryGetValue(pod, out var p)) { p.State = PodSandboxState.SandboxNotready; SavePod(p); }
            }
            await vm.DisposeAsync().ConfigureAwait(false);
        }
        lock (_subscribers) { foreach (var s in _subscribers) s.Writer.TryComplete(); _subscribers.Clear(); }
    }
}
