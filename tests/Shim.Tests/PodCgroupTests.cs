using Runtime.V1;
using Sandbox.Shim.Backends;
using Sandbox.Shim.Runtime;
using Sandbox.Shim.Tests.Support;

namespace Sandbox.Shim.Tests;

/// <summary>
/// A Sentry pod's Sentry lives in a cgroup of its own, limited by its containers' resources
/// (memory plus the Sentry's overhead, CPU quota), re-sized by UpdateContainerResources,
/// removed with the pod; a container past the pod's memory limit ends OOMKilled (137).
/// </summary>
[Collection("registry")]
public class PodCgroupTests(RegistryFixture fx)
{
    [Theory]
    [InlineData(null, "sandbox")]
    [InlineData("/kubepods/burstable/pod1", "kubepods/burstable/pod1")]
    [InlineData("kubepods-burstable-pod1.slice", "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice")]
    public void Cgroup_parent_forms(string? parent, string expected) => Assert.Equal(expected, PodCgroup.ParentPath(parent));

    [Theory]
    [InlineData(2, 1)]
    [InlineData(1024, 39)]
    [InlineData(262144, 10000)]
    public void Shares_convert_to_weight_as_runc_does(long shares, long weight) => Assert.Equal(weight, PodCgroup.SharesToWeight(shares));

    private static string Read(string dir, string file) => File.ReadAllText(Path.Combine(dir, file)).Trim();

    private static (string? Cgroup, int Sentry) Info(PodSandboxStatusResponse s)
    {
        var root = System.Text.Json.JsonDocument.Parse(s.Info["info"]).RootElement;
        return (root.TryGetProperty("cgroup", out var cg) ? cg.GetString() : null, root.GetProperty("sentryPid").GetInt32());
    }

    private static ContainerConfig Limited(string name, string image, long memory, long quota, string[] cmd)
    {
        var c = Cri.Container(name, image, cmd, logPath: name + ".log");
        c.Linux = new LinuxContainerConfig { Resources = new LinuxContainerResources { MemoryLimitInBytes = memory, CpuQuota = quota, CpuPeriod = 100_000, CpuShares = 512 } };
        return c;
    }

