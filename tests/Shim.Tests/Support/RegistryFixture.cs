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
    /// <summary>One zstd layer (busybox and a file), its diff ID in the config.</summary>
    public string ZstdRef => $"{Registry.Host}/zstd:latest";
    public string ZstdConfigDigest { get; } = "";
    /// <summary>A zstd layer whose only block has the reserved type (RFC 8878 3.1.1.2): corrupt.</summary>
    public string CorruptZstdRef => $"{Registry.Host}/zstd-corrupt:latest";
    public string CorruptZstdLayerDigest { get; } = "";
    /// <summary>A gzip layer whose config gives another diff ID.</summary>
    public string WrongDiffIdRef => $"{Registry.Host}/wrong-diffid:latest";
    public string BusyboxManifestDigest { get; } = "";
    public string[] BusyboxLayerDigests { get; } = Array.Empty<string>();
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
        BusyboxLayerDigests = layers.Select(l => l.Digest).ToArray();
        ImageBuilder.PushImageAsync(http, Registry.BaseUri, "busybox-docker", "v1", ImageBuilder.Config(cmd: new[] { "echo", "docker-v2" }), layers, docker: true).GetAwaiter().GetResult();
        ImageBuilder.PushImageAsync(http, Registry.BaseUri, "busybox-user", "latest", ImageBuilder.Config(user: "1234:5678"), layers).GetAwaiter().GetResult();

        var arm = ImageBuilder.PushImageAsync(http, Registry.BaseUri, "multi", null, ImageBuilder.Config(arch: "arm64"),
            new[] { ImageBuilder.Layer(t => ImageBuilder.File(t, "arm", "arm64\n"u8.ToArray())) }).GetAwaiter().GetResult();
        var amd = ImageBuilder.PushImageAsync(http, Registry.BaseUri, "multi", null, ImageBuilder.Config(cmd: new[] { "echo", "amd64" }), layers).GetAwaiter().GetResult();
        ImageBuilder.PushManifestAsync(http, Registry.BaseUri, "multi", "latest", ImageBuilder.Index((arm, "arm64"), (amd, "amd64"))).GetAwaiter().GetResult();

        var (zstd, diffId) = ImageBuilder.ZstdLayer(t =>
        {
            ImageBuilder.Dir(t, "bin/");
            ImageBuilder.File(t, "bin/busybox", File.ReadAllBytes(ImageBuilder.HostBusybox), 0b111_101_101);
            ImageBuilder.Symlink(t, "bin/sh", "busybox");
            ImageBuilder.Dir(t, "etc/");
            ImageBuilder.File(t, "etc/zstd.txt", "from a zstd layer\n"u8.ToArray());
        });
        var zstdConfig = ImageBuilder.Config(cmd: new[] { "cat", "/etc/zstd.txt" }, diffIds: new[] { diffId });
        ImageBuilder.PushImageAsync(http, Registry.BaseUri, "zstd", "latest", zstdConfig, new[] { zstd }).GetAwaiter().GetResult();
        ZstdConfigDigest = zstdConfig.Digest;

        // Magic, a frame header (no flags, window descriptor 0), then a last block of type 3.
        var corrupt = ImageBuilder.MakeBlob(new byte[] { 0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, 0x07, 0x00, 0x00 }, "application/vnd.oci.image.layer.v1.tar+zstd");
        ImageBuilder.PushImageAsync(http, Registry.BaseUri, "zstd-corrupt", "latest", ImageBuilder.Config(), new[] { corrupt }).GetAwaiter().GetResult();
        CorruptZstdLayerDigest = corrupt.Digest;

        ImageBuilder.PushImageAsync(http, Registry.BaseUri, "wrong-diffid", "latest",
            ImageBuilder.Config(diffIds: new[] { "sha256:" + new string('0', 64) }),
            new[] { ImageBuilder.Layer(t => ImageBuilder.File(t, "x", "x\n"u8.ToArray())) }).GetAwaiter().GetResult();
    }

    public void Dispose() => Registry.Dispose();
}

[CollectionDefinition("registry")]
public sealed class RegistryCollection : ICollectionFixture<RegistryFixture>;
