using Xunit;

namespace Sandbox.Tests;

/// <summary>
/// Dynamically linked programs from the host (glibc's ld.so is loaded through PT_INTERP):
/// the loader's part of the foundation. Programs that fork or use threads are the processes
/// issue's.
/// </summary>
public class DynamicProgramTests
{
    [Theory]
    [InlineData("/bin/ls", "-la", "/etc")]
    [InlineData("/usr/bin/sha256sum", "/etc/passwd")]
    [InlineData("/usr/bin/uname", "-a")]
    [InlineData("/usr/bin/env")]
    [InlineData("/usr/bin/stat", "-c", "%n %F %s %a", "/etc/passwd", "/usr/bin", "/dev/null")]
    [InlineData("/usr/bin/cat", "/no/such/file")]
    public void SameAsNative(params string[] command)
        => SandboxProcess.AssertSame(command[0], command[1..]);
}