    [SkippableFact]
    public async Task The_pods_sentry_runs_in_a_cgroup_sized_by_its_containers_and_removed_with_it()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        Skip.If(PodCgroup.UnavailableReason() != null, PodCgroup.UnavailableReason());
        await using var h = await CriHarness.StartAsync(fx.Registry.Host);
        var rt = h.Client.Runtime;
        await h.Client.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = fx.BusyboxRef } });
        var podCfg = Cri.Pod("limited", Path.Combine(h.Root, "logs"));
        string pod = (await rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = podCfg })).PodSandboxId;
        var (path, sentry) = Info(await rt.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod, Verbose = true }));
        Assert.NotNull(path);
        var cg = PodCgroup.Open(null, pod)!;
        Assert.Equal(path, cg.Path);
        Assert.Contains(sentry, cg.Processes());

        string c = rt.CreateContainer(new CreateContainerRequest
        { PodSandboxId = pod, Config = Limited("c", fx.BusyboxRef, 64L << 20, 50_000, new[] { "sleep", "60" }), SandboxConfig = podCfg }).ContainerId;
        await rt.StartContainerAsync(new StartContainerRequest { ContainerId = c });
        long memory = (64L << 20) + CriRuntime.SentryMemoryOverhead;
        if (cg.Version == "v2")
        {
            Assert.Equal(memory.ToString(), Read(cg.DirOf("memory")!, "memory.max"));
            Assert.Equal("50000 100000", Read(cg.DirOf("cpu")!, "cpu.max"));
            Assert.Equal(PodCgroup.SharesToWeight(512).ToString(), Read(cg.DirOf("cpu")!, "cpu.weight"));
        }
        else
        {
            Assert.Equal(memory.ToString(), Read(cg.DirOf("memory")!, "memory.limit_in_bytes"));
            Assert.Equal("50000", Read(cg.DirOf("cpu")!, "cpu.cfs_quota_us"));
            Assert.Equal("512", Read(cg.DirOf("cpu")!, "cpu.shares"));
        }
        // The container's processes run as the Sentry's children (ptrace stubs), and its Gofer: in the pod's cgroup too.
        for (int i = 0; i < 100 && cg.Processes().Count < 3; i++) await Task.Delay(50);
        Assert.True(cg.Processes().Count >= 3, "the Sentry, the container's stub and its Gofer are not all in the pod's cgroup");

        await rt.UpdateContainerResourcesAsync(new UpdateContainerResourcesRequest
        { ContainerId = c, Linux = new LinuxContainerResources { MemoryLimitInBytes = 96L << 20, CpuQuota = 20_000, CpuPeriod = 100_000 } });
        Assert.Equal(cg.Version == "v2" ? "20000 100000" : "20000", Read(cg.DirOf("cpu")!, cg.Version == "v2" ? "cpu.max" : "cpu.cfs_quota_us"));
        Assert.Equal(((96L << 20) + CriRuntime.SentryMemoryOverhead).ToString(), Read(cg.DirOf("memory")!, cg.Version == "v2" ? "memory.max" : "memory.limit_in_bytes"));
        var status = (await rt.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = c })).Status;
        Assert.Equal(20_000, status.Resources.Linux.CpuQuota);

        // A restarted server finds the pod's cgroup again.
        await h.RestartAsync();
        rt = h.Client.Runtime;
        await rt.UpdateContainerResourcesAsync(new UpdateContainerResourcesRequest
        { ContainerId = c, Linux = new LinuxContainerResources { MemoryLimitInBytes = 96L << 20, CpuQuota = 30_000, CpuPeriod = 100_000 } });
        Assert.Equal(cg.Version == "v2" ? "30000 100000" : "30000", Read(cg.DirOf("cpu")!, cg.Version == "v2" ? "cpu.max" : "cpu.cfs_quota_us"));

        // A container without a memory limit lifts the pod's.
        rt.CreateContainer(new CreateContainerRequest
        { PodSandboxId = pod, Config = Cri.Container("free", fx.BusyboxRef, new[] { "true" }), SandboxConfig = podCfg });
        Assert.True(long.Parse(cg.Version == "v2" ? "0" + Read(cg.DirOf("memory")!, "memory.max").Replace("max", "") : Read(cg.DirOf("memory")!, "memory.limit_in_bytes")) is 0 or > (1L << 50));

        await rt.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = pod });
        Assert.False(Directory.Exists(path), "the pod's cgroup is still there");
        await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = pod });
    }

    [SkippableFact]
    public async Task A_pods_cgroup_goes_under_its_cgroup_parent()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        Skip.If(PodCgroup.UnavailableReason() != null, PodCgroup.UnavailableReason());
        await using var h = await CriHarness.StartAsync(fx.Registry.Host);
        var rt = h.Client.Runtime;
        var podCfg = Cri.Pod("parented", Path.Combine(h.Root, "logs"));
        string slice = "sbxtest" + Environment.ProcessId + "-burstable.slice";
        podCfg.Linux = new LinuxPodSandboxConfig { CgroupParent = slice };
        string pod = (await rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = podCfg })).PodSandboxId;
        var (path, sentry) = Info(await rt.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod, Verbose = true }));
        Assert.EndsWith($"/sbxtest{Environment.ProcessId}.slice/{slice}/sandbox-{pod}", path);
        var cg = PodCgroup.Open(slice, pod)!;
        Assert.Contains(sentry, cg.Processes());
        await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = pod });
        Assert.False(Directory.Exists(path));
        // The parents are the caller's (kubelet's) and stay; the test removes its own.
        foreach (var dir in new[] { "memory", "cpu", "pids" }.Select(c => cg.DirOf(c)).OfType<string>().Distinct())
        {
            Directory.Delete(Path.GetDirectoryName(dir)!);
            Directory.Delete(Path.GetDirectoryName(Path.GetDirectoryName(dir))!);
        }
    }

    [SkippableFact]
    public async Task A_container_past_the_pods_memory_limit_is_OOMKilled()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        Skip.If(PodCgroup.UnavailableReason() != null, PodCgroup.UnavailableReason());
        await using var h = await CriHarness.StartAsync(fx.Registry.Host);
        var rt = h.Client.Runtime;
        await h.Client.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = fx.BusyboxRef } });
        var podCfg = Cri.Pod("hog", Path.Combine(h.Root, "logs"));
        string pod = (await rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = podCfg })).PodSandboxId;
        // dd's one 1 GiB block is read from /dev/zero into memory: far past 32 MiB plus the overhead.
        string c = rt.CreateContainer(new CreateContainerRequest
        {
            PodSandboxId = pod, SandboxConfig = podCfg,
            Config = Limited("hog", fx.BusyboxRef, 32L << 20, 0, new[] { "busybox", "dd", "if=/dev/zero", "of=/dev/null", "bs=1024M", "count=1" }),
        }).ContainerId;
        string sleeper = rt.CreateContainer(new CreateContainerRequest
        { PodSandboxId = pod, SandboxConfig = podCfg, Config = Limited("sleeper", fx.BusyboxRef, 16L << 20, 0, new[] { "sleep", "600" }) }).ContainerId;
        await rt.StartContainerAsync(new StartContainerRequest { ContainerId = sleeper });
        string path = PodCgroup.Open(null, pod)!.Path;
        await rt.StartContainerAsync(new StartContainerRequest { ContainerId = c });
        var st = await Cri.WaitExitedAsync(rt, c, 60_000);
        Assert.Equal(ContainerState.ContainerExited, st.State);
        Assert.Equal(("OOMKilled", 137), (st.Reason, st.ExitCode));
        // The killer takes the largest process of the cgroup, the Sentry (it maps all the pod's
        // memory): every running container of the pod was OOMKilled, as in a runsc sandbox.
        st = await Cri.WaitExitedAsync(rt, sleeper, 30_000);
        Assert.Equal(("OOMKilled", 137), (st.Reason, st.ExitCode));
        await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = pod });
        Assert.False(Directory.Exists(path), "the pod's cgroup is still there");
    }
}
