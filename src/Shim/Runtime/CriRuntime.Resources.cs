using Microsoft.Extensions.Logging;
using Runtime.V1;
using Sandbox.Shim.Backends;
using Sandbox.Shim.State;

namespace Sandbox.Shim.Runtime;

public sealed partial class CriRuntime
{
    /// <summary>
    /// What a Sentry pod's cgroup allows beyond its containers' memory: the Sentry's own heap,
    /// its Gofers and the ptrace stubs (containerd-shim-runsc likewise sizes a sandbox's cgroup
    /// as its containers' limits plus a fixed overhead for the sandbox itself).
    /// </summary>
    public const long SentryMemoryOverhead = 128L << 20;

    /// <summary>The pods' cgroups, by pod ID (none for a pod where cgroups are unavailable).</summary>
    private readonly Dictionary<string, PodCgroup> _cgroups = new();

    /// <summary>The pod's cgroup's oom_kill count when each container started (in memory: after a restart, 0).</summary>
    private readonly Dictionary<string, long> _oomAtStart = new();

    /// <summary>Why pods get no cgroup here, once logged.</summary>
    private bool _cgroupWarned;

    /// <summary>
    /// Makes the pod's cgroup and moves its host processes (with their children) into it. A host
    /// without usable cgroups runs the pod without one, saying so once in the log; a cgroup that
    /// cannot be made where cgroups exist fails the pod.
    /// </summary>
    private PodCgroup? JoinPodCgroup(PodSandboxConfig cfg, string podId, params int[] pids)
    {
        if (PodCgroup.UnavailableReason() is { } why)
        {
            if (!_cgroupWarned) _log.LogWarning("pods run without cgroups (no resource limits, no OOMKilled): {Why}", why);
            _cgroupWarned = true;
            return null;
        }
        string? parent = cfg.Linux?.CgroupParent;
        PodCgroup cg;
        try { cg = PodCgroup.Create(parent, podId); }
        catch (ArgumentException e) { throw Errors.InvalidArgument(e.Message); }
        try
        {
            cg.Apply(default); // no containers yet: CreateContainer sizes it
            foreach (var pid in pids.Where(p => p > 0)) cg.Join(pid);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _ = cg.RemoveAsync();
            throw new IOException($"the pod's cgroup {cg.Path}: {e.Message}", e);
        }
        return cg;
    }

    /// <summary>
    /// The pod's limits from its containers that have not exited: memory is their sum plus the
    /// Sentry's overhead when every one has a limit (a microvm pod's memory is its VM's size:
    /// none here), CPU quota their sum over a 100 ms period when every one has one, shares their
    /// sum, pids.max (from the unified map) their sum when every one gives it. Caller holds the lock.
    /// </summary>
    private PodLimits LimitsFor(string podId, bool vm)
    {
        var live = _containers.Values.Where(c => c.PodId == podId && c.State != ContainerState.ContainerExited)
            .Select(c => c.Config.Linux?.Resources ?? new LinuxContainerResources()).ToList();
        if (live.Count == 0) return new PodLimits(0, 0, 0, 0, 0);
        long memory = !vm && live.All(r => r.MemoryLimitInBytes > 0) ? live.Sum(r => r.MemoryLimitInBytes) + SentryMemoryOverhead : 0;
        const long period = 100_000;
        long quota = live.All(r => r.CpuQuota > 0)
            ? live.Sum(r => (long)Math.Ceiling(r.CpuQuota * (double)period / (r.CpuPeriod > 0 ? r.CpuPeriod : period))) : 0;
        long shares = live.Sum(r => Math.Max(0, r.CpuShares));
        long pids = live.All(r => r.Unified.ContainsKey("pids.max") && long.TryParse(r.Unified["pids.max"], out _))
            ? live.Sum(r => long.Parse(r.Unified["pids.max"], System.Globalization.CultureInfo.InvariantCulture)) : 0;
        return new PodLimits(memory, quota, period, shares, pids);
    }

    /// <summary>Writes the pod's limits again after its containers changed. Caller holds the lock.</summary>
    private void ApplyPodLimits(string podId)
    {
        if (!_cgroups.TryGetValue(podId, out var cg) || !_pods.TryGetValue(podId, out var pod)) return;
        try { cg.Apply(LimitsFor(podId, IsVmPod(pod))); }
        catch (IOException e) { throw Errors.Internal($"pod {podId}: applying its resources to {cg.Path}: {e.Message}"); }
    }

    /// <summary>
    /// An exit that came with an OOM kill in the pod's cgroup since the container started: the
    /// kernel killed the pod's processes at its memory limit, so the container was OOMKilled
    /// (137, SIGKILL's status) whatever the client saw. Caller holds the lock.
    /// </summary>
    private bool OomKilled(ContainerRecord c, int? code)
    {
        if (code == 0 || !_cgroups.TryGetValue(c.PodId, out var cg)) return false;
        _oomAtStart.TryGetValue(c.Id, out long before);
        return cg.OomKills() > before;
    }

    /// <summary>Notes the pod's OOM count as a container starts. Caller holds the lock.</summary>
    private void NoteOomBaseline(ContainerRecord c)
    {
        if (_cgroups.TryGetValue(c.PodId, out var cg)) _oomAtStart[c.Id] = cg.OomKills();
    }

    /// <summary>
    /// The container's Gofer (started by its `sandbox pod run` client, outside the Sentry) joins
    /// the pod's cgroup, as runsc's Gofers live in the sandbox's; the client and its monitor stay
    /// out (they are the runtime's, not the pod's).
    /// </summary>
    private void JoinGofers(string podId, int monitorPid)
    {
        PodCgroup? cg;
        lock (_lock) _cgroups.TryGetValue(podId, out cg);
        if (cg == null) return;
        try { cg.JoinDescendants(monitorPid, argv => argv.Contains("gofer")); }
        catch (IOException e) { _log.LogWarning("pod {Pod}: moving its Gofer into {Cgroup}: {Error}", podId, cg.Path, e.Message); }
    }

    /// <summary>After a restart: the cgroups of the pods that have one.</summary>
    private void RecoverCgroups()
    {
        foreach (var p in _pods.Values)
            if (PodCgroup.Open(p.Config.Linux?.CgroupParent, p.Id) is { } cg) _cgroups[p.Id] = cg;
    }

    /// <summary>Removes the pod's cgroup (its processes are gone or are killed).</summary>
    private async Task RemovePodCgroupAsync(string podId)
    {
        PodCgroup? cg;
        lock (_lock) _cgroups.Remove(podId, out cg);
        if (cg != null) await cg.RemoveAsync().ConfigureAwait(false);
    }
}
