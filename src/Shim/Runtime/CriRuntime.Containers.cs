using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Runtime.V1;
using Sandbox.Shim.Backends;
using Sandbox.Shim.Logs;
using Sandbox.Shim.State;
using Sandbox.Shim.Util;

namespace Sandbox.Shim.Runtime;

public sealed partial class CriRuntime
{
    private const string DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public string CreateContainer(CreateContainerRequest req)
    {
        RequireId(req.PodSandboxId, "pod sandbox");
        var cfg = req.Config ?? throw Errors.InvalidArgument("config is required");
        var md = cfg.Metadata ?? throw Errors.InvalidArgument("config.metadata is required");
        if (string.IsNullOrEmpty(md.Name)) throw Errors.InvalidArgument("config.metadata.name must not be empty");
        if (string.IsNullOrEmpty(cfg.Image?.Image)) throw Errors.InvalidArgument("config.image.image must not be empty");
        var sc = cfg.Linux?.SecurityContext;
        if (sc?.RunAsGroup != null && sc.RunAsUser == null && string.IsNullOrEmpty(sc.RunAsUsername))
            throw Errors.InvalidArgument("run_as_group is set without run_as_user or run_as_username");
        if (sc?.RunAsUser != null && !string.IsNullOrEmpty(sc.RunAsUsername))
            throw Errors.InvalidArgument("only one of run_as_user and run_as_username may be set");
#pragma warning disable CS0612 // the deprecated path form is what older kubelets and critest 1.26 send
        if (sc?.SeccompProfilePath is { Length: > 0 } seccompPath && seccompPath is not ("unconfined" or "runtime/default" or "docker/default")
            && !seccompPath.StartsWith("localhost/", StringComparison.Ordinal))
            throw Errors.InvalidArgument($"seccomp profile '{seccompPath}': expected unconfined, runtime/default, docker/default or localhost/<path>");
#pragma warning restore CS0612
        if (sc?.Seccomp is { ProfileType: SecurityProfile.Types.ProfileType.Localhost, LocalhostRef.Length: 0 })
            throw Errors.InvalidArgument("a Localhost seccomp profile needs localhost_ref");
        lock (_lock)
        {
            var p = Lookup(_pods, req.PodSandboxId) ?? throw Errors.NotFound($"pod sandbox {req.PodSandboxId} not found");
            if (StateOf(p) != PodSandboxState.SandboxReady) throw Errors.FailedPrecondition($"pod sandbox {p.Id} is not ready");
        }
        // A host path that does not exist yet is made a directory, as containerd makes it.
        foreach (var m in cfg.Mounts)
        {
            if (string.IsNullOrEmpty(m.HostPath) || string.IsNullOrEmpty(m.ContainerPath)) continue;
            if (!Path.IsPathRooted(m.HostPath) || !m.ContainerPath.StartsWith('/')) throw Errors.InvalidArgument($"mount {m.HostPath}:{m.ContainerPath}: both paths must be absolute");
            if (m.HostPath.Contains(',') || m.ContainerPath.Contains(',')) throw Errors.InvalidArgument($"mount {m.HostPath}:{m.ContainerPath}: commas in mount paths are not supported");
            if (!File.Exists(m.HostPath) && !Directory.Exists(m.HostPath))
                try { Directory.CreateDirectory(m.HostPath); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Errors.Internal($"mount {m.HostPath}: {e.Message}"); }
        }
        // Outside the lock: the image store calls back into the runtime (ImageInUse) under its own.
        var image = _images.Find(cfg.Image.Image) ?? throw Errors.NotFound($"image {cfg.Image.Image} not found: pull it first");

        var argv = new List<string>(cfg.Command.Count > 0 ? cfg.Command : image.Entrypoint);
        argv.AddRange(cfg.Args.Count > 0 ? cfg.Args : cfg.Command.Count > 0 ? Enumerable.Empty<string>() : image.Cmd);
        if (argv.Count == 0) throw Errors.InvalidArgument("no command: neither the container config nor the image names one");

        lock (_lock)
        {
            var pod = Lookup(_pods, req.PodSandboxId) ?? throw Errors.NotFound($"pod sandbox {req.PodSandboxId} not found");
            if (StateOf(pod) != PodSandboxState.SandboxReady) throw Errors.FailedPrecondition($"pod sandbox {pod.Id} is not ready");
            var same = _containers.Values.FirstOrDefault(c => c.PodId == pod.Id && c.Config.Metadata.Name == md.Name && c.Config.Metadata.Attempt == md.Attempt);
            if (same != null) throw Errors.AlreadyExists($"container name {md.Name} (attempt {md.Attempt}) is reserved for container {same.Id} in pod {pod.Id}");

            var env = MergeEnv(image.Env, cfg.Envs.Select(e => $"{e.Key}={e.Value.ToStringUtf8()}"));
            if (!env.Any(e => e.StartsWith("PATH=", StringComparison.Ordinal))) env.Insert(0, DefaultPath);
            string hostname = pod.Config.Hostname;
            if (!string.IsNullOrEmpty(hostname) && !env.Any(e => e.StartsWith("HOSTNAME=", StringComparison.Ordinal))) env.Add("HOSTNAME=" + hostname);
            var c = new ContainerRecord
            {
                Id = Ids.New(),
                PodId = pod.Id,
                Config = cfg,
                State = ContainerState.ContainerCreated,
                CreatedAt = Clock.NowNs(),
                ImageId = image.Id,
                ImageRef = image.RepoDigests.FirstOrDefault() ?? image.Id,
                LogPath = !string.IsNullOrEmpty(pod.Config.LogDirectory) && !string.IsNullOrEmpty(cfg.LogPath)
                    ? Path.Combine(pod.Config.LogDirectory, cfg.LogPath) : "",
                Cwd = !string.IsNullOrEmpty(cfg.WorkingDir) ? cfg.WorkingDir : !string.IsNullOrEmpty(image.WorkingDir) ? image.WorkingDir : "/",
            };
            c.Argv.AddRange(argv);
            c.Env.AddRange(env);
            c.StopSignal = cfg.StopSignal != Signal.RuntimeDefault
                ? Signals.Parse(cfg.StopSignal.ToString().ToUpperInvariant()) ?? Native.SIGTERM
                : Signals.Parse(image.StopSignal) ?? Native.SIGTERM;
            _containers[c.Id] = c;
            // The pod's cgroup grows by the container's limits (or loses its memory limit).
            try { ApplyPodLimits(pod.Id); }
            catch (Grpc.Core.RpcException)
            {
                _containers.Remove(c.Id);
                ApplyPodLimits(pod.Id);
                throw;
            }
            SaveContainer(c);
            Emit(ContainerEventType.ContainerCreatedEvent, c);
            return c.Id;
        }
    }

