using Runtime.V1;
using Sandbox.MicroVm.Vm;
using Sandbox.Shim.Backends;
using Sandbox.Shim.Config;
using Sandbox.Shim.State;
using Sandbox.Shim.Util;

namespace Sandbox.Shim.Runtime;

public sealed partial class CriRuntime
{
    /// <summary>Resolves a runtime_handler to its configuration, refusing what cannot run pods.</summary>
    public HandlerConfig ResolveHandler(string name)
    {
        var h = _config.FindHandler(name)
            ?? throw Errors.InvalidArgument($"unknown runtime handler '{name}' (configured: {string.Join(", ", _config.EffectiveHandlers.Select(x => x.Name))})");
        if (h.Backend == "microvm")
        {
            if (PodVm.UnavailableReason() is { } vmWhy)
                throw Errors.FailedPrecondition($"runtime handler '{h.Name}': no VM can start here: {vmWhy}");
            return h;
        }
        if (PlatformProbe.Check(_sandbox, h.Platform) is { } why)
            throw Errors.FailedPrecondition($"runtime handler '{h.Name}': the Sentry's {h.Platform} platform is not available here: {why}");
        return h;
    }

    public async Task<string> RunPodSandboxAsync(RunPodSandboxRequest req, CancellationToken ct)
    {
        var cfg = req.Config ?? throw Errors.InvalidArgument("config is required");
        var md = cfg.Metadata ?? throw Errors.InvalidArgument("config.metadata is required");
        if (string.IsNullOrEmpty(md.Name)) throw Errors.InvalidArgument("config.metadata.name must not be empty");
        var handler = ResolveHandler(req.RuntimeHandler);
        if (!string.IsNullOrEmpty(cfg.LogDirectory)) Directory.CreateDirectory(cfg.LogDirectory);
        string name = $"{md.Name}_{md.Namespace}_{md.Uid}_{md.Attempt}";
        lock (_lock) CheckPodName(md, name, reserve: true);
        PodVm? vm = null;
        string id = Ids.New(), socket = "";
        int sentryPid = 0;
        bool started = false;
        PodNetwork? net = null;
        PodCgroup? cgroup = null;
        try
        {
            if (handler.Backend == "sentry")
            {
                socket = PodSentry.SocketPath(PodsDir, id);
                // A pod sharing one PID namespace has PID 1 of its own (Kubernetes' pause container);
                // otherwise the first container's program is PID 1.
                bool podPid = cfg.Linux?.SecurityContext?.NamespaceOptions?.Pid == NamespaceMode.Pod;
                bool hostNetwork = cfg.Linux?.SecurityContext?.NamespaceOptions?.Network == NamespaceMode.Node;
                // hostIPC: the pod's System V IPC is the host's (the Sentry makes the calls on the host kernel).
                bool hostIpc = cfg.Linux?.SecurityContext?.NamespaceOptions?.Ipc == NamespaceMode.Node;
                if (!hostNetwork && CniConfig() is { } cni)
                {
                    try { net = await PodNetwork.SetUpAsync(_config, cni, id, md.Name, md.Namespace, ct, cfg.PortMappings).ConfigureAwait(false); }
                    catch (IOException e) { throw Errors.Internal($"pod network: {e.Message}"); }
                }
                WriteResolvConf(id, cfg.DnsConfig);
                WriteHostsAndHostname(id, cfg.Hostname, net?.Ip);
                try
                {
                    sentryPid = await PodSentry.StartAsync(_sandbox, socket, handler.Platform, cfg.Hostname, podPid, hostNetwork ? "host" : "sandbox", net?.NetnsPath,
                        SentryProcessSpec.SysctlArguments(cfg), ct, hostIpc ? "host" : "sandbox").ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    if (net != null) await PodNetwork.TearDownAsync(_config, CniConfig(), id, net.NetnsPath, md.Name, md.Namespace, CancellationToken.None, cfg.PortMappings).ConfigureAwait(false);
                    DeletePodFiles(id);
                    // A sysctl the Sentry does not have (or one that would reach the host) is the request's fault.
                    if (e.Message.Contains("--sysctl:", StringComparison.Ordinal)) throw Errors.InvalidArgument($"sysctls: {e.Message}");
                    throw Errors.Internal($"runtime handler '{handler.Name}': the pod's Sentry did not start: {e.Message}");
                }
                try { cgroup = JoinPodCgroup(cfg, id, sentryPid); }
                catch (Exception e) when (e is IOException or Grpc.Core.RpcException)
                {
                    await PodSentry.ShutdownAsync(socket, sentryPid, ProcessIdentity.StartTime(sentryPid)).ConfigureAwait(false);
                    if (net != null) await PodNetwork.TearDownAsync(_config, CniConfig(), id, net.NetnsPath, md.Name, md.Namespace, CancellationToken.None, cfg.PortMappings).ConfigureAwait(false);
                    DeletePodFiles(id);
                    if (e is Grpc.Core.RpcException) throw;
                    throw Errors.Internal($"runtime handler '{handler.Name}': {e.Message}");
                }
                started = true;
            }
            else if (handler.Backend == "microvm")
            {
                // A VM cannot share the host's network namespace: a host-network pod's VM has loopback only.
                bool hostNetwork = cfg.Linux?.SecurityContext?.NamespaceOptions?.Network == NamespaceMode.Node;
                NetworkOptions? guest = null;
                try
                {
                    if (!hostNetwork && CniConfig() is { } cni)
                    {
                        net = await PodNetwork.SetUpAsync(_config, cni, id, md.Name, md.Namespace, ct, cfg.PortMappings).ConfigureAwait(false);
                        guest = await VmPodNetwork.GuestInterfaceAsync(net, ct).ConfigureAwait(false);
                    }
                    WriteResolvConf(id, cfg.DnsConfig);
                    WriteHostsAndHostname(id, cfg.Hostname, net?.Ip);
                    var volumes = PodVolumes.Create(VolumesDir(id), PodFiles(id).Select(f => (f.HostFile, Path.GetFileName(f.HostFile))));
                    vm = await PodVm.StartAsync(_images.RootfsRoot, handler.MemoryMib, handler.Cpus, guest, volumes, ct).ConfigureAwait(false);
                    if (net != null) await VmPodNetwork.ConnectAsync(net, guest!, ct).ConfigureAwait(false);
                    // QEMU and virtiofsd in the pod's cgroup: CPU limits and accounting (the VM's size is its memory limit).
                    cgroup = JoinPodCgroup(cfg, id, vm.QemuPid, vm.VirtiofsdPid);
                }
                catch (Exception e)
                {
                    bool networked = net != null;
                    if (vm != null) { await vm.DisposeAsync().ConfigureAwait(false); vm = null; }
                    if (cgroup != null) { await cgroup.RemoveAsync().ConfigureAwait(false); cgroup = null; }
                    if (net != null) await PodNetwork.TearDownAsync(_config, CniConfig(), id, net.NetnsPath, md.Name, md.Namespace, CancellationToken.None, cfg.PortMappings).ConfigureAwait(false);
                    DeletePodFiles(id);
                    if (e is OperationCanceledException or Grpc.Core.RpcException) throw;
                    throw Errors.Internal($"runtime handler '{handler.Name}': the pod's VM did not start{(networked ? " on its CNI network" : "")}: {e.Message}");
                }
            }
        }
        finally
        {
            if (vm == null && !started) lock (_lock) _reservedPodNames.Remove(name);
        }
        lock (_lock)
        {
            _reservedPodNames.Remove(name);
            var pod = new PodRecord
            {
                Id = id,
                Config = cfg,
                RuntimeHandler = handler.Name,
                State = PodSandboxState.SandboxReady,
                CreatedAt = Clock.NowNs(),
                ControlSocket = socket,
                SentryPid = sentryPid,
                SentryStartTime = sentryPid > 0 ? ProcessIdentity.StartTime(sentryPid) : 0,
                NetnsPath = net?.NetnsPath ?? "",
                PodIp = net?.Ip ?? "",
            };
            SavePod(pod);
            _pods[pod.Id] = pod;
            if (vm != null) _vms[pod.Id] = vm;
            if (cgroup != null) _cgroups[pod.Id] = cgroup;
            StartHostPorts(pod);
            return pod.Id;
        }
    }

