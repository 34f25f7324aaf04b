namespace Sandbox.Shim.Tests.Support;

/// <summary>
/// One local registry for the test run, holding the test images:
/// <c>busybox:latest</c> (OCI manifest, two layers with a whiteout and an opaque directory),
/// <c>busybox-docker:v1</c> (Docker v2 schema 2 manifest), and <c>multi:latest</c> (an OCI
/// index with linux/arm64 and linux/amd64 entries).
/// </summary>
public sealed class RegistryFixture : IDisposable
{
    public LocalRegistry Registry { get; } = new();
    public string? Unavailable { get; }
    public string BusyboxRef => $"{Registry.Host}/busybox:latest";
    public string DockerRef => $"{Registry.Host}/busybox-docker:v1";
    public string MultiRef => $"{Registry.Host}/multi:latest";
    public string BusyboxManifestDigest { get; } = "";
    public string BusyboxConfigDigest { get; } = "";

    public RegistryFixture()
    {
        Unavailable = Registry.Unavailable;
        if (Unavailable == null && !File.Exists(ImageBuilder.HostBusybox)) Unavailable = $"{ImageBuilder.HostBusybox} is absent (busybox-static)";
        if (Unavailable != null) return;
        using var http = new HttpClient();
        var layers = new[] { ImageBuilder.BusyboxLayer(), ImageBuilder.SecondLayer() };
        var config = ImageBuilder.Config();
        var m = ImageBuilder.PushImageAsync(http, Registry.BaseUri, "busybox", "latest", config, layers).GetAwaiter().GetResult();
        BusyboxManifestDigest = m.Digest;
        BusyboxConfigDigest = config.Digest;
        ImageBuilder.PushImageAsync(http, Registry.BaseUri, "busybox-docker", "v1", ImageBuilder.Config(cmd: new[] { "echo", "docker-v2" }), layers, docker: true).GetAwaiter().GetResult();

        var arm = ImageBuilder.PushImageAsync(http, Registry.BaseUri, "multi", null, ImageBuilder.Config(arch: "arm64"),
            new[] { ImageBuilder.Layer(t => ImageBuilder.File(t, "arm", "arm64\n"u8.ToArray())) }).GetAwaiter().GetResult();
        var amd = ImageBuilder.PushImageAsync(http, Registry.BaseUri, "multi", null, ImageBuilder.Config(cmd: new[] { "echo", "amd64" }), layers).GetAwaiter().GetResult();
        ImageBuilder.PushManifestAsync(http, Registry.BaseUri, "multi", "latest", ImageBuilder.Index((arm, "arm64"), (amd, "amd64"))).GetAwaiter().GetResult();
    }

    public void Dispose() => Registry.Dispose();
}

[CollectionDefinition("registry")]
public sealed class RegistryCollection : ICollectionFixture<RegistryFixture>;