    /// <summary>Image environment overridden key by key by the container's.</summary>
    private static List<string> MergeEnv(IEnumerable<string> image, IEnumerable<string> container)
    {
        var list = new List<string>();
        foreach (var e in image.Concat(container))
        {
            int eq = e.IndexOf('=');
            string key = eq < 0 ? e : e[..eq];
            int at = list.FindIndex(x => x == key || x.StartsWith(key + "=", StringComparison.Ordinal));
            if (at >= 0) list[at] = e; else list.Add(e);
        }
        return list;
    }

    /// <summary><paramref name="exec"/>: a process joining the running container (no mounts of its own).</summary>
    private SentryProcessSpec SpecFor(PodRecord pod, ContainerRecord c, IReadOnlyList<string> argv, bool exec = false)
    {
        var handler = _config.FindHandler(pod.RuntimeHandler) ?? throw Errors.FailedPrecondition($"pod {pod.Id}: its runtime handler '{pod.RuntimeHandler}' is no longer configured");
        return new SentryProcessSpec(handler.Platform, _images.RootfsOf(c.ImageId), c.Cwd, c.Env, pod.Config.Hostname, argv)
        {
            ReadOnlyRootfs = c.Config.Linux?.SecurityContext?.ReadonlyRootfs == true,
            // Sysctls are the pod's Sentry's (RunPodSandbox gave them to it), not a container's.
            SecurityArguments = exec ? SentryProcessSpec.SecurityArgumentsFor(c.Config, pod.Config, mounts: false, sysctls: false, imageUser: _images.Find(c.ImageId)?.User)
                : SentryProcessSpec.SecurityArgumentsFor(c.Config, pod.Config, sysctls: false, imageUser: _images.Find(c.ImageId)?.User).Concat(PodFileMounts(pod, c)).ToList(),
        };
    }

