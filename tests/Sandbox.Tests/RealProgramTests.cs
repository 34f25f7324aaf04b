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

    /// <summary>With 256 host fds the passthrough keeps at most 128 open; the other inodes reopen theirs from an ancestor.</summary>
    [Fact]
    public void WalksMoreFilesThanTheSentryHasFds()
    {
        const string script = "find /usr/share -xdev | wc -l; find /usr/share -xdev -type f -name '*.gz' | head -500 | xargs cat | wc -c";
        var n = SandboxProcess.Native("/bin/sh", "-c", script);
        var s = SandboxProcess.Run("prlimit", new[] { "--nofile=256:256", "dotnet", SandboxProcess.SandboxDll, "run", "--no-gofer", "--", "/bin/sh", "-c", script });
        Assert.True(n.Stdout == s.Stdout && s.Exit == 0, $"native:\n{n.Stdout}\nsandbox (exit {s.Exit}):\n{s.Stdout}\n{s.Stderr}");
    }

    [Fact]
    public void GccBuildsAndRunsAProgram()
    {
        Assert.True(File.Exists("/usr/bin/gcc"), "gcc is not installed");
        SandboxProcess.AssertSame("/bin/sh", Program("gcc_build.sh"));
    }
}
