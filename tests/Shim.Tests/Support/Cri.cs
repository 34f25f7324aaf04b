using Grpc.Core;
using Runtime.V1;

namespace Sandbox.Shim.Tests.Support;

/// <summary>Small builders and assertions for CRI requests.</summary>
public static class Cri
{
    public static PodSandboxConfig Pod(string name, string? logDir = null, string uid = "uid-1", uint attempt = 0, params (string K, string V)[] labels)
    {
        var c = new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = name, Namespace = "default", Uid = uid, Attempt = attempt },
            Hostname = name,
            LogDirectory = logDir ?? "",
            DnsConfig = new DNSConfig { Servers = { "10.0.0.10" }, Searches = { "default.svc.cluster.local" } },
            // No host port: the server would listen on it for a Sentry pod without a CNI network (HostPortRelay).
            PortMappings = { new PortMapping { ContainerPort = 80, Protocol = Protocol.Tcp } },
        };
        foreach (var (k, v) in labels) c.Labels[k] = v;
        return c;
    }

    public static ContainerConfig Container(string name, string image, string[]? command = null, string[]? args = null, string? logPath = null, params (string K, string V)[] labels)
    {
        var c = new ContainerConfig
        {
            Metadata = new ContainerMetadata { Name = name },
            Image = new ImageSpec { Image = image },
            LogPath = logPath ?? "",
        };
        if (command != null) c.Command.AddRange(command);
        if (args != null) c.Args.AddRange(args);
        foreach (var (k, v) in labels) c.Labels[k] = v;
        return c;
    }

    public static async Task<StatusCode> CodeOf(Func<Task> call)
    {
        try { await call(); }
        catch (RpcException e) { return e.StatusCode; }
        return StatusCode.OK;
    }

    /// <summary>Polls ContainerStatus until the container has exited (or the timeout passes).</summary>
    public static async Task<ContainerStatus> WaitExitedAsync(RuntimeService.RuntimeServiceClient rt, string id, int timeoutMs = 60_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            var s = (await rt.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = id })).Status;
            if (s.State == ContainerState.ContainerExited || DateTime.UtcNow > deadline) return s;
            await Task.Delay(50);
        }
    }
}
