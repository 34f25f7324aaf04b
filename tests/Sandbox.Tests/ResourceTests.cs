using System.Text.RegularExpressions;
using Xunit;

namespace Sandbox.Tests;

/// <summary>Many processes or threads come and go, and the Sentry gives every page back.</summary>
public class ResourceTests
{
    private static (long InUse, long Resident) MemoryAfter(string program)
    {
        string log = Path.Combine(SandboxProcess.RepoRoot, "artifacts", $"resource-{Guid.NewGuid():n}.log");
        try
        {
            var r = SandboxProcess.SandboxCli("run", "--debug-log", log, "--", Path.Combine(SandboxProcess.SyscallTestsDir, program));
            Assert.True(r.Exit == 0, $"{program} exited {r.Exit}: {r.Stderr}");
            var m = Regex.Match(File.ReadAllText(log), @"memory file: (\d+) bytes in use, (\d+) resident");
            Assert.True(m.Success, "no memory report in the debug log");
            return (long.Parse(m.Groups[1].Value), long.Parse(m.Groups[2].Value));
        }
        finally { File.Delete(log); }
    }

    [Fact]
    public void FiveHundredForksLeaveNoMemoryBehind()
    {
        var (inUse, resident) = MemoryAfter("proc_fork_many");
        Assert.Equal(0, inUse);
        Assert.Equal(0, resident);
    }

    [Fact]
    public void SixtyFourThreadsLeaveNoMemoryBehind()
    {
        var (inUse, resident) = MemoryAfter("proc_thread_many");
        Assert.Equal(0, inUse);
        Assert.Equal(0, resident);
    }
}
