using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sandbox.Shim.Runtime;

namespace Sandbox.Shim.Streaming;

/// <summary>
/// The streaming server Exec and Attach URLs point at: plain HTTP/1.1 on the configured
/// streaming_address, one path per request kind with a single-use token; clients upgrade to
/// SPDY/3.1 or to a WebSocket.
/// </summary>
public sealed class StreamingServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly StreamingRequests _requests;

    private StreamingServer(WebApplication app, StreamingRequests requests, string baseUrl)
    {
        _app = app;
        _requests = requests;
        BaseUrl = baseUrl;
    }

    /// <summary>http://host:port — what Exec and Attach URLs start with.</summary>
    public string BaseUrl { get; }

    internal static async Task<StreamingServer> StartAsync(string address, CriRuntime runtime, LogLevel level)
    {
        var b = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = Array.Empty<string>() });
        b.Logging.ClearProviders();
        b.Logging.AddSimpleConsole(o => o.SingleLine = true);
        b.Logging.SetMinimumLevel(level);
        b.WebHost.UseUrls("http://" + address);
        var app = b.Build();
        app.UseWebSockets();
        var requests = new StreamingRequests();
        app.Map("/exec/{token}", (RequestDelegate)(async ctx =>
        {
            var p = requests.Take((string)ctx.Request.RouteValues["token"]!);
            if (p?.Exec == null) { ctx.Response.StatusCode = 404; await ctx.Response.WriteAsync("unknown or expired exec token\n"); return; }
            await RemoteCommand.ServeExecAsync(ctx, runtime, p);
        }));
        app.Map("/attach/{token}", (RequestDelegate)(async ctx =>
        {
            var p = requests.Take((string)ctx.Request.RouteValues["token"]!);
            if (p?.Attach == null) { ctx.Response.StatusCode = 404; await ctx.Response.WriteAsync("unknown or expired attach token\n"); return; }
            await RemoteCommand.ServeAttachAsync(ctx, runtime, p);
        }));
        app.Map("/portforward/{token}", (RequestDelegate)(async ctx =>
        {
            var p = requests.Take((string)ctx.Request.RouteValues["token"]!);
            if (p?.PortForward == null) { ctx.Response.StatusCode = 404; await ctx.Response.WriteAsync("unknown or expired port-forward token\n"); return; }
            await PortForwarding.ServeAsync(ctx, runtime, p.ContainerId, p.PortForward.Port);
        }));
        await app.StartAsync().ConfigureAwait(false);
        var addr = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var server = new StreamingServer(app, requests, addr.TrimEnd('/'));
        runtime.Streaming = server;
        return server;
    }

    internal string Register(string containerId, global::Runtime.V1.ExecRequest? exec, global::Runtime.V1.AttachRequest? attach)
        => $"{BaseUrl}/{(exec != null ? "exec" : "attach")}/{_requests.Add(containerId, exec, attach)}";

    internal string RegisterPortForward(string podId, global::Runtime.V1.PortForwardRequest req)
        => $"{BaseUrl}/portforward/{_requests.Add(podId, null, null, req)}";

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try { await _app.StopAsync(cts.Token).ConfigureAwait(false); } catch (OperationCanceledException) { }
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
