#pragma warning disable CS0612 // deprecated CRI fields are part of what is tested
using Grpc.Core;
using Runtime.V1;
using Sandbox.Shim.Tests.Support;

namespace Sandbox.Shim.Tests;

/// <summary>RuntimeService over the unix socket, without images: pods, state machine, error codes.</summary>
public class RuntimeServiceTests
{
    [Fact]
    public async Task Version_and_status_report_runtime_and_handlers()
    {
        await using var h = await CriHarness.StartAsync();
        var v = await h.Client.Runtime.VersionAsync(new VersionRequest { Version = "v1" });
        Assert.Equal("sandbox", v.RuntimeName);
        Assert.Equal("v1", v.RuntimeApiVersion);

        var s = await h.Client.Runtime.StatusAsync(new StatusRequest { Verbose = true });
        Assert.Contains(s.Status.Conditions, c => c.Type == "RuntimeReady" && c.Status);
        Assert.Contains(s.Status.Conditions, c => c.Type == "NetworkReady" && c.Status);
        Assert.Equal(new[] { "", "sentry", "sentry-ptrace", "sentry-kvm", "microvm" }, s.RuntimeHandlers.Select(x => x.Name));
        Assert.All(s.RuntimeHandlers, x => Assert.NotNull(x.Features));
        Assert.Contains("state_dir", s.Info["config"]);

        var rc = await h.Client.Runtime.RuntimeConfigAsync(new RuntimeConfigRequest());
        Assert.Equal(CgroupDriver.Cgroupfs, rc.Linux.CgroupDriver);
    }