    /// <summary>
    /// The files the runtime makes for the pod, as containerd bind-mounts them into each
    /// container: /etc/hosts, /etc/hostname and /etc/resolv.conf (this one from the pod's DNS
    /// config, when it gives one), read-only with a read-only root, each unless the container
    /// mounts something there itself (kubelet mounts its own /etc/hosts).
    /// </summary>
    private IEnumerable<string> PodFileMounts(PodRecord pod, ContainerRecord c)
    {
        foreach (var m in PodFileVolumes(pod, c))
        {
            yield return "--mount";
            yield return $"type=bind,source={m.HostPath},destination={m.ContainerPath}{(m.ReadOnly ? ",ro" : "")}";
        }
    }

    private IEnumerable<VolumeMount> PodFileVolumes(PodRecord pod, ContainerRecord c)
    {
        bool ro = c.Config.Linux?.SecurityContext?.ReadonlyRootfs == true;
        foreach (var (file, guest) in PodFiles(pod.Id))
            if (!c.Config.Mounts.Any(m => m.ContainerPath.TrimEnd('/') == guest))
                yield return new VolumeMount(file, guest, ro, MountPropagation.PropagationPrivate);
    }

    /// <summary>A microvm container's mounts: its CRI mounts, then the pod's files.</summary>
    private List<VolumeMount> VolumeMountsFor(PodRecord pod, ContainerRecord c) =>
        c.Config.Mounts.Select(m => new VolumeMount(m.HostPath, m.ContainerPath, m.Readonly, m.Propagation))
            .Concat(PodFileVolumes(pod, c)).ToList();

