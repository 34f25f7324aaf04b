using Grpc.Core;
using Runtime.V1;
using Sandbox.Shim.Runtime;

namespace Sandbox.Shim.Services;

/// <summary>runtime.v1.RuntimeService: thin translation from gRPC to <see cref="CriRuntime"/>.</summary>
public sealed class RuntimeServiceImpl(CriRuntime runtime) : RuntimeService.RuntimeServiceBase
{
    public const string RuntimeName = "sandbox";
    public static string RuntimeVersion => typeof(RuntimeServiceImpl).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public override Task<VersionResponse> Version(VersionRequest request, ServerCallContext context)
        => Task.FromResult(new VersionResponse { Version = "0.1.0", RuntimeName = RuntimeName, RuntimeVersion = RuntimeVersion, RuntimeApiVersion = "v1" });

    public override Task<StatusResponse> Status(StatusRequest request, ServerCallContext context)
    {
        var resp = new StatusResponse
        {
            Status = new RuntimeStatus
            {
                Conditions =
                {
                    new RuntimeCondition { Type = "RuntimeReady", Status = true },
                    // Pods get no network plumbing to wait for (no CNI): see docs/cri.md.
                    new RuntimeCondition { Type = "NetworkReady", Status = true },
                },
            },
            Features = new RuntimeFeatures { SupplementalGroupsPolicy = false, UserNamespacesHostNetwork = false },
        };
        var features = new RuntimeHandlerFeatures { RecursiveReadOnlyMounts = false, UserNamespaces = false };
        resp.RuntimeHandlers.Add(new RuntimeHandler { Name = "", Features = features });
        foreach (var h in runtime.Config.EffectiveHandlers) resp.RuntimeHandlers.Add(new RuntimeHandler { Name = h.Name, Features = features });
        if (request.Verbose)
            resp.Info["config"] = runtime.Config.ToJson();
        return Task.FromResult(resp);
    }

    public override Task<RuntimeConfigResponse> RuntimeConfig(RuntimeConfigRequest request, ServerCallContext context)
        => Task.FromResult(new RuntimeConfigResponse { Linux = new LinuxRuntimeConfiguration { CgroupDriver = CgroupDriver.Cgroupfs } });

    public override Task<UpdateRuntimeConfigResponse> UpdateRuntimeConfig(UpdateRuntimeConfigRequest request, ServerCallContext context)
        => Task.FromResult(new UpdateRuntimeConfigResponse()); // the pod CIDR has no use without pod networking

    // ---- pods ----

    public override async Task<RunPodSandboxResponse> RunPodSandbox(RunPodSandboxRequest request, ServerCallContext context)
        => new RunPodSandboxResponse { PodSandboxId = await runtime.RunPodSandboxAsync(request, context.CancellationToken) };

    public override async Task<StopPodSandboxResponse> StopPodSandbox(StopPodSandboxRequest request, ServerCallContext context)
    {
        await runtime.StopPodSandboxAsync(request.PodSandboxId);
        return new StopPodSandboxResponse();
    }

    public override async Task<RemovePodSandboxResponse> RemovePodSandbox(RemovePodSandboxRequest request, ServerCallContext context)
    {
        await runtime.RemovePodSandboxAsync(request.PodSandboxId);
        return new RemovePodSandboxResponse();
    }

    public override Task<PodSandboxStatusResponse> PodSandboxStatus(PodSandboxStatusRequest request, ServerCallContext context)
        => Task.FromResult(runtime.PodSandboxStatus(request.PodSandboxId, request.Verbose));

    public override Task<ListPodSandboxResponse> ListPodSandbox(ListPodSandboxRequest request, ServerCallContext context)
        => Task.FromResult(new ListPodSandboxResponse { Items = { runtime.ListPodSandbox(request.Filter) } });

    public override Task<UpdatePodSandboxResourcesResponse> UpdatePodSandboxResources(UpdatePodSandboxResourcesRequest request, ServerCallContext context)
    {
        runtime.PodSandboxStatus(request.PodSandboxId, false); // NotFound for unknown pods
        return Task.FromResult(new UpdatePodSandboxResourcesResponse()); // no pod-level cgroup to resize yet
    }

    // ---- containers ----

    public override Task<CreateContainerResponse> CreateContainer(CreateContainerRequest request, ServerCallContext context)
        => Task.FromResult(new CreateContainerResponse { ContainerId = runtime.CreateContainer(request) });

