using Xunit;

namespace Sandbox.Tests;

/// <summary>
/// Real programs from the host, natively and in the sandbox: shells with pipelines, subshells,
/// traps and background jobs; python3 with threads and subprocesses; gcc building a program.
/// </summary>
public class RealProgramTests
{
    private static string Program(string name) => Path.Combine(SandboxProcess.RepoRoot, "tests", "programs", name);

    [Fact]
    public void BashScript() => SandboxProcess.AssertSame("/bin/bash", Program("shell_features.sh"));

    [Fact]
    public void BusyboxShScript() => SandboxProcess.AssertSame("/bin/busybox", "sh", Program("shell_features.sh"));

    [Fact]
    public void PipelineOfCoreutils() => SandboxProcess.AssertSame("/bin/bash", "-c", "ls -l /usr/bin | sort | head; find /usr/share/doc -name '*.gz' | wc -l");

    [Fact]
    public void ShellKillsItself() => SandboxProcess.AssertSame("/bin/sh", "-c", "kill -TERM $$");

    [Fact]
    public void Python3ThreadsSubprocessesHashlibJson()
    {
        Assert.True(File.Exists("/usr/bin/python3"), "python3 is not installed");
        SandboxProcess.AssertSame("/usr/bin/python3", Program("python_features.py"));
    }

    /// <summary>tar, sqlite3 with a WAL journal, git, python3 -m compileall and make, all writing under /tmp.</summary>
    [Fact]
    public void FileWorkloads() => SandboxProcess.AssertSame("/bin/sh", Program("file_workloads.sh"));

    [Fact]
    public void GccBuildsAndRunsAProgram()
    {
        Assert.True(File.Exists("/usr/bin/gcc"), "gcc is not installed");
        SandboxProcess.AssertSame("/bin/sh", Program("gcc_build.sh"));
    }
}