    public async Task StartContainerAsync(string id, CancellationToken ct)
    {
        RequireId(id, "container");
        ContainerRecord c;
        PodRecord pod;
        PodVm? vm;
        MonitoredContainer? monitored = null;
        int monitorPid = 0;
        lock (_lock)
        {
            c = Lookup(_containers, id) ?? throw Errors.NotFound($"container {id} not found");
            if (c.State != ContainerState.ContainerCreated || _starting.Contains(c.Id))
                throw Errors.FailedPrecondition($"container {c.Id} is {(_starting.Contains(c.Id) ? "starting" : Describe(c.State))}, not created");
            pod = _pods[c.PodId];
            if (StateOf(pod) != PodSandboxState.SandboxReady) throw Errors.FailedPrecondition($"pod sandbox {pod.Id} is not ready");
            if (!Directory.Exists(_images.RootfsOf(c.ImageId))) throw Errors.FailedPrecondition($"container {c.Id}: its image {c.ImageId} was removed");
            ApplyPodLimits(pod.Id);
            NoteOomBaseline(c);
            if (!_vms.TryGetValue(pod.Id, out vm)) { monitored = StartMonitored(c, pod); monitorPid = c.Pid; }
            else _starting.Add(c.Id);
        }
        if (monitored != null || vm == null)
        {
            if (monitored != null)
            {
                await WaitStartedInPodAsync(pod.ControlSocket, c.Id, monitored, ct).ConfigureAwait(false);
                JoinGofers(pod.Id, monitorPid);
            }
            return;
        }
        // A microvm container starts through the agent (a round trip into the VM): outside the lock.
        string output = c.LogPath.Length > 0 ? c.LogPath : Path.Combine(ContainerDir(c.Id), Backends.ContainerMonitor.OutputLog);
        VmContainer running;
        try
        {
            new CriLogWriter(output).Dispose(); // the log exists when StartContainer returns
            var rootfs = _images.RootfsOf(c.ImageId);
            var create = VmSecurity.RequestFor(c.Id, vm.GuestPathOf(rootfs), pod.Config.Hostname, rootfs, c.Config, pod.Config, _images.Find(c.ImageId)?.User);
            if (vm.Volumes != null) create = create with { Mounts = vm.Volumes.Attach(c.Id, VolumeMountsFor(pod, c)) };
            running = await VmContainer.StartAsync(c.Id, vm, rootfs, create, c.Argv, c.Env, c.Cwd,
                output, c.Config.Stdin, c.Config.StdinOnce, c.Config.Tty, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or ObjectDisposedException or FormatException
            or Sandbox.MicroVm.Vm.AgentErrorException or OperationCanceledException)
        {
            lock (_lock)
            {
                _starting.Remove(c.Id);
                if (!_containers.ContainsKey(c.Id)) throw Errors.NotFound($"container {c.Id} was removed while starting");
                c.StartedAt = Clock.NowNs();
                MarkExited(c, 128, "StartError", e.Message);
                Emit(ContainerEventType.ContainerStoppedEvent, c);
            }
            throw Errors.Internal($"starting container {c.Id} in the pod's VM: {e.Message}");
        }
        lock (_lock)
        {
            _starting.Remove(c.Id);
            if (!_containers.ContainsKey(c.Id))
            {
                running.Kill(everything: true);
                throw Errors.NotFound($"container {c.Id} was removed while starting");
            }
            c.State = ContainerState.ContainerRunning;
            c.StartedAt = Clock.NowNs();
            SaveContainer(c);
            _running[c.Id] = running;
            running.Finished = Task.Run(() => WatchAsync(c.Id, running));
            Emit(ContainerEventType.ContainerStartedEvent, c);
        }
    }

    /// <summary>
    /// StartContainer returns once the container's first process runs in the pod's Sentry (so an
    /// exec right after it finds the container), or its monitor has ended, or 10 s have passed.
    /// </summary>
    private static async Task WaitStartedInPodAsync(string socket, string id, MonitoredContainer m, CancellationToken ct)
    {
        for (int i = 0; i < 500 && !m.Finished.IsCompleted && m.MonitorAlive; i++)
        {
            if (PodSentry.TryCall(socket, "pid", id) is [_, var pid] && pid != "0") return;
            await Task.Delay(20, ct).ConfigureAwait(false);
        }
    }

    /// <summary>A Sentry container: its monitor process starts `sandbox pod run`, which creates and starts it in the pod's Sentry. Caller holds the lock.</summary>
    private MonitoredContainer StartMonitored(ContainerRecord c, PodRecord pod)
    {
        var spec = SpecFor(pod, c, c.Argv) with { Tty = c.Config.Tty };
        string dir = ContainerDir(c.Id);
        Process monitor;
        try
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            Directory.CreateDirectory(dir);
            if (c.Config.Stdin) ContainerMonitor.CreateFifo(Path.Combine(dir, ContainerMonitor.StdinFifo));
            string output = c.LogPath.Length > 0 ? c.LogPath : Path.Combine(dir, ContainerMonitor.OutputLog);
            new CriLogWriter(output).Dispose(); // the log exists when StartContainer returns, before the monitor runs
            if (!IsSentryPod(pod)) throw new IOException($"pod {pod.Id} has no Sentry (made by an older server): recreate it");
            var args = ContainerMonitor.Arguments(dir, output, c.Config.Stdin, c.Config.StdinOnce, spec.PodRunArguments(pod.ControlSocket, c.Id));
            monitor = Process.Start(_sandbox.StartInfo(args))!;
            // The monitor outlives this server: it keeps none of our pipes open.
            monitor.StandardInput.Close();
            monitor.StandardOutput.Close();
            monitor.StandardError.Close();
            var running = new MonitoredContainer(c.Id, dir, monitor.Id, ProcessIdentity.StartTime(monitor.Id), monitor, output, c.Config.Stdin, pod.ControlSocket);
            c.State = ContainerState.ContainerRunning;
            c.StartedAt = Clock.NowNs();
            c.Pid = monitor.Id;
            c.PidStartTime = ProcessIdentity.StartTime(monitor.Id);
            SaveContainer(c);
            _running[c.Id] = running;
            running.Finished = Task.Run(() => WatchAsync(c.Id, running));
            Emit(ContainerEventType.ContainerStartedEvent, c);
            return running;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            c.StartedAt = Clock.NowNs();
            MarkExited(c, 128, "StartError", e.Message);
            Emit(ContainerEventType.ContainerStoppedEvent, c);
            throw Errors.Internal($"starting container {c.Id}: {e.Message}");
        }
    }

    private string ContainerDir(string id) => Path.Combine(ContainersDir, id + ".d");

