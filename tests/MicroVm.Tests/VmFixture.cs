using Sandbox.MicroVm.Kernel;
using Sandbox.MicroVm.Vm;

namespace Sandbox.MicroVm.Tests;

/// <summary>One VM (TCG where KVM is unusable) shared by the integration tests of the "vm"
/// collection. When something it needs is missing, every test skips with the reason.</summary>
public sealed class VmFixture : IAsyncLifetime
{
    public VirtualMachine? Vm { get; private set; }
    public string? SkipReason { get; private set; }

    public static string? MissingPrerequisite()
    {
        if (HostSystem.Qemu() is null) return "qemu-system-x86_64 is not installed (setup.d/microvm.packages)";
        if (GuestKernel.FindInstalled() is null) return "no kernel in /boot (setup.d/microvm.packages installs linux-image-cloud-amd64)";
        if (HostSystem.FindAgent() is null) return "the guest agent was not published (artifacts/microvm/agent/sandbox-agent; dotnet build does it)";
        if (!HostSystem.IsRoot) return "virtio-fs (virtiofsd) needs root";
        if (HostSystem.Virtiofsd() is null) return "virtiofsd is not installed";
        return null;
    }

    public static MicroVmOptions Options => new() { MemoryMiB = 384, BootTimeout = TimeSpan.FromSeconds(90) };

    public async Task InitializeAsync()
    {
        SkipReason = MissingPrerequisite();
        if (SkipReason is null) Vm = await VirtualMachine.StartAsync(Options);
    }

    public async Task DisposeAsync()
    {
        if (Vm is not null) await Vm.DisposeAsync();
    }
}

[CollectionDefinition("vm")]
public sealed class VmCollection : ICollectionFixture<VmFixture>;