    /// <summary>Where a pod's files for its containers live (its resolv.conf, hosts and hostname).</summary>
    private string PodFilesDir(string podId) => Path.Combine(PodsDir, podId + ".d");

    private string ResolvConfPath(string podId) => Path.Combine(PodFilesDir(podId), "resolv.conf");

    /// <summary>
    /// The pod's /etc/resolv.conf from its DNS config, as containerd writes it (search,
    /// nameservers, options); none when the config gives nothing, so the image's own stays.
    /// </summary>
    private void WriteResolvConf(string podId, DNSConfig? dns)
    {
        if (dns == null || (dns.Servers.Count == 0 && dns.Searches.Count == 0 && dns.Options.Count == 0)) return;
        var text = new System.Text.StringBuilder();
        if (dns.Searches.Count > 0) text.Append("search ").AppendJoin(' ', dns.Searches).Append('\n');
        foreach (var server in dns.Servers) text.Append("nameserver ").Append(server).Append('\n');
        if (dns.Options.Count > 0) text.Append("options ").AppendJoin(' ', dns.Options).Append('\n');
        Directory.CreateDirectory(PodFilesDir(podId));
        AtomicFile.Write(ResolvConfPath(podId), System.Text.Encoding.UTF8.GetBytes(text.ToString()));
    }