    /// <summary>Waits (here or after a restart) for the monitor's exit status, then records the exit.</summary>
    private async Task WatchAsync(string id, RunningContainer r)
    {
        int? code;
        try { code = await r.WaitForExitCodeAsync(_shutdown.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) { return; } // the server stops; the container goes on
        lock (_lock)
        {
            _running.Remove(id);
            if (!_containers.TryGetValue(id, out var c)) return;
            if (OomKilled(c, code)) MarkExited(c, 137, "OOMKilled", "the pod's processes reached its memory limit and the kernel killed them");
            else MarkExited(c, code ?? 255, code == 0 ? "Completed" : "Error",
                code == null ? (r is VmContainer ? "the pod's VM went away before the container exited" : "the container's monitor process died without an exit status")
                : r.ExitMessage ?? "");
            Emit(ContainerEventType.ContainerStoppedEvent, c);
        }
    }

    public Task StopContainerAsync(string id, long timeoutSeconds)
    {
        RequireId(id, "container");
        lock (_lock)
        {
            var c = Lookup(_containers, id) ?? throw Errors.NotFound($"container {id} not found");
            id = c.Id;
        }
        return StopContainerCoreAsync(id, timeoutSeconds, null);
    }

    /// <summary>
    /// The stop signal (SIGTERM unless the config or image names another) to the program (for a
    /// Sentry container through `sandbox run`, which forwards SIGTERM, SIGINT, SIGHUP and SIGQUIT
    /// to it; any other signal ends the Sentry itself); SIGKILL after the timeout.
    /// </summary>
    private async Task StopContainerCoreAsync(string id, long timeoutSeconds, string? why)
    {
        RunningContainer? r;
        int signal;
        lock (_lock)
        {
            _running.TryGetValue(id, out r);
            signal = _containers.TryGetValue(id, out var rec) && rec.StopSignal > 0 ? rec.StopSignal : Native.SIGTERM;
        }
        if (r == null) return; // created or exited: nothing to stop
        if (why != null) r.ExitMessage ??= why;
        if (timeoutSeconds > 0)
        {
            r.Signal(signal);
            try { await r.Finished.WaitAsync(TimeSpan.FromSeconds(timeoutSeconds)).ConfigureAwait(false); return; }
            catch (TimeoutException) { }
        }
        r.Kill(everything: false);
        try { await r.Finished.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false); }
        catch (TimeoutException)
        {
            r.Kill(everything: true);
            await r.Finished.ConfigureAwait(false);
        }
    }

    public async Task RemoveContainerAsync(string id)
    {
        RequireId(id, "container");
        ContainerRecord? c;
        lock (_lock) c = Lookup(_containers, id);
        if (c == null) return; // already removed: idempotent
        await StopContainerCoreAsync(c.Id, 0, "the container was removed").ConfigureAwait(false);
        lock (_lock)
        {
            if (!_containers.Remove(c.Id)) return;
            _oomAtStart.Remove(c.Id);
            DeleteContainerFile(c.Id);
            try { ApplyPodLimits(c.PodId); }
            catch (Grpc.Core.RpcException e) { _log.LogWarning("{Error}", e.Status.Detail); }
            try { if (Directory.Exists(ContainerDir(c.Id))) Directory.Delete(ContainerDir(c.Id), recursive: true); } catch (IOException) { }
            Emit(ContainerEventType.ContainerDeletedEvent, c);
        }
    }