    [Fact]
    public async Task Pod_lifecycle_status_list_filters_and_idempotent_stop_remove()
    {
        await using var h = await CriHarness.StartAsync();
        var rt = h.Client.Runtime;
        long before = Sandbox.Shim.Util.Clock.NowNs();
        string a = (await rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = Cri.Pod("a", labels: ("app", "web")) })).PodSandboxId;
        string b = (await rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = Cri.Pod("b", uid: "uid-2", labels: ("app", "db")), RuntimeHandler = "sentry-ptrace" })).PodSandboxId;
        Assert.Equal(64, a.Length);

        var st = (await rt.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = a, Verbose = true })).Status;
        Assert.Equal(PodSandboxState.SandboxReady, st.State);
        Assert.Equal("a", st.Metadata.Name);
        Assert.Equal("sentry", st.RuntimeHandler);
        Assert.InRange(st.CreatedAt, before, Sandbox.Shim.Util.Clock.NowNs());
        Assert.Equal("web", st.Labels["app"]);
        Assert.Equal("sentry-ptrace", (await rt.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = b[..12] })).Status.RuntimeHandler);

        Assert.Equal(2, (await rt.ListPodSandboxAsync(new ListPodSandboxRequest())).Items.Count);
        var web = await rt.ListPodSandboxAsync(new ListPodSandboxRequest { Filter = new PodSandboxFilter { LabelSelector = { ["app"] = "web" } } });
        Assert.Equal(a, Assert.Single(web.Items).Id);
        var byId = await rt.ListPodSandboxAsync(new ListPodSandboxRequest { Filter = new PodSandboxFilter { Id = b } });
        Assert.Equal(b, Assert.Single(byId.Items).Id);

        await rt.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = a });
        await rt.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = a }); // idempotent
        var notReady = await rt.ListPodSandboxAsync(new ListPodSandboxRequest { Filter = new PodSandboxFilter { State = new PodSandboxStateValue { State = PodSandboxState.SandboxNotready } } });
        Assert.Equal(a, Assert.Single(notReady.Items).Id);

        // No container may be created in a pod that is not ready.
        Assert.Equal(StatusCode.FailedPrecondition, await Cri.CodeOf(() => rt.CreateContainerAsync(new CreateContainerRequest
        { PodSandboxId = a, Config = Cri.Container("c", "busybox"), SandboxConfig = Cri.Pod("a") }).ResponseAsync));

        await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = a });
        await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = a }); // idempotent
        await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = b }); // ready pod: stopped, then removed
        Assert.Empty((await rt.ListPodSandboxAsync(new ListPodSandboxRequest())).Items);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(h.Config.StateDir, "pods")));
    }

    [Fact]
    public async Task Errors_have_the_cri_status_codes()
    {
        await using var h = await CriHarness.StartAsync();
        var rt = h.Client.Runtime;
        string unknown = new('0', 64);
        Assert.Equal(StatusCode.NotFound, await Cri.CodeOf(() => rt.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = unknown }).ResponseAsync));
        Assert.Equal(StatusCode.NotFound, await Cri.CodeOf(() => rt.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = unknown }).ResponseAsync));
        Assert.Equal(StatusCode.OK, await Cri.CodeOf(() => rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = unknown }).ResponseAsync));
        Assert.Equal(StatusCode.NotFound, await Cri.CodeOf(() => rt.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = unknown }).ResponseAsync));
        Assert.Equal(StatusCode.NotFound, await Cri.CodeOf(() => rt.StartContainerAsync(new StartContainerRequest { ContainerId = unknown }).ResponseAsync));
        Assert.Equal(StatusCode.NotFound, await Cri.CodeOf(() => rt.StopContainerAsync(new StopContainerRequest { ContainerId = unknown }).ResponseAsync));
        Assert.Equal(StatusCode.OK, await Cri.CodeOf(() => rt.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = unknown }).ResponseAsync));
        Assert.Equal(StatusCode.NotFound, await Cri.CodeOf(() => rt.ExecSyncAsync(new ExecSyncRequest { ContainerId = unknown, Cmd = { "true" } }).ResponseAsync));
        Assert.Equal(StatusCode.InvalidArgument, await Cri.CodeOf(() => rt.PodSandboxStatusAsync(new PodSandboxStatusRequest()).ResponseAsync));
        Assert.Equal(StatusCode.InvalidArgument, await Cri.CodeOf(() => rt.RunPodSandboxAsync(new RunPodSandboxRequest()).ResponseAsync));
        Assert.Equal(StatusCode.InvalidArgument, await Cri.CodeOf(() => rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = new PodSandboxConfig { Metadata = new PodSandboxMetadata() } }).ResponseAsync));
        Assert.Equal(StatusCode.NotFound, await Cri.CodeOf(() => rt.ExecAsync(new ExecRequest { ContainerId = unknown, Cmd = { "true" }, Stdout = true }).ResponseAsync));
        Assert.Equal(StatusCode.NotFound, await Cri.CodeOf(() => rt.AttachAsync(new AttachRequest { ContainerId = unknown, Stdout = true }).ResponseAsync));
        Assert.Equal(StatusCode.NotFound, await Cri.CodeOf(() => rt.PortForwardAsync(new PortForwardRequest { PodSandboxId = unknown }).ResponseAsync));

        // Handlers: unknown is an invalid argument; microvm, where no VM can start, says why.
        var e = await Assert.ThrowsAsync<RpcException>(() => rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = Cri.Pod("x"), RuntimeHandler = "runc" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("runc", e.Status.Detail);
        if (Sandbox.Shim.Backends.PodVm.UnavailableReason() is { } why)
        {
            e = await Assert.ThrowsAsync<RpcException>(() => rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = Cri.Pod("x"), RuntimeHandler = "microvm" }).ResponseAsync);
            Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
            Assert.Contains(why, e.Status.Detail);
        }

        // A pod name is reserved until the pod is removed.
        string id = (await rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = Cri.Pod("dup") })).PodSandboxId;
        Assert.Equal(StatusCode.AlreadyExists, await Cri.CodeOf(() => rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = Cri.Pod("dup") }).ResponseAsync));
        await rt.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = id });
        await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = id });
        string dup = (await rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = Cri.Pod("dup") })).PodSandboxId;
        // A Sentry pod's ports are reached through its Sentry (SentryPortForwardTests).
        Assert.Contains("/portforward/", (await rt.PortForwardAsync(new PortForwardRequest { PodSandboxId = dup, Port = { 80 } })).Url);

        // A container needs an image that is present.
        string pod = (await rt.ListPodSandboxAsync(new ListPodSandboxRequest())).Items[0].Id;
        Assert.Equal(StatusCode.NotFound, await Cri.CodeOf(() => rt.CreateContainerAsync(new CreateContainerRequest
        { PodSandboxId = pod, Config = Cri.Container("c", "127.0.0.1:1/none:1") }).ResponseAsync));
        Assert.Equal(StatusCode.NotFound, await Cri.CodeOf(() => rt.CreateContainerAsync(new CreateContainerRequest { PodSandboxId = unknown, Config = Cri.Container("c", "busybox") }).ResponseAsync));
        // A group without a user is refused (critest: "RunAsGroup is set without RunAsUser").
        var groupOnly = Cri.Container("g", "busybox");
        groupOnly.Linux = new LinuxContainerConfig { SecurityContext = new LinuxContainerSecurityContext { RunAsGroup = new Int64Value { Value = 1000 } } };
        Assert.Equal(StatusCode.InvalidArgument, await Cri.CodeOf(() => rt.CreateContainerAsync(new CreateContainerRequest { PodSandboxId = pod, Config = groupOnly }).ResponseAsync));
        // A seccomp profile path must say what kind it is (critest: "without using localhost/ as a prefix").
        var seccomp = Cri.Container("s", "busybox");
        seccomp.Linux = new LinuxContainerConfig { SecurityContext = new LinuxContainerSecurityContext { SeccompProfilePath = "/etc/profile.json" } };
        Assert.Equal(StatusCode.InvalidArgument, await Cri.CodeOf(() => rt.CreateContainerAsync(new CreateContainerRequest { PodSandboxId = pod, Config = seccomp }).ResponseAsync));
    }

    [Fact]
    public async Task Kvm_handler_fails_with_failed_precondition_saying_why_where_kvm_cannot_run()
    {
        await using var h = await CriHarness.StartAsync();
        try
        {
            var id = await h.Client.Runtime.RunPodSandboxAsync(new RunPodSandboxRequest { Config = Cri.Pod("k"), RuntimeHandler = "sentry-kvm" });
            Assert.Equal("sentry-kvm", (await h.Client.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = id.PodSandboxId })).Status.RuntimeHandler);
        }
        catch (RpcException e)
        {
            Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
            Assert.Contains("kvm", e.Status.Detail, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Pods_survive_a_server_restart()
    {
        await using var h = await CriHarness.StartAsync();
        string id = (await h.Client.Runtime.RunPodSandboxAsync(new RunPodSandboxRequest { Config = Cri.Pod("persist", labels: ("k", "v")) })).PodSandboxId;
        await h.RestartAsync();
        var st = (await h.Client.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = id })).Status;
        Assert.Equal(PodSandboxState.SandboxReady, st.State);
        Assert.Equal("v", st.Labels["k"]);
    }
}
