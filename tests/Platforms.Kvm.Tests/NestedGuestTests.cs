using System.Diagnostics;
using System.Reflection;
using Xunit;

namespace Sandbox.Platforms.Kvm.Tests;

/// <summary>
/// The nested stage: tests/kvm/nested.sh boots a QEMU guest with /dev/kvm and compares a
/// focused set of programs under --platform kvm with their native runs (about 5-10 minutes on
/// 2 cores, most of it the NativeAOT publish and QEMU's emulation).
/// </summary>
public sealed class NestedGuestTests
{
    private static string RepoRoot => typeof(NestedGuestTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "RepoRoot").Value!;

    [SkippableFact]
    public void ProgramsRunTheSameUnderKvmInTheNestedGuest()
    {
        Skip.If(!File.Exists("/usr/bin/qemu-system-x86_64"), "qemu-system-x86_64 is not installed (setup.d/kvm.packages)");
        var psi = new ProcessStartInfo(Path.Combine(RepoRoot, "tests/kvm/nested.sh"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepoRoot,
        };
        using var p = Process.Start(psi)!;
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(15)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("nested.sh did not finish in 15 minutes");
        }
        string output = so.Result + se.Result;
        Skip.If(p.ExitCode == 77, output.Trim());
        Assert.True(p.ExitCode == 0, $"nested.sh exited with {p.ExitCode}:\n{output}");
        Assert.Contains("KVM-CHECKS 0 failed", output);
    }
}
