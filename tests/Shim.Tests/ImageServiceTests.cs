using Grpc.Core;
using Runtime.V1;
using Sandbox.Shim.Tests.Support;

namespace Sandbox.Shim.Tests;

/// <summary>ImageService against Debian's docker-registry on 127.0.0.1 with images the tests push.</summary>
[Collection("registry")]
public class ImageServiceTests(RegistryFixture fx)
{
    private static ImageSpec Spec(string r) => new() { Image = r };

    [SkippableFact]
    public async Task Pulls_lists_finds_by_tag_digest_and_id_and_removes()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        await using var h = await CriHarness.StartAsync(fx.Registry.Host);
        var img = h.Client.Images;

        var pulled = await img.PullImageAsync(new PullImageRequest { Image = Spec(fx.BusyboxRef) });
        Assert.Equal(fx.BusyboxConfigDigest, pulled.ImageRef);

        var byTag = (await img.ImageStatusAsync(new ImageStatusRequest { Image = Spec(fx.BusyboxRef), Verbose = true })).Image;
        Assert.Equal(fx.BusyboxConfigDigest, byTag.Id);
        Assert.Equal(new[] { fx.BusyboxRef }, byTag.RepoTags);
        Assert.Equal(new[] { $"{fx.Registry.Host}/busybox@{fx.BusyboxManifestDigest}" }, byTag.RepoDigests);
        Assert.True(byTag.Size > 500_000, $"size {byTag.Size}");
        Assert.Equal(byTag.Id, (await img.ImageStatusAsync(new ImageStatusRequest { Image = Spec($"{fx.Registry.Host}/busybox@{fx.BusyboxManifestDigest}") })).Image.Id);
        Assert.Equal(byTag.Id, (await img.ImageStatusAsync(new ImageStatusRequest { Image = Spec(byTag.Id) })).Image.Id);
        Assert.Equal(byTag.Id, (await img.ImageStatusAsync(new ImageStatusRequest { Image = Spec(byTag.Id[7..]) })).Image.Id);
        Assert.Null((await img.ImageStatusAsync(new ImageStatusRequest { Image = Spec($"{fx.Registry.Host}/busybox:other") })).Image);

        // The unpacked root filesystem honours the second layer's whiteout and opaque directory.
        string rootfs = Path.Combine(h.Config.ImageDir, "rootfs", byTag.Id[7..]);
        Assert.Equal("hello from layer 2\n", File.ReadAllText(Path.Combine(rootfs, "etc/hello.txt")));
        Assert.False(File.Exists(Path.Combine(rootfs, "etc/removed-by-layer2")));
        Assert.Equal(new[] { "new" }, Directory.EnumerateFileSystemEntries(Path.Combine(rootfs, "etc/opaque")).Select(Path.GetFileName));
        Assert.Equal("busybox", new FileInfo(Path.Combine(rootfs, "bin/sh")).LinkTarget);

        // Docker v2 schema 2 manifests pull as well; the same layers are not fetched twice.
        await img.PullImageAsync(new PullImageRequest { Image = Spec(fx.DockerRef) });
        var list = (await img.ListImagesAsync(new ListImagesRequest())).Images;
        Assert.Equal(2, list.Count);
        var filtered = (await img.ListImagesAsync(new ListImagesRequest { Filter = new ImageFilter { Image = Spec(fx.DockerRef) } })).Images;
        Assert.Equal(new[] { fx.DockerRef }, Assert.Single(filtered).RepoTags);

        var fs = await img.ImageFsInfoAsync(new ImageFsInfoRequest());
        Assert.True(Assert.Single(fs.ImageFilesystems).UsedBytes.Value > 1_000_000);
        Assert.Equal(h.Config.ImageDir, fs.ImageFilesystems[0].FsId.Mountpoint);

        await img.RemoveImageAsync(new RemoveImageRequest { Image = Spec(fx.BusyboxRef) });
        await img.RemoveImageAsync(new RemoveImageRequest { Image = Spec(fx.BusyboxRef) }); // idempotent
        Assert.Null((await img.ImageStatusAsync(new ImageStatusRequest { Image = Spec(fx.BusyboxRef) })).Image);
        Assert.False(Directory.Exists(rootfs));
        Assert.Single((await img.ListImagesAsync(new ListImagesRequest())).Images);