    private string HostsPath(string podId) => Path.Combine(PodFilesDir(podId), "hosts");

    private string HostnamePath(string podId) => Path.Combine(PodFilesDir(podId), "hostname");

    /// <summary>
    /// The pod's /etc/hosts (localhost for IPv4 and IPv6, then the pod's address with its
    /// hostname when it has one) and /etc/hostname. A pod without a hostname has the host's,
    /// as its kernel reports it (uname(2)'s nodename).
    /// </summary>
    private void WriteHostsAndHostname(string podId, string? hostname, string? podIp)
    {
        string name = string.IsNullOrEmpty(hostname) ? Environment.MachineName : hostname;
        var hosts = new System.Text.StringBuilder("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
        if (!string.IsNullOrEmpty(podIp)) hosts.Append(podIp).Append('\t').Append(name).Append('\n');
        Directory.CreateDirectory(PodFilesDir(podId));
        AtomicFile.Write(HostsPath(podId), System.Text.Encoding.UTF8.GetBytes(hosts.ToString()));
        AtomicFile.Write(HostnamePath(podId), System.Text.Encoding.UTF8.GetBytes(name + "\n"));
    }

    /// <summary>A microvm pod's volume share (PodVolumes), in its files' directory.</summary>
    private string VolumesDir(string podId) => Path.Combine(PodFilesDir(podId), "vm");

    /// <summary>The pod's files its containers get, where they go (those the pod has).</summary>
    private IEnumerable<(string HostFile, string ContainerPath)> PodFiles(string podId) =>
        new[] { (HostsPath(podId), "/etc/hosts"), (HostnamePath(podId), "/etc/hostname"), (ResolvConfPath(podId), "/etc/resolv.conf") }
            .Where(f => File.Exists(f.Item1));

    /// <summary>Removes the pod's files; a microvm pod's volume binds are undone first (never
    /// deleted through: PodVolumes.Remove leaves what it could not unmount).</summary>
    private void DeletePodFiles(string podId) => PodVolumes.Remove(PodFilesDir(podId));

    /// <summary>The CNI network pods get, or null (no configuration: loopback only). A bad one is an error.</summary>
    private System.Text.Json.Nodes.JsonObject? CniConfig()
    {
        try { return PodNetwork.LoadConfig(_config); }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException) { throw Errors.FailedPrecondition($"cni_conf_dir {_config.CniConfDir}: {e.Message}"); }
    }

