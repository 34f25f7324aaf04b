using Xunit;

namespace Sandbox.Tests;

/// <summary>
/// AF_UNIX sockets from real programs, natively and in the sandbox: python3 with socketpair,
/// fd passing, a threaded echo server on a path and on an abstract name, datagrams, selectors
/// and multiprocessing; also with the image served by the Gofer. The syscall-level behaviour is
/// covered by tests/syscalls/sock_unix_*.c through <see cref="SyscallDifferentialTests"/>.
/// </summary>
public class UnixSocketTests
{
    private static string Script => Path.Combine(SandboxProcess.RepoRoot, "tests", "programs", "unix_sockets.py");

    [Fact]
    public void Python3UnixSockets()
    {
        Assert.True(File.Exists("/usr/bin/python3"), "python3 is not installed");
        SandboxProcess.AssertSame("/usr/bin/python3", Script);
    }

    [Fact]
    public void Python3UnixSocketsOnGoferRootfs()
    {
        Assert.True(File.Exists("/usr/bin/python3"), "python3 is not installed");
        var n = SandboxProcess.Native("/usr/bin/python3", Script);
        var s = SandboxProcess.SandboxCli("run", "--gofer", "--", "/usr/bin/python3", Script);
        Assert.True(n.Exit == s.Exit && n.Stdout == s.Stdout, $"native (exit {n.Exit}):\n{n.Stdout}\nsandbox (exit {s.Exit}):\n{s.Stdout}\n{s.Stderr}");
    }

    /// <summary>The programs whose sockets live in the filesystem, with the image from the Gofer under the overlay.</summary>
    [Theory]
    [InlineData("sock_unix_bind_path")]
    [InlineData("sock_unix_rename_link")]
    [InlineData("sock_unix_connect_errors")]
    [InlineData("sock_unix_stream_echo")]
    public void PathSocketsOnGoferRootfs(string program)
    {
        string path = Path.Combine(SandboxProcess.SyscallTestsDir, program);
        var n = SandboxProcess.Native(path);
        var s = SandboxProcess.SandboxCli("run", "--gofer", "--", path);
        Assert.True(n.Exit == s.Exit && n.Stdout == s.Stdout, $"native (exit {n.Exit}):\n{n.Stdout}\nsandbox (exit {s.Exit}):\n{s.Stdout}\n{s.Stderr}");
    }

    /// <summary>Two processes meet at a socket file the sandbox's VFS holds; stat(1) sees it as a socket.</summary>
    [Fact]
    public void SocketFileIsVisibleToOtherProcesses()
    {
        const string script = "import socket,os,sys,subprocess\n" +
            "p='/tmp/sbx-unix-visible.sock'\n" +
            "os.path.exists(p) and os.unlink(p)\n" +
            "s=socket.socket(socket.AF_UNIX); s.bind(p); s.listen()\n" +
            "c=subprocess.Popen([sys.executable,'-c','import socket;c=socket.socket(socket.AF_UNIX);c.connect(\"'+p+'\");c.sendall(b\"from child\")'])\n" +
            "a,_=s.accept(); print(a.recv(64)); c.wait(); print(subprocess.run(['stat','-c','%F',p],capture_output=True,text=True).stdout.strip()); os.unlink(p)\n";
        SandboxProcess.AssertSame("/usr/bin/python3", "-c", script);
    }
}
