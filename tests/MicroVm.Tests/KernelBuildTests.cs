using System.Text;
using Sandbox.MicroVm.Kernel;
using Sandbox.MicroVm.Vm;

namespace Sandbox.MicroVm.Tests;

/// <summary>The trimmed kernel: its configuration (always), and a boot of a kernel that
/// `sandbox microvm kernel --build` left in the cache (skips when none was built: the build
/// takes long on 2 cores and is not run by the tests).</summary>
public sealed class KernelBuildTests
{
    [Fact]
    public void TheConfigFragmentIsEmbeddedAndTurnsOnWhatTheVmNeedsWithoutModules()
    {
        var f = KernelBuilder.Fragment();
        var required = KernelBuilder.RequiredSymbols(f);
        foreach (var s in new[] { "CONFIG_VIRTIO_MMIO", "CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES", "CONFIG_VIRTIO_NET", "CONFIG_VIRTIO_BLK",
                     "CONFIG_VIRTIO_CONSOLE", "CONFIG_9P_FS", "CONFIG_NET_9P_VIRTIO", "CONFIG_VIRTIO_FS", "CONFIG_VIRTIO_VSOCKETS",
                     "CONFIG_PVH", "CONFIG_SERIAL_8250_CONSOLE", "CONFIG_PID_NS", "CONFIG_MEMBARRIER",
                     "CONFIG_ACPI", "CONFIG_PCI" /* ACPICA loads the DSDT only with it */ })
            Assert.Contains(s, required);
        Assert.Contains("CONFIG_MODULES=n", f);
    }

    [Fact]
    public void AKernelBuiltFromAnOlderFragmentIsReportedWithWhatItLacks()
    {
        var dir = Directory.CreateTempSubdirectory("kernelbuild").FullName;
        try
        {
            var vmlinux = Path.Combine(dir, "vmlinux-6.1.0-test");
            File.WriteAllText(vmlinux, "");
            Assert.Null(KernelBuilder.OutdatedSymbols(vmlinux)); // no config-RELEASE to compare with
            var all = KernelBuilder.RequiredSymbols(KernelBuilder.Fragment());
            File.WriteAllLines(Path.Combine(dir, "config-6.1.0-test"), all.Where(s => s != "CONFIG_PCI").Select(s => s + "=y").Append("# CONFIG_PCI is not set"));
            Assert.Equal(new[] { "CONFIG_PCI" }, KernelBuilder.OutdatedSymbols(vmlinux));
            File.WriteAllLines(Path.Combine(dir, "config-6.1.0-test"), all.Select(s => s + "=y"));
            Assert.Empty(KernelBuilder.OutdatedSymbols(vmlinux)!);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void WithoutLinuxSourceTheBuildSaysWhatToInstall()
    {
        var why = KernelBuilder.Missing();
        if (why is null) return; // everything is there: nothing to report
        Assert.Contains("apt-get install", why);
    }

    /// <summary>Under TCG (no KVM: CI, this machine) as the cloud kernel does. This once failed:
    /// without CONFIG_PCI the kernel never loaded the DSDT, so it had neither the virtio-mmio
    /// devices of QEMU's microvm machine nor a console user space could write to.</summary>
    [SkippableFact]
    public async Task ABuiltKernelBootsUnderQemuTcgWithEverythingBuiltIn()
    {
        var missing = VmFixture.MissingPrerequisite();
        Skip.If(missing is not null, missing);
        var built = KernelBuilder.FindBuilt(HostSystem.CacheDir());
        Skip.If(built is null, "no trimmed kernel in the cache (run `sandbox microvm kernel --build`, about 30 min on 2 cores)");
        var outdated = KernelBuilder.OutdatedSymbols(built!);
        Skip.If(outdated is { Count: > 0 }, $"{built} was built from an older microvm-kernel.config (lacks {string.Join(", ", outdated!)}): run `sandbox microvm kernel --build` again");
        await using var vm = await VirtualMachine.StartAsync(VmFixture.Options with
        {
            Kernel = built, Share = ShareKind.NineP, Accel = Accel.Tcg, BootTimeout = TimeSpan.FromSeconds(120),
        });
        var o = new MemoryStream();
        int code = await vm.RunAsync(["/bin/busybox", "sh", "-c", "uname -r; echo hi; ls /proc/modules 2>&1 | head -1"], stdout: o, stderr: o)
            .WaitAsync(TimeSpan.FromSeconds(90));
        var output = Encoding.UTF8.GetString(o.ToArray());
        Assert.True(code == 0, output);
        var lines = output.Split('\n');
        Assert.EndsWith("-sandbox-microvm", lines[0]);
        Assert.Equal("hi", lines[1]);
        Assert.Contains("No such file", output); // no module support at all
        Assert.Equal("tcg", vm.Timings.Accel);
    }
}
