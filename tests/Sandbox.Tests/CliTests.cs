using Xunit;

namespace Sandbox.Tests;

/// <summary>Bad input to `sandbox` itself gets a clear error and the right exit status.</summary>
public class CliTests : IDisposable
{
    // Not under /tmp: the sandbox has its own /tmp.
    private readonly string _dir = Directory.CreateDirectory(Path.Combine(SandboxProcess.RepoRoot, "artifacts", "test-tmp", Guid.NewGuid().ToString("n"))).FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string WriteExecutable(string name, byte[] content)
    {
        string p = Path.Combine(_dir, name);
        File.WriteAllBytes(p, content);
        File.SetUnixFileMode(p, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return p;
    }

    [Fact]
    public void MissingProgramExits127()
    {
        var r = SandboxProcess.SandboxCli("run", "--", "/no/such/program");
        Assert.Equal(127, r.Exit);
        Assert.Contains("/no/such/program", r.Stderr);
        Assert.Contains("No such file or directory", r.Stderr);
        r = SandboxProcess.SandboxCli("run", "--", "no-such-command-anywhere");
        Assert.Equal(127, r.Exit);
        Assert.Contains("command not found", r.Stderr);
    }

    [Fact]
    public void NonElfIsRefused()
    {
        var p = WriteExecutable("garbage", "this is not a program\n"u8.ToArray());
        var r = SandboxProcess.SandboxCli("run", "--", p);
        Assert.True(r.Exit == 126, $"exit {r.Exit}: {r.Stderr}");
        Assert.Contains("not an ELF executable", r.Stderr);
    }

    [Fact]
    public void ForeignArchitecturesAreRefused()
    {
        var elf32 = new byte[64];
        "\u007fELF"u8.CopyTo(elf32);
        elf32[4] = 1; elf32[5] = 1; elf32[6] = 1;
        var r = SandboxProcess.SandboxCli("run", "--", WriteExecutable("elf32", elf32));
        Assert.Equal(126, r.Exit);
        Assert.Contains("32-bit", r.Stderr);

        var arm = new byte[64];
        "\u007fELF"u8.CopyTo(arm);
        arm[4] = 2; arm[5] = 1; arm[6] = 1; arm[16] = 2; arm[18] = 183; // ET_EXEC, EM_AARCH64
        r = SandboxProcess.SandboxCli("run", "--", WriteExecutable("arm64", arm));
        Assert.Equal(126, r.Exit);
        Assert.Contains("machine 183", r.Stderr);
    }

    [Fact]
    public void UnknownPlatformIsAnError()
    {
        var r = SandboxProcess.SandboxCli("run", "--platform", "vmware", "--", "/bin/busybox", "true");
        Assert.Equal(125, r.Exit);
        Assert.Contains("unknown platform 'vmware'", r.Stderr);
    }

    [Fact]
    public void KvmWithoutUsableDevKvmIsAClearError()
    {
        var r = SandboxProcess.SandboxCli("run", "--platform", "kvm", "--", "/bin/busybox", "true");
        if (SandboxProcess.KvmSkipReason == null) { Assert.Equal(0, r.Exit); return; }
        Assert.Equal(125, r.Exit);
        Assert.Contains("--platform kvm: /dev/kvm", r.Stderr);
        Assert.Contains("use --platform ptrace", r.Stderr);
    }

    [Fact]
    public void UnknownFlagAndMissingProgramAreErrors()
    {
        var r = SandboxProcess.SandboxCli("run", "--frobnicate", "--", "/bin/busybox", "true");
        Assert.Equal(125, r.Exit);
        Assert.Contains("unknown option '--frobnicate'", r.Stderr);
        r = SandboxProcess.SandboxCli("run");
        Assert.Equal(125, r.Exit);
        Assert.Contains("no program given", r.Stderr);
        r = SandboxProcess.SandboxCli("run", "--env", "NOEQUALS", "--", "/bin/busybox", "true");
        Assert.Equal(125, r.Exit);
        r = SandboxProcess.SandboxCli("run", "--rootfs", "/no/such/dir", "--", "/bin/busybox", "true");
        Assert.Equal(125, r.Exit);
        Assert.Contains("/no/such/dir", r.Stderr);
    }

    [Fact]
    public void CrashIsReportedAndTheSentrySurvives()
    {
        var r = SandboxProcess.SandboxCli("run", "--strace", "--", Path.Combine(SandboxProcess.SyscallTestsDir, "segv"));
        Assert.Equal(139, r.Exit);
        Assert.Contains("+++ killed by SIGSEGV +++", r.Stderr);
        Assert.DoesNotContain("Unhandled exception", r.Stderr);
    }

    [Fact]
    public void EnvCwdAndExitStatusPassThrough()
    {
        var r = SandboxProcess.SandboxCli("run", "--clear-env", "--env", "GREETING=hi there", "--cwd", "/etc", "--",
            "/bin/busybox", "sh", "-c", "echo \"$GREETING\"; pwd; exit 7");
        Assert.Equal(7, r.Exit);
        Assert.Equal("hi there\n/etc\n", r.Stdout);
    }

    [Fact]
    public void StdinIsConnected()
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        foreach (var a in new[] { SandboxProcess.SandboxDll, "run", "--", "/bin/busybox", "wc", "-l" }) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        p.StandardInput.Write("one\ntwo\nthree\n");
        p.StandardInput.Close();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        Assert.Equal("3", output.Trim());
    }
}
