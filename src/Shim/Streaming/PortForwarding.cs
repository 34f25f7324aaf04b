using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Sandbox.Shim.Runtime;

namespace Sandbox.Shim.Streaming;

/// <summary>
/// Kubernetes' port-forward protocol (portforward.k8s.io over SPDY/3.1, what `kubectl
/// port-forward` speaks through the kubelet): for every connection the client opens a pair of
/// streams with the same `requestID` header, `streamType` error and data, each naming the
/// `port`. The data stream carries the connection both ways; a failure to connect is a message
/// on the error stream. The session lasts until the client hangs up.
/// </summary>
internal static class PortForwarding
{
    public const string Protocol = "portforward.k8s.io";

    public static async Task ServeAsync(HttpContext ctx, CriRuntime runtime, string podId, IReadOnlyList<int> requestPorts)
    {
        if (ctx.WebSockets.IsWebSocketRequest)
        {
            await WebSocketPortForward.ServeAsync(ctx, runtime, podId, requestPorts);
            return;
        }
        var upgrade = ctx.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is not { IsUpgradableRequest: true } || !ctx.Request.Headers.Upgrade.ToString().Contains("SPDY/3.1", StringComparison.OrdinalIgnoreCase))
        {
            ctx.Response.StatusCode = 400;
            await ctx.Response.WriteAsync("port forwarding speaks SPDY/3.1 upgrades or WebSockets only\n");
            return;
        }
        var offered = ctx.Request.Headers["X-Stream-Protocol-Version"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (offered.Count > 0 && !offered.Contains(Protocol))
        {
            ctx.Response.StatusCode = 403;
            await ctx.Response.WriteAsync($"no common stream protocol: client offers [{string.Join(", ", offered)}], server supports [{Protocol}]\n");
            return;
        }
        ctx.Response.Headers.Upgrade = "SPDY/3.1";
        ctx.Response.Headers["X-Stream-Protocol-Version"] = Protocol;
        var io = await upgrade.UpgradeAsync();
        await using var conn = new SpdyConnection(io);
        var reader = conn.RunAsync(CancellationToken.None);
        var pairs = new Dictionary<string, (SpdyStream? Error, SpdyStream? Data)>();
        var relays = new List<Task>();
        try
        {
            await foreach (var s in conn.Accepted.ReadAllAsync())
            {
                // Clients before requestID paired the data stream with the error stream opened just before it.
                string key = s.Headers.TryGetValue("requestid", out var rid) ? rid : (s.Type == "data" ? s.Id - 2 : s.Id).ToString();
                var pair = pairs.GetValueOrDefault(key);
                if (s.Type == "error") pair.Error = s; else if (s.Type == "data") pair.Data = s; else continue;
                if (pair.Error == null || pair.Data == null) { pairs[key] = pair; continue; }
                pairs.Remove(key);
                relays.Add(RelayAsync(runtime, podId, pair.Error, pair.Data));
            }
        }
        catch (System.Threading.Channels.ChannelClosedException) { }
        await reader;
        await Task.WhenAll(relays);
    }

    private static async Task RelayAsync(CriRuntime runtime, string podId, SpdyStream error, SpdyStream data)
    {
        if (!int.TryParse(data.Headers.GetValueOrDefault("port"), out int port) || port is < 1 or > 65535)
        {
            try { await FailAsync(error, data, $"invalid port '{data.Headers.GetValueOrDefault("port")}'"); }
            catch (IOException) { }
            return;
        }
        await RelayAsync(runtime, podId, port, error, data);
    }

    /// <summary>One connection to the pod's <paramref name="port"/>, relayed to <paramref name="data"/>;
    /// why it could not be made, or how it failed, on <paramref name="error"/>.</summary>
    internal static async Task RelayAsync(CriRuntime runtime, string podId, int port, IRemoteStream error, IRemoteStream data)
    {
        try
        {
            ExecProcess relay;
            try { relay = await runtime.ConnectAsync(podId, port, CancellationToken.None); }
            catch (IOException e)
            {
                await FailAsync(error, data, $"forwarding port {port} to pod {podId}: {e.Message}");
                return;
            }
            using (relay)
            {
                var stderr = new MemoryStream();
                var errCopy = relay.Stderr.CopyToAsync(stderr);
                var toClient = CopyOut(relay.Stdout, data);
                _ = RemoteCommand.CopyIn(data.Incoming.Reader, relay);
                int code = await relay.WaitAsync(CancellationToken.None);
                await Task.WhenAll(toClient, errCopy);
                if (code != 0)
                    await error.WriteAsync(Encoding.UTF8.GetBytes($"forwarding port {port} to pod {podId}: {Encoding.UTF8.GetString(stderr.ToArray()).Trim()}"));
                await data.CloseAsync();
                await error.CloseAsync();
            }
        }
        catch (IOException) { } // the client went away
    }

    private static async Task FailAsync(IRemoteStream error, IRemoteStream data, string message)
    {
        await error.WriteAsync(Encoding.UTF8.GetBytes(message));
        await error.CloseAsync();
        await data.CloseAsync();
    }

    private static async Task CopyOut(Stream from, IRemoteStream to)
    {
        var buf = new byte[32 * 1024];
        int n;
        while ((n = await from.ReadAsync(buf)) > 0) await to.WriteAsync(buf.AsMemory(0, n));
    }
}
