using Microsoft.Extensions.Logging;
using Runtime.V1;
using Sandbox.Shim.Backends;
using Sandbox.Shim.State;

namespace Sandbox.Shim.Runtime;

public sealed partial class CriRuntime
{
    /// <summary>The host ports the server serves itself (Sentry pods without a CNI network), by pod ID.</summary>
    private readonly Dictionary<string, HostPortRelay> _hostPorts = new();

    /// <summary>
    /// Serves a ready Sentry pod's host ports when nothing else does: without a CNI network its
    /// only interface is its own loopback, so the server listens and relays (HostPortRelay).
    /// Caller holds the lock.
    /// </summary>
    private void StartHostPorts(PodRecord pod)
    {
        if (!IsSentryPod(pod) || pod.NetnsPath.Length > 0 || _hostPorts.ContainsKey(pod.Id)) return;
        if (pod.Config.Linux?.SecurityContext?.NamespaceOptions?.Network == NamespaceMode.Node) return;
        string socket = pod.ControlSocket;
        var relay = HostPortRelay.Start(pod.Config.PortMappings, port => PodSentry.PortForward(socket, port), _log, pod.Id);
        if (relay != null) _hostPorts[pod.Id] = relay;
    }

    /// <summary>Caller holds the lock.</summary>
    private void StopHostPorts(string podId)
    {
        if (_hostPorts.Remove(podId, out var relay)) relay.Dispose();
    }
}