    public override async Task<StartContainerResponse> StartContainer(StartContainerRequest request, ServerCallContext context)
    {
        await runtime.StartContainerAsync(request.ContainerId, context.CancellationToken);
        return new StartContainerResponse();
    }

    public override async Task<StopContainerResponse> StopContainer(StopContainerRequest request, ServerCallContext context)
    {
        await runtime.StopContainerAsync(request.ContainerId, request.Timeout);
        return new StopContainerResponse();
    }

    public override async Task<RemoveContainerResponse> RemoveContainer(RemoveContainerRequest request, ServerCallContext context)
    {
        await runtime.RemoveContainerAsync(request.ContainerId);
        return new RemoveContainerResponse();
    }

    public override Task<ListContainersResponse> ListContainers(ListContainersRequest request, ServerCallContext context)
        => Task.FromResult(new ListContainersResponse { Containers = { runtime.ListContainers(request.Filter) } });

    public override Task<ContainerStatusResponse> ContainerStatus(ContainerStatusRequest request, ServerCallContext context)
        => Task.FromResult(runtime.ContainerStatus(request.ContainerId, request.Verbose));

    public override Task<UpdateContainerResourcesResponse> UpdateContainerResources(UpdateContainerResourcesRequest request, ServerCallContext context)
    {
        runtime.UpdateContainerResources(request);
        return Task.FromResult(new UpdateContainerResourcesResponse());
    }

    public override Task<ReopenContainerLogResponse> ReopenContainerLog(ReopenContainerLogRequest request, ServerCallContext context)
    {
        runtime.ReopenContainerLog(request.ContainerId);
        return Task.FromResult(new ReopenContainerLogResponse());
    }

    public override Task<ExecSyncResponse> ExecSync(ExecSyncRequest request, ServerCallContext context)
        => runtime.ExecSyncAsync(request, context.CancellationToken);

    public override Task<ExecResponse> Exec(ExecRequest request, ServerCallContext context)
        => Task.FromResult(runtime.Exec(request));

    public override Task<AttachResponse> Attach(AttachRequest request, ServerCallContext context)
        => Task.FromResult(runtime.Attach(request));

    public override Task<PortForwardResponse> PortForward(PortForwardRequest request, ServerCallContext context)
        => Task.FromResult(runtime.PortForward(request));

    public override Task<CheckpointContainerResponse> CheckpointContainer(CheckpointContainerRequest request, ServerCallContext context)
        => throw Errors.Unimplemented("CheckpointContainer is not supported");

    // ---- stats and events ----

    public override Task<ContainerStatsResponse> ContainerStats(ContainerStatsRequest request, ServerCallContext context)
        => Task.FromResult(new ContainerStatsResponse { Stats = runtime.ContainerStats(request.ContainerId) });

    public override Task<ListContainerStatsResponse> ListContainerStats(ListContainerStatsRequest request, ServerCallContext context)
        => Task.FromResult(new ListContainerStatsResponse { Stats = { runtime.ListContainerStats(request.Filter) } });

    public override Task<PodSandboxStatsResponse> PodSandboxStats(PodSandboxStatsRequest request, ServerCallContext context)
        => Task.FromResult(new PodSandboxStatsResponse { Stats = runtime.PodSandboxStats(request.PodSandboxId) });

    public override Task<ListPodSandboxStatsResponse> ListPodSandboxStats(ListPodSandboxStatsRequest request, ServerCallContext context)
        => Task.FromResult(new ListPodSandboxStatsResponse { Stats = { runtime.ListPodSandboxStats(request.Filter) } });

    public override Task<ListMetricDescriptorsResponse> ListMetricDescriptors(ListMetricDescriptorsRequest request, ServerCallContext context)
        => Task.FromResult(new ListMetricDescriptorsResponse());

    public override Task<ListPodSandboxMetricsResponse> ListPodSandboxMetrics(ListPodSandboxMetricsRequest request, ServerCallContext context)
        => Task.FromResult(new ListPodSandboxMetricsResponse());

    public override async Task GetContainerEvents(GetEventsRequest request, IServerStreamWriter<ContainerEventResponse> responseStream, ServerCallContext context)
    {
        var reader = runtime.Subscribe(context.CancellationToken);
        try
        {
            await foreach (var ev in reader.ReadAllAsync(context.CancellationToken))
                await responseStream.WriteAsync(ev);
        }
        catch (OperationCanceledException) { }
    }
}
