using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sandbox.Shim.Backends;
using Sandbox.Shim.Config;
using Sandbox.Shim.Images;
using Sandbox.Shim.Runtime;
using Sandbox.Shim.Services;

namespace Sandbox.Shim.Server;

/// <summary>
/// The CRI server: runtime.v1 RuntimeService and ImageService over gRPC on Kestrel, listening
/// on a unix socket with HTTP/2 and no TLS (what the kubelet and crictl speak).
/// </summary>
public sealed class CriServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CriRuntime _runtime;
    private readonly RegistryClient _registry;
    private bool _disposed;
    private Streaming.StreamingServer? _streaming;

    private CriServer(WebApplication app, CriRuntime runtime, RegistryClient registry, CriConfig config)
    {
        _app = app;
        _runtime = runtime;
        _registry = registry;
        Config = config;
    }

    public CriConfig Config { get; }
    public CriRuntime Runtime => _runtime;
    /// <summary>http://host:port of the streaming server (Exec/Attach URLs).</summary>
    public string StreamingUrl => _streaming!.BaseUrl;

    public static async Task<CriServer> StartAsync(CriConfig config, CancellationToken ct = default)
    {
        config.Validate();
        Directory.CreateDirectory(config.StateDir);
        Directory.CreateDirectory(config.ImageDir);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(config.Socket))!);
        if (File.Exists(config.Socket)) File.Delete(config.Socket); // a stale socket of an earlier run

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = Array.Empty<string>() });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
        builder.Logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(Enum.TryParse<LogLevel>(config.LogLevel, true, out var level) ? level : LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenUnixSocket(config.Socket, l =>
            {
                l.Protocols = HttpProtocols.Http2;
                l.Use(Http2.AuthorityRewriter.Middleware); // gRPC-Go sends the socket path as :authority
            });
            k.Limits.Http2.MaxStreamsPerConnection = 1000;
        });
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = 16 * 1024 * 1024;
            o.MaxSendMessageSize = 16 * 1024 * 1024;
            o.EnableDetailedErrors = true;
        });

        var registry = new RegistryClient(config);
        var images = new ImageStore(config.ImageDir, registry);
        var loggerFactory = LoggerFactory.Create(l => l.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        var runtime = new CriRuntime(config, images, new SandboxCommand(config.SandboxCommand), loggerFactory.CreateLogger("cri"));
        builder.Services.AddSingleton(runtime);

        var app = builder.Build();
        app.MapGrpcService<RuntimeServiceImpl>();
        app.MapGrpcService<ImageServiceImpl>();
        var streaming = await Streaming.StreamingServer.StartAsync(config.StreamingAddress, runtime,
            Enum.TryParse<LogLevel>(config.LogLevel, true, out var sl) ? sl : LogLevel.Warning).ConfigureAwait(false);
        await app.StartAsync(ct).ConfigureAwait(false);
        return new CriServer(app, runtime, registry, config) { _streaming = streaming };
    }

    /// <summary>Completes when the host is asked to stop (SIGTERM/SIGINT under `sandbox cri`).</summary>
    public Task WaitForShutdownAsync(CancellationToken ct = default) => _app.WaitForShutdownAsync(ct);

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        try { await _app.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false); } catch (OperationCanceledException) { }
        await _runtime.DisposeAsync().ConfigureAwait(false);
        if (_streaming != null) await _streaming.DisposeAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _registry.Dispose();
        if (File.Exists(Config.Socket)) File.Delete(Config.Socket);
    }
}