    /// <summary>Names of pods whose VM is booting (RunPodSandbox outside the lock).</summary>
    private readonly HashSet<string> _reservedPodNames = new();

    /// <summary>Caller holds the lock.</summary>
    private void CheckPodName(PodSandboxMetadata md, string name, bool reserve)
    {
        var same = _pods.Values.FirstOrDefault(p => p.Config.Metadata.Name == md.Name && p.Config.Metadata.Namespace == md.Namespace
            && p.Config.Metadata.Uid == md.Uid && p.Config.Metadata.Attempt == md.Attempt);
        if (same != null) throw Errors.AlreadyExists($"pod name {name} is reserved for pod {same.Id}");
        if (reserve && !_reservedPodNames.Add(name)) throw Errors.AlreadyExists($"pod name {name} is reserved for a pod being started");
    }

    public async Task StopPodSandboxAsync(string id)
    {
        RequireId(id, "pod sandbox");
        PodRecord pod;
        List<string> containers;
        lock (_lock)
        {
            pod = Lookup(_pods, id) ?? throw Errors.NotFound($"pod sandbox {id} not found");
            containers = _containers.Values.Where(c => c.PodId == pod.Id).Select(c => c.Id).ToList();
        }
        // Containers are forcibly stopped (timeout 0: SIGKILL).
        foreach (var c in containers) await StopContainerCoreAsync(c, 0, "the pod was stopped").ConfigureAwait(false);
        PodVm? vm;
        lock (_lock) { _vms.Remove(pod.Id, out vm); StopHostPorts(pod.Id); }
        // The VM goes with the pod's readiness: QEMU and virtiofsd exit, no process is left.
        if (vm != null) await vm.DisposeAsync().ConfigureAwait(false);
        // The pod's Sentry goes with its readiness too (its containers are stopped by now).
        if (IsSentryPod(pod)) await PodSentry.ShutdownAsync(pod.ControlSocket, pod.SentryPid, pod.SentryStartTime).ConfigureAwait(false);
        // Its cgroup goes once its processes have.
        await RemovePodCgroupAsync(pod.Id).ConfigureAwait(false);
        // Then its network (CNI DEL, the namespace); the address stays in the record for status.
        if (pod.NetnsPath.Length > 0)
        {
            var md = pod.Config.Metadata;
            await PodNetwork.TearDownAsync(_config, CniConfig(), pod.Id, pod.NetnsPath, md?.Name ?? "", md?.Namespace ?? "", CancellationToken.None, pod.Config.PortMappings).ConfigureAwait(false);
        }
        lock (_lock)
        {
            if (!_pods.ContainsKey(pod.Id)) return;
            if (pod.State != PodSandboxState.SandboxNotready)
            {
                pod.State = PodSandboxState.SandboxNotready;
                SavePod(pod);
            }
        }
    }

    public async Task RemovePodSandboxAsync(string id)
    {
        RequireId(id, "pod sandbox");
        PodRecord? pod;
        lock (_lock) pod = Lookup(_pods, id);
        if (pod == null) return; // already removed: idempotent
        await StopPodSandboxAsync(pod.Id).ConfigureAwait(false);
        List<string> containers;
        lock (_lock) containers = _containers.Values.Where(c => c.PodId == pod.Id).Select(c => c.Id).ToList();
        foreach (var c in containers) await RemoveContainerAsync(c).ConfigureAwait(false);
        lock (_lock)
        {
            _pods.Remove(pod.Id);
            DeletePodFile(pod.Id);
            DeletePodFiles(pod.Id);
        }
    }

