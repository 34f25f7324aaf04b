using Runtime.V1;
using Sandbox.Shim.State;
using Sandbox.Shim.Util;

namespace Sandbox.Shim.Runtime;

public sealed partial class CriRuntime
{
    /// <summary>
    /// Usage from the backend's accounting: for a running container, the CPU time (its own and
    /// its reaped children's) and resident memory of its Sentry process, whose memory file holds
    /// all of the application's memory; in a microvm pod, those of the pod's QEMU. The root filesystem is the image's, read-only: no
    /// writable layer, so zero bytes.
    /// </summary>
    public ContainerStats ContainerStats(string id)
    {
        RequireId(id, "container");
        lock (_lock)
        {
            var c = Lookup(_containers, id) ?? throw Errors.NotFound($"container {id} not found");
            return StatsOf(c);
        }
    }

    public List<ContainerStats> ListContainerStats(ContainerStatsFilter? f)
    {
        lock (_lock)
        {
            return _containers.Values
                .Where(c => f == null || ((f.Id.Length == 0 || c.Id.StartsWith(f.Id, StringComparison.Ordinal))
                    && (f.PodSandboxId.Length == 0 || c.PodId.StartsWith(f.PodSandboxId, StringComparison.Ordinal))
                    && Filters.Matches(c.Config.Labels, f.LabelSelector)))
                .Select(StatsOf).ToList();
        }
    }

    public PodSandboxStats PodSandboxStats(string id)
    {
        RequireId(id, "pod sandbox");
        lock (_lock)
        {
            var p = Lookup(_pods, id) ?? throw Errors.NotFound($"pod sandbox {id} not found");
            return PodStatsOf(p);
        }
    }

    public List<PodSandboxStats> ListPodSandboxStats(PodSandboxStatsFilter? f)
    {
        lock (_lock)
        {
            return _pods.Values
                .Where(p => f == null || ((f.Id.Length == 0 || p.Id.StartsWith(f.Id, StringComparison.Ordinal)) && Filters.Matches(p.Config.Labels, f.LabelSelector)))
                .Select(PodStatsOf).ToList();
        }
    }

    /// <summary>Caller holds the lock.</summary>
    private ContainerStats StatsOf(ContainerRecord c)
    {
        long now = Clock.NowNs();
        var (cpu, rss) = c.State == ContainerState.ContainerRunning && _running.TryGetValue(c.Id, out var r) ? r.Usage() : (0UL, 0UL);
        return new ContainerStats
        {
            Attributes = new ContainerAttributes { Id = c.Id, Metadata = c.Config.Metadata, Labels = { c.Config.Labels }, Annotations = { c.Config.Annotations } },
            Cpu = new CpuUsage { Timestamp = now, UsageCoreNanoSeconds = new UInt64Value { Value = cpu } },
            Memory = new MemoryUsage
            {
                Timestamp = now,
                WorkingSetBytes = new UInt64Value { Value = rss },
                RssBytes = new UInt64Value { Value = rss },
                UsageBytes = new UInt64Value { Value = rss },
            },
            WritableLayer = new FilesystemUsage
            {
                Timestamp = now,
                FsId = new FilesystemIdentifier { Mountpoint = _images.RootfsOf(c.ImageId) },
                UsedBytes = new UInt64Value { Value = 0 },
                InodesUsed = new UInt64Value { Value = 0 },
            },
        };
    }

    private PodSandboxStats PodStatsOf(PodRecord p)
    {
        long now = Clock.NowNs();
        var containers = _containers.Values.Where(c => c.PodId == p.Id).Select(StatsOf).ToList();
        // A microvm pod is its VM: the containers' figures are all the VM's, not to be summed.
        var (cpu, memory) = _vms.TryGetValue(p.Id, out var vm) ? ProcessIdentity.Usage(vm.QemuPid)
            : ((ulong)containers.Sum(c => (decimal)c.Cpu.UsageCoreNanoSeconds.Value), (ulong)containers.Sum(c => (decimal)c.Memory.WorkingSetBytes.Value));
        var linux = new LinuxPodSandboxStats
        {
            Cpu = new CpuUsage { Timestamp = now, UsageCoreNanoSeconds = new UInt64Value { Value = cpu } },
            Memory = new MemoryUsage { Timestamp = now, WorkingSetBytes = new UInt64Value { Value = memory } },
            Process = new ProcessUsage { Timestamp = now, ProcessCount = new UInt64Value { Value = (ulong)_running.Keys.Count(k => _containers.TryGetValue(k, out var c) && c.PodId == p.Id) } },
        };
        linux.Containers.AddRange(containers);
        return new PodSandboxStats
        {
            Attributes = new PodSandboxAttributes { Id = p.Id, Metadata = p.Config.Metadata, Labels = { p.Config.Labels }, Annotations = { p.Config.Annotations } },
            Linux = linux,
        };
    }
}
