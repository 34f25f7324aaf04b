using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Sandbox.Shim.Backends;

/// <summary>
/// The host ports of a Sentry pod that has no CNI network (only its own loopback, which nothing
/// on the host can route to): the server listens on each TCP mapping's host port (its host_ip,
/// else every address) and relays each connection it accepts to the container port through the
/// same path as PortForward (the pod Sentry's `portforward` request), both ways with half-closes.
/// With a CNI network the `portmap` plugin serves host ports instead (PodNetwork), and a
/// host-network pod's ports are the host's already. UDP and SCTP mappings are not served.
/// </summary>
public sealed class HostPortRelay : IDisposable
{
    private readonly List<Socket> _listeners = new();
    private readonly CancellationTokenSource _stop = new();

    private HostPortRelay() { }

    /// <summary>
    /// Listens on the mappings' host ports; null when none has one. A port that cannot be
    /// bound (in use) is logged and skipped: the pod runs without it, as it would behind a
    /// `portmap` rule that something else shadows.
    /// </summary>
    public static HostPortRelay? Start(IEnumerable<global::Runtime.V1.PortMapping> mappings, Func<int, Socket> connect, ILogger log, string podId)
    {
        HostPortRelay? relay = null;
        foreach (var m in mappings)
        {
            if (m.HostPort <= 0 || m.Protocol != global::Runtime.V1.Protocol.Tcp) continue;
            if (m.ContainerPort is < 1 or > 65535 || m.HostPort > 65535)
            {
                log.LogWarning("pod {Pod}: port mapping {Host} -> {Container} is out of range, not served", podId, m.HostPort, m.ContainerPort);
                continue;
            }
            var addr = string.IsNullOrEmpty(m.HostIp) ? IPAddress.Any : IPAddress.TryParse(m.HostIp, out var a) ? a : null;
            if (addr == null) { log.LogWarning("pod {Pod}: host_ip '{Ip}' is not an address, port {Port} not served", podId, m.HostIp, m.HostPort); continue; }
            var s = new Socket(addr.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                s.Bind(new IPEndPoint(addr, m.HostPort));
                s.Listen(128);
            }
            catch (SocketException e)
            {
                s.Dispose();
                log.LogWarning("pod {Pod}: host port {Ip}:{Port} not served: {Error}", podId, addr, m.HostPort, e.Message);
                continue;
            }
            relay ??= new HostPortRelay();
            relay._listeners.Add(s);
            int containerPort = m.ContainerPort;
            _ = relay.AcceptAsync(s, () => connect(containerPort), log, podId);
        }
        return relay;
    }

    private async Task AcceptAsync(Socket listener, Func<Socket> connect, ILogger log, string podId)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await listener.AcceptAsync(_stop.Token).ConfigureAwait(false); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException) { return; }
            _ = Task.Run(async () =>
            {
                Socket pod;
                try { pod = connect(); }
                catch (IOException e)
                {
                    // The client sees its connection reset, as with nothing listening behind a DNAT rule.
                    log.LogInformation("pod {Pod}: host port connection not forwarded: {Error}", podId, e.Message);
                    client.LingerState = new LingerOption(true, 0);
                    client.Dispose();
                    return;
                }
                using (client)
                using (pod)
                using (_stop.Token.Register(() => { Shut(client); Shut(pod); }))
                    await Task.WhenAll(PumpAsync(client, pod), PumpAsync(pod, client)).ConfigureAwait(false);
            });
        }
    }

    /// <summary>One direction: what arrives is sent on, the end of stream passed on as a half-close; an error ends both.</summary>
    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buf = new byte[64 << 10];
        try
        {
            int n;
            while ((n = await from.ReceiveAsync(buf, SocketFlags.None).ConfigureAwait(false)) > 0)
                for (int off = 0; off < n;) off += await to.SendAsync(buf.AsMemory(off, n - off), SocketFlags.None).ConfigureAwait(false);
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { Shut(from); Shut(to); }
    }

    private static void Shut(Socket s)
    {
        try { s.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
    }

    /// <summary>Stops listening and ends the connections it relays.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        foreach (var l in _listeners) l.Dispose();
        _listeners.Clear();
    }
}