    public PodSandboxStatusResponse PodSandboxStatus(string id, bool verbose)
    {
        RequireId(id, "pod sandbox");
        lock (_lock)
        {
            var pod = Lookup(_pods, id) ?? throw Errors.NotFound($"pod sandbox {id} not found");
            var resp = new PodSandboxStatusResponse { Status = PodStatus(pod), Timestamp = Clock.NowNs() };
            foreach (var c in _containers.Values.Where(c => c.PodId == pod.Id)) resp.ContainersStatuses.Add(ContainerStatusOf(c));
            if (verbose)
                resp.Info["info"] = PodInfoJson(pod);
            return resp;
        }
    }

    public List<PodSandbox> ListPodSandbox(PodSandboxFilter? filter)
    {
        lock (_lock)
        {
            return _pods.Values
                .Where(p => filter == null
                    || ((filter.Id.Length == 0 || p.Id.StartsWith(filter.Id, StringComparison.Ordinal))
                        && (filter.State == null || StateOf(p) == filter.State.State)
                        && Filters.Matches(p.Config.Labels, filter.LabelSelector)))
                .OrderBy(p => p.CreatedAt)
                .Select(p => new PodSandbox
                {
                    Id = p.Id,
                    Metadata = p.Config.Metadata,
                    State = StateOf(p),
                    CreatedAt = p.CreatedAt,
                    Labels = { p.Config.Labels },
                    Annotations = { p.Config.Annotations },
                    RuntimeHandler = p.RuntimeHandler,
                }).ToList();
        }
    }

    /// <summary>What verbose PodSandboxStatus adds: the backend, and for a running VM its processes and kernel. Caller holds the lock.</summary>
    private string PodInfoJson(PodRecord pod)
    {
        var info = new Dictionary<string, object?>
        {
            ["runtimeHandler"] = pod.RuntimeHandler,
            ["backend"] = IsVmPod(pod) ? "microvm" : "sentry",
            ["model"] = IsVmPod(pod) ? "one VM per pod" : "one Sentry per pod",
            ["containers"] = _containers.Values.Count(c => c.PodId == pod.Id),
        };
        if (IsSentryPod(pod))
        {
            info["sentryPid"] = pod.SentryPid;
            info["controlSocket"] = pod.ControlSocket;
        }
        if (_cgroups.TryGetValue(pod.Id, out var cg)) info["cgroup"] = cg.Path;
        if (_vms.TryGetValue(pod.Id, out var vm))
        {
            info["qemuPid"] = vm.QemuPid;
            info["virtiofsdPid"] = vm.VirtiofsdPid;
            info["kernel"] = vm.KernelRelease;
            info["accel"] = vm.Timings.Accel;
        }
        return System.Text.Json.JsonSerializer.Serialize(info, StatusJsonContext.Default.DictionaryStringObject);
    }

    /// <summary>A microvm pod whose VM died under it is not ready, whatever its record says. Caller holds the lock.</summary>
    private PodSandboxState StateOf(PodRecord p)
        => p.State == PodSandboxState.SandboxReady && ((_vms.TryGetValue(p.Id, out var vm) && !vm.Alive) || (IsSentryPod(p) && !SentryAlive(p)))
            ? PodSandboxState.SandboxNotready : p.State;

    private PodSandboxStatus PodStatus(PodRecord p)
    {
        var s = new PodSandboxStatus
        {
            Id = p.Id,
            Metadata = p.Config.Metadata,
            State = StateOf(p),
            CreatedAt = p.CreatedAt,
            // The address CNI gave the pod (empty without a CNI configuration or on the host's network).
            Network = new PodSandboxNetworkStatus { Ip = p.PodIp },
            Labels = { p.Config.Labels },
            Annotations = { p.Config.Annotations },
            RuntimeHandler = p.RuntimeHandler,
        };
        var ns = p.Config.Linux?.SecurityContext?.NamespaceOptions;
        s.Linux = new LinuxPodSandboxStatus { Namespaces = new Namespace { Options = ns?.Clone() ?? new NamespaceOption() } };
        return s;
    }
}