    public ContainerStatusResponse ContainerStatus(string id, bool verbose)
    {
        RequireId(id, "container");
        lock (_lock)
        {
            var c = Lookup(_containers, id) ?? throw Errors.NotFound($"container {id} not found");
            var resp = new ContainerStatusResponse { Status = ContainerStatusOf(c) };
            if (verbose)
                resp.Info["info"] = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["pid"] = c.Pid, ["argv"] = c.Argv.ToArray(), ["cwd"] = c.Cwd, ["rootfs"] = _images.RootfsOf(c.ImageId),
                }, StatusJsonContext.Default.DictionaryStringObject);
            return resp;
        }
    }

    public List<Container> ListContainers(ContainerFilter? filter)
    {
        lock (_lock)
        {
            return _containers.Values
                .Where(c => filter == null
                    || ((filter.Id.Length == 0 || c.Id.StartsWith(filter.Id, StringComparison.Ordinal))
                        && (filter.State == null || c.State == filter.State.State)
                        && (filter.PodSandboxId.Length == 0 || c.PodId.StartsWith(filter.PodSandboxId, StringComparison.Ordinal))
                        && Filters.Matches(c.Config.Labels, filter.LabelSelector)))
                .OrderBy(c => c.CreatedAt)
                .Select(c => new Container
                {
                    Id = c.Id,
                    PodSandboxId = c.PodId,
                    Metadata = c.Config.Metadata,
                    Image = ImageSpecOf(c),
                    ImageRef = c.ImageRef,
                    ImageId = c.ImageId,
                    State = c.State,
                    CreatedAt = c.CreatedAt,
                    Labels = { c.Config.Labels },
                    Annotations = { c.Config.Annotations },
                }).ToList();
        }
    }

    public void UpdateContainerResources(UpdateContainerResourcesRequest req)
    {
        RequireId(req.ContainerId, "container");
        lock (_lock)
        {
            var c = Lookup(_containers, req.ContainerId) ?? throw Errors.NotFound($"container {req.ContainerId} not found");
            if (c.State is not (ContainerState.ContainerCreated or ContainerState.ContainerRunning))
                throw Errors.FailedPrecondition($"container {c.Id} is {Describe(c.State)}: its resources cannot change");
            // Recorded, reported, and enforced on the pod as a whole (its cgroup holds the pod's Sentry or VM).
            if (req.Linux != null)
            {
                c.Config.Linux ??= new LinuxContainerConfig();
                var before = c.Config.Linux.Resources;
                c.Config.Linux.Resources = req.Linux;
                try { ApplyPodLimits(c.PodId); }
                catch (Grpc.Core.RpcException)
                {
                    c.Config.Linux.Resources = before;
                    ApplyPodLimits(c.PodId);
                    throw;
                }
            }
            SaveContainer(c);
        }
    }

    public void ReopenContainerLog(string id)
    {
        RequireId(id, "container");
        lock (_lock)
        {
            var c = Lookup(_containers, id) ?? throw Errors.NotFound($"container {id} not found");
            if (!_running.TryGetValue(c.Id, out var r)) throw Errors.FailedPrecondition($"container {c.Id} is not running");
            // The new file exists when the call returns (the kubelet checks); the writer reopens
            // the same path and writes there from then on.
            if (r.OutputLog.Length > 0) new CriLogWriter(r.OutputLog).Dispose();
            r.ReopenLog();
        }
    }

    /// <summary>Caller holds the lock.</summary>
    private ContainerStatus ContainerStatusOf(ContainerRecord c)
    {
        var s = new ContainerStatus
        {
            Id = c.Id,
            Metadata = c.Config.Metadata,
            State = c.State,
            CreatedAt = c.CreatedAt,
            StartedAt = c.StartedAt,
            FinishedAt = c.FinishedAt,
            ExitCode = c.ExitCode,
            Image = ImageSpecOf(c),
            ImageRef = c.ImageRef,
            ImageId = c.ImageId,
            Reason = c.Reason,
            Message = c.Message,
            Labels = { c.Config.Labels },
            Annotations = { c.Config.Annotations },
            Mounts = { c.Config.Mounts },
            LogPath = c.LogPath,
        };
        if (c.Config.Linux?.Resources is { } res) s.Resources = new ContainerResources { Linux = res };
        if (c.StopSignal > 0 && Signals.Name(c.StopSignal) is { } sigName
            && Enum.TryParse<Signal>(sigName.Replace("+", "PLUS"), ignoreCase: true, out var sig)) s.StopSignal = sig;
        return s;
    }

    private static ImageSpec ImageSpecOf(ContainerRecord c)
        => new() { Image = c.Config.Image.Image, Annotations = { c.Config.Image.Annotations }, UserSpecifiedImage = c.Config.Image.UserSpecifiedImage };

    private static string Describe(ContainerState s) => s switch
    {
        ContainerState.ContainerCreated => "created",
        ContainerState.ContainerRunning => "running",
        ContainerState.ContainerExited => "exited",
        _ => "in an unknown state",
    };

    /// <summary>True while a container that is not removed uses the image.</summary>
    public bool ImageInUse(string imageId)
    {
        lock (_lock) return _containers.Values.Any(c => c.ImageId == imageId);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object?>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
[System.Text.Json.Serialization.JsonSerializable(typeof(int))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class StatusJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
