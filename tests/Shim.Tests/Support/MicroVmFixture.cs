using Runtime.V1;
using Sandbox.Shim.Backends;

namespace Sandbox.Shim.Tests.Support;

/// <summary>
/// One CRI server with one microvm pod (a VM booted once, TCG where KVM is unusable) shared by
/// the "microvm" collection, with its own local registry holding the test images. When QEMU,
/// the guest kernel, the published agent, virtiofsd, root, docker-registry or busybox is
/// missing, Unavailable says which and the tests skip.
/// </summary>
public sealed class MicroVmFixture : IAsyncLifetime
{
    public RegistryFixture? Images { get; private set; }
    public string? Unavailable { get; private set; }
    public CriHarness H { get; private set; } = null!;
    public string Pod { get; private set; } = "";
    public PodSandboxConfig PodCfg { get; private set; } = null!;
    public string BusyboxRef => Images!.BusyboxRef;
    public string LogDir => Path.Combine(H.Root, "logs");

    public async Task InitializeAsync()
    {
        Unavailable = PodVm.UnavailableReason();
        if (Unavailable != null) return;
        Images = new RegistryFixture();
        Unavailable = Images.Unavailable;
        if (Unavailable != null) return;
        H = await CriHarness.StartAsync(Images.Registry.Host);
        await H.Client.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = BusyboxRef } });
        PodCfg = Cri.Pod("vm-shared", LogDir);
        Pod = (await H.Client.Runtime.RunPodSandboxAsync(new RunPodSandboxRequest { Config = PodCfg, RuntimeHandler = "microvm" })).PodSandboxId;
    }

    public async Task DisposeAsync()
    {
        if (H != null) await H.DisposeAsync();
        Images?.Dispose();
    }
}

[CollectionDefinition("microvm")]
public sealed class MicroVmCollection : ICollectionFixture<MicroVmFixture>;
