using Xunit;

namespace Sandbox.Tests;

/// <summary>
/// AF_INET/AF_INET6 sockets from real programs over the Sentry's TCP/IP stack, compared with
/// the same programs run natively: python3's http.server fetched by urllib in the same process,
/// an asyncio echo server with concurrent clients (TCP over 127.0.0.1 and ::1, UDP), curl as a
/// separate process, and --network none (host: HostNetworkTests). The syscall-level behaviour is covered by
/// tests/syscalls/sock_inet_*.c through <see cref="SyscallDifferentialTests"/>.
/// </summary>
public class InetSocketTests
{
    private static string Program(string name) => Path.Combine(SandboxProcess.RepoRoot, "tests", "programs", name);

    private static void AssertSameOutput(SandboxProcess.Result n, SandboxProcess.Result s) =>
        Assert.True(n.Exit == s.Exit && n.Stdout == s.Stdout,
            $"native (exit {n.Exit}):\n{n.Stdout}\n{n.Stderr}\nsandbox (exit {s.Exit}):\n{s.Stdout}\n{s.Stderr}");

    [Fact]
    public void Python3HttpServerFetchedByUrllib()
    {
        Assert.True(File.Exists("/usr/bin/python3"), "python3 is not installed");
        SandboxProcess.AssertSame("/usr/bin/python3", Program("inet_http.py"));
    }

    [Fact]
    public void Python3AsyncioEcho()
    {
        Assert.True(File.Exists("/usr/bin/python3"), "python3 is not installed");
        SandboxProcess.AssertSame("/usr/bin/python3", Program("inet_asyncio_echo.py"));
    }

    /// <summary>curl, where installed, as a second process of the sandbox talking to the first over loopback.</summary>
    [Fact]
    public void CurlFetchesFromPythonServer()
    {
        Assert.True(File.Exists("/usr/bin/python3"), "python3 is not installed");
        if (!File.Exists("/usr/bin/curl")) return; // optional in the image: nothing to run
        var n = SandboxProcess.Native("/usr/bin/python3", Program("inet_curl.py"));
        var s = SandboxProcess.Sandboxed("/usr/bin/python3", Program("inet_curl.py"));
        AssertSameOutput(n, s);
        Assert.Contains("127.0.0.1 exit 0 code 200 len 1000000 same True", s.Stdout);
    }

    /// <summary>--network none still has loopback.</summary>
    [Fact]
    public void NetworkNoneHasLoopback()
    {
        Assert.True(File.Exists("/usr/bin/python3"), "python3 is not installed");
        var n = SandboxProcess.Native("/usr/bin/python3", Program("inet_asyncio_echo.py"));
        var s = SandboxProcess.SandboxCli("run", "--network=none", "--", "/usr/bin/python3", Program("inet_asyncio_echo.py"));
        AssertSameOutput(n, s);
    }

    /// <summary>
    /// The only interface a sandbox has without a device is lo, index 1; glibc asks through
    /// device ioctls on an AF_UNIX socket (if_nametoindex, if_indextoname).
    /// </summary>
    [Fact]
    public void OnlyLoopbackInterface()
    {
        Assert.True(File.Exists("/usr/bin/python3"), "python3 is not installed");
        const string script = "import socket\nprint(socket.if_nametoindex('lo'), socket.if_indextoname(1))\n" +
            "for n in ('eth0', 'ens3'):\n  try: socket.if_nametoindex(n); print(n, 'present')\n  except OSError: print(n, 'absent')\n";
        var s = SandboxProcess.Sandboxed("/usr/bin/python3", "-c", script);
        Assert.True(s.Exit == 0, s.Stderr);
        Assert.Equal("1 lo\neth0 absent\nens3 absent", s.Stdout.Trim());
    }

    /// <summary>/proc/net/tcp and udp list the sandbox's own sockets (the host's are not there).</summary>
    [Fact]
    public void ProcNetListsSandboxSockets()
    {
        Assert.True(File.Exists("/usr/bin/python3"), "python3 is not installed");
        const string script = "import socket\nl=socket.socket(); l.bind(('127.0.0.1',0)); l.listen()\n" +
            "port='%04X'%l.getsockname()[1]\nc=socket.create_connection(l.getsockname()); a,_=l.accept()\n" +
            "u=socket.socket(socket.AF_INET6,socket.SOCK_DGRAM); u.bind(('::1',0))\n" +
            "rows=[r.split() for r in open('/proc/net/tcp').read().splitlines()[1:]]\n" +
            "print(len(rows), sorted(r[3] for r in rows), any(r[1]=='0100007F:'+port and r[3]=='0A' for r in rows))\n" +
            "print(len(open('/proc/net/udp6').read().splitlines()) - 1, len(open('/proc/net/udp').read().splitlines()) - 1)\n" +
            "print([l.split(':')[0].strip() for l in open('/proc/net/dev').read().splitlines()[2:]])\n";
        var s = SandboxProcess.Sandboxed("/usr/bin/python3", "-c", script);
        Assert.True(s.Exit == 0, s.Stderr);
        Assert.Equal("3 ['01', '01', '0A'] True\n1 0\n['lo']", s.Stdout.Trim());
    }
}
