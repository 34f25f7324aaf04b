using Xunit;

namespace Sandbox.Tests;

/// <summary>Debian's static busybox, natively and in the sandbox.</summary>
public class BusyboxTests
{
    private const string Busybox = "/bin/busybox";

    [Theory]
    [InlineData("echo", "hello", "sandbox")]
    [InlineData("cat", "/etc/passwd")]
    [InlineData("ls", "-la", "/etc")]
    [InlineData("wc", "/etc/passwd")]
    [InlineData("sort", "/etc/passwd")]
    [InlineData("sha256sum", "/etc/passwd")]
    [InlineData("head", "-n", "3", "/etc/passwd")]
    [InlineData("uname", "-a")]
    [InlineData("sh", "-c", "echo $((6*7))")]
    [InlineData("cat", "/does/not/exist")]
    [InlineData("stat", "-c", "%n %F %t,%T %a", "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")]
    [InlineData("head", "-c", "16", "/dev/zero")]
    public void SameAsNative(params string[] args)
    {
        Assert.True(File.Exists(Busybox), "busybox-static is not installed (apt-get install busybox-static)");
        SandboxProcess.AssertSame(Busybox, args);
    }
}