        // Images survive a restart of the server.
        await h.RestartAsync();
        Assert.NotNull((await h.Client.Images.ImageStatusAsync(new ImageStatusRequest { Image = Spec(fx.DockerRef) })).Image);
    }

    [SkippableFact]
    public async Task Index_resolves_to_linux_amd64()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        await using var h = await CriHarness.StartAsync(fx.Registry.Host);
        await h.Client.Images.PullImageAsync(new PullImageRequest { Image = Spec(fx.MultiRef) });
        var st = (await h.Client.Images.ImageStatusAsync(new ImageStatusRequest { Image = Spec(fx.MultiRef) })).Image;
        string rootfs = Path.Combine(h.Config.ImageDir, "rootfs", st.Id[7..]);
        Assert.True(File.Exists(Path.Combine(rootfs, "bin/busybox")));
        Assert.False(File.Exists(Path.Combine(rootfs, "arm")));
    }

    [SkippableFact]
    public async Task Mirrors_serve_a_registry_under_its_usual_name()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        await using var h = await CriHarness.StartAsync(configure: c => c.RegistryMirrors["registry.k8s.io"] = new() { fx.Registry.BaseUri.ToString() });
        await h.Client.Images.PullImageAsync(new PullImageRequest { Image = Spec("registry.k8s.io/busybox:latest") });
        var st = (await h.Client.Images.ImageStatusAsync(new ImageStatusRequest { Image = Spec("registry.k8s.io/busybox") })).Image;
        Assert.Equal(fx.BusyboxConfigDigest, st.Id);
    }

    [SkippableFact]
    public async Task Pull_errors_have_status_codes()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        await using var h = await CriHarness.StartAsync(fx.Registry.Host);
        var img = h.Client.Images;
        Assert.Equal(StatusCode.NotFound, await Cri.CodeOf(() => img.PullImageAsync(new PullImageRequest { Image = Spec($"{fx.Registry.Host}/nope:latest") }).ResponseAsync));
        Assert.Equal(StatusCode.NotFound, await Cri.CodeOf(() => img.PullImageAsync(new PullImageRequest { Image = Spec($"{fx.Registry.Host}/busybox:nope") }).ResponseAsync));
        Assert.Equal(StatusCode.InvalidArgument, await Cri.CodeOf(() => img.PullImageAsync(new PullImageRequest { Image = Spec("Bad/Ref:x y") }).ResponseAsync));
        Assert.Equal(StatusCode.InvalidArgument, await Cri.CodeOf(() => img.PullImageAsync(new PullImageRequest { Image = Spec("") }).ResponseAsync));
        // Nothing listens on port 1: the registry is unavailable.
        Assert.Equal(StatusCode.Unavailable, await Cri.CodeOf(() => img.PullImageAsync(new PullImageRequest { Image = Spec("127.0.0.1:1/busybox:latest") }).ResponseAsync));
        Assert.Empty((await img.ListImagesAsync(new ListImagesRequest())).Images);
    }
}

[Collection("registry")]
public class ImageLayerFormatTests(RegistryFixture fx)
{
    private static ImageSpec Spec(string r) => new() { Image = r };

    [SkippableFact]
    public async Task Zstd_layer_pulls_and_unpacks_with_its_diff_id_checked()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        await using var h = await CriHarness.StartAsync(fx.Registry.Host);
        var r = await h.Client.Images.PullImageAsync(new PullImageRequest { Image = Spec(fx.ZstdRef) });
        Assert.Equal(fx.ZstdConfigDigest, r.ImageRef);
        string rootfs = Path.Combine(h.Config.ImageDir, "rootfs", r.ImageRef[7..]);
        Assert.Equal("from a zstd layer\n", File.ReadAllText(Path.Combine(rootfs, "etc/zstd.txt")));
        Assert.Equal(new FileInfo(ImageBuilder.HostBusybox).Length, new FileInfo(Path.Combine(rootfs, "bin/busybox")).Length);
        Assert.Equal("busybox", new FileInfo(Path.Combine(rootfs, "bin/sh")).LinkTarget);
    }

    [SkippableFact]
    public async Task Corrupt_zstd_layer_fails_the_pull_and_leaves_no_image()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        await using var h = await CriHarness.StartAsync(fx.Registry.Host);
        var e = await Assert.ThrowsAsync<RpcException>(() => h.Client.Images.PullImageAsync(new PullImageRequest { Image = Spec(fx.CorruptZstdRef) }).ResponseAsync);
        Assert.Equal(StatusCode.Internal, e.StatusCode);
        Assert.Contains($"layer {fx.CorruptZstdLayerDigest}: corrupt zstd data", e.Status.Detail);
        Assert.Null((await h.Client.Images.ImageStatusAsync(new ImageStatusRequest { Image = Spec(fx.CorruptZstdRef) })).Image);
        Assert.Empty((await h.Client.Images.ListImagesAsync(new ListImagesRequest())).Images);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(h.Config.ImageDir, "rootfs")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(h.Config.ImageDir, "tmp")));
        Assert.False(File.Exists(Path.Combine(h.Config.ImageDir, "blobs", "sha256", fx.CorruptZstdLayerDigest[7..])));
    }

    [SkippableFact]
    public async Task Layer_whose_content_differs_from_the_configs_diff_id_is_refused()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        await using var h = await CriHarness.StartAsync(fx.Registry.Host);
        var e = await Assert.ThrowsAsync<RpcException>(() => h.Client.Images.PullImageAsync(new PullImageRequest { Image = Spec(fx.WrongDiffIdRef) }).ResponseAsync);
        Assert.Contains("the image config's diff_ids say sha256:0000", e.Status.Detail);
        Assert.Empty((await h.Client.Images.ListImagesAsync(new ListImagesRequest())).Images);
    }
}

[Collection("registry")]
public class RegistryAuthTests(RegistryFixture fx)
{
    [SkippableFact]
    public async Task Bearer_token_auth_with_credentials_from_the_request()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        await using var proxy = await TokenAuthProxy.StartAsync(fx.Registry.BaseUri);
        await using var h = await CriHarness.StartAsync(proxy.Host);
        string image = $"{proxy.Host}/busybox:latest";

        var e = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => h.Client.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = image } }).ResponseAsync);
        Assert.Contains("unauthorized", e.Status.Detail);

        var auth = new AuthConfig { Username = TokenAuthProxy.User, Password = TokenAuthProxy.Password };
        var r = await h.Client.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = image }, Auth = auth });
        Assert.Equal(fx.BusyboxConfigDigest, r.ImageRef);
        Assert.Contains("repository:busybox:pull", proxy.ScopesAsked);
    }

    [SkippableFact]
    public async Task Anonymous_bearer_tokens_need_no_credentials()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        await using var proxy = await TokenAuthProxy.StartAsync(fx.Registry.BaseUri, anonymousTokens: true);
        await using var h = await CriHarness.StartAsync(proxy.Host);
        var r = await h.Client.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = $"{proxy.Host}/busybox:latest" } });
        Assert.Equal(fx.BusyboxConfigDigest, r.ImageRef);
    }
}
