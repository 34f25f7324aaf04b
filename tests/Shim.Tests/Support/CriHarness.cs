using Sandbox.Shim.Config;
using Sandbox.Shim.Server;

namespace Sandbox.Shim.Tests.Support;

/// <summary>
/// A CRI server in this process on a temporary unix socket with temporary state and image
/// directories, and a gRPC client connected to it. Containers run through the `sandbox`
/// CLI built next to the tests (`dotnet sandbox.dll run`).
/// </summary>
public sealed class CriHarness : IAsyncDisposable
{
    private readonly TempDir _dir;
    private readonly bool _ownsDir;

    public CriServer Server { get; private set; } = null!;
    public CriClient Client { get; private set; } = null!;
    public CriConfig Config { get; }
    public string Root => _dir.Path;

    private CriHarness(TempDir dir, bool ownsDir, CriConfig config)
    {
        _dir = dir;
        _ownsDir = ownsDir;
        Config = config;
    }

    public static string SandboxDll => Path.Combine(AppContext.BaseDirectory, "sandbox.dll");

    public static CriConfig DefaultConfig(string root, string? registry = null)
    {
        var c = new CriConfig
        {
            Socket = Path.Combine(root, "cri.sock"),
            StateDir = Path.Combine(root, "state"),
            ImageDir = Path.Combine(root, "images"),
            SandboxCommand = { "dotnet", SandboxDll },
        };
        if (registry != null) c.InsecureRegistries.Add(registry);
        return c;
    }

    public static async Task<CriHarness> StartAsync(string? registry = null, Action<CriConfig>? configure = null)
    {
        var dir = new TempDir();
        var config = DefaultConfig(dir.Path, registry);
        configure?.Invoke(config);
        var h = new CriHarness(dir, true, config);
        await h.StartServerAsync();
        return h;
    }

    private async Task StartServerAsync()
    {
        Server = await CriServer.StartAsync(Config);
        Client = new CriClient(Config.Socket);
    }

    /// <summary>Stops the server and starts a new one on the same directories (state recovery).</summary>
    public async Task RestartAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        await StartServerAsync();
    }

    public async Task StopServerAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }

    public Task StartServerAgainAsync() => StartServerAsync();

    public async ValueTask DisposeAsync()
    {
        // Containers outlive the server (their monitors hold them): remove them first.
        if (Server != null)
            foreach (var pod in (await Client.Runtime.ListPodSandboxAsync(new global::Runtime.V1.ListPodSandboxRequest())).Items)
                await Client.Runtime.RemovePodSandboxAsync(new global::Runtime.V1.RemovePodSandboxRequest { PodSandboxId = pod.Id });
        Client?.Dispose();
        if (Server != null) await Server.DisposeAsync();
        if (_ownsDir) _dir.Dispose();
    }
}
