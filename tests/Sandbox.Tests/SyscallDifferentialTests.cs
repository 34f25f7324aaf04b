using Xunit;

namespace Sandbox.Tests;

/// <summary>Every program in tests/syscalls, natively and in the sandbox: same stdout, same exit status.</summary>
public class SyscallDifferentialTests
{
    public static IEnumerable<object[]> Programs()
    {
        var dir = SandboxProcess.SyscallTestsDir;
        return Directory.GetFiles(dir).Where(f => !f.EndsWith(".d")).Select(f => new object[] { Path.GetFileName(f) }).OrderBy(x => (string)x[0]);
    }

    [Fact]
    public void ThereAreEnoughPrograms() => Assert.True(Programs().Count() >= 30);

    /// <summary>Says (as a skip) when the comparisons run on ptrace only because kvm does not work here.</summary>
    [SkippableFact]
    public void AlsoOnKvm() => Skip.If(SandboxProcess.KvmSkipReason != null, SandboxProcess.KvmSkipReason);

    [Theory]
    [MemberData(nameof(Programs))]
    public void SameAsNative(string program)
        => SandboxProcess.AssertSame(Path.Combine(SandboxProcess.SyscallTestsDir, program));
}
