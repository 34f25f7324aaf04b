using Xunit;

namespace Sandbox.Tests;

public class StraceTests
{
    [Fact]
    public void PrintsDecodedCallsAndResults()
    {
        var r = SandboxProcess.SandboxCli("run", "--strace", "--", "/bin/busybox", "cat", "/etc/hostname-does-not-exist", "/dev/null");
        Assert.Contains("openat(AT_FDCWD, \"/etc/hostname-does-not-exist\", O_RDONLY", r.Stderr);
        Assert.Contains("= -1 ENOENT (No such file or directory)", r.Stderr);
        Assert.Contains("+++ exited with 1 +++", r.Stderr);
    }

    [Fact]
    public void UnknownSyscallsAreNamedAndAnswerEnosys()
    {
        var r = SandboxProcess.SandboxCli("run", "--strace", "--", Path.Combine(SandboxProcess.SyscallTestsDir, "enosys"));
        Assert.Contains("syscall_1000(", r.Stderr);
        Assert.Contains("ENOSYS (Function not implemented) [unsupported by the sandbox]", r.Stderr);
    }

    [Fact]
    public void WriteShowsItsData()
    {
        var r = SandboxProcess.SandboxCli("run", "--strace", "--", "/bin/busybox", "echo", "hello");
        Assert.Equal("hello\n", r.Stdout);
        Assert.Contains("write(1, \"hello\\n\", 6) = 6", r.Stderr);
    }

    [Fact]
    public void DebugLogNamesUnsupportedSyscalls()
    {
        string log = Path.GetTempFileName();
        try
        {
            SandboxProcess.SandboxCli("run", "--debug-log", log, "--", Path.Combine(SandboxProcess.SyscallTestsDir, "enosys"));
            Assert.Contains("unsupported syscall 1000", File.ReadAllText(log));
        }
        finally { File.Delete(log); }
    }
}
