using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Xunit;

namespace Sandbox.Tests;

/// <summary>
/// --network=host: AF_INET/AF_INET6 sockets are the host's (the Sentry's namespace), routing
/// netlink reads the host's configuration but may not change it. The syscall programs of
/// tests/syscalls/sock_inet_*.c run on host sockets and must match native Linux; real programs
/// talk to servers on the host and the other way round.
/// </summary>
public class HostNetworkTests
{
    public static IEnumerable<object[]> InetPrograms() =>
        SyscallDifferentialTests.Programs().Where(p => ((string)p[0]).StartsWith("sock_inet_"));

    [Theory]
    [MemberData(nameof(InetPrograms))]
    public void SameAsNativeOnHostSockets(string program)
    {
        string path = Path.Combine(SandboxProcess.SyscallTestsDir, program);
        var n = SandboxProcess.Native(path);
        var s = SandboxProcess.SandboxCli("run", "--network=host", "--", path);
        Assert.True(n.Exit == s.Exit && n.Stdout == s.Stdout,
            $"native (exit {n.Exit}):\n{n.Stdout}\nsandbox (exit {s.Exit}):\n{s.Stdout}\n{s.Stderr}");
    }

    /// <summary>curl in the sandbox fetches 1 MiB from a server of the test's own on the host's loopback.</summary>
    [Fact]
    public async System.Threading.Tasks.Task CurlInsideFetchesFromHostServer()
    {
        Assert.True(File.Exists("/usr/bin/curl"), "curl is not installed");
        var body = new byte[1 << 20];
        new Random(7).NextBytes(body);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = System.Threading.Tasks.Task.Run(() =>
        {
            using var c = listener.AcceptTcpClient();
            var st = c.GetStream();
            var req = new byte[4096];
            int got = 0;
            while (!Encoding.ASCII.GetString(req, 0, got).Contains("\r\n\r\n")) got += st.Read(req, got, req.Length - got);
            st.Write(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"));
            st.Write(body);
        });
        try
        {
            var s = SandboxProcess.SandboxCli("run", "--network=host", "--", "/bin/sh", "-c",
                $"/usr/bin/curl -sS http://127.0.0.1:{port}/blob | /usr/bin/sha256sum");
            Assert.True(s.Exit == 0, s.Stderr);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), s.Stdout.Split(' ')[0]);
            await server.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally { listener.Stop(); }
    }

    /// <summary>python3's http.server in the sandbox, fetched from the host over 127.0.0.1 and ::1.</summary>
    [Fact]
    public async System.Threading.Tasks.Task HostFetchesFromServerInside()
    {
        Assert.True(File.Exists("/usr/bin/python3"), "python3 is not installed");
        string dir = Directory.CreateTempSubdirectory("hostnet-").FullName;
        var content = new byte[300_000];
        new Random(3).NextBytes(content);
        File.WriteAllBytes(Path.Combine(dir, "data.bin"), content);
        int port = FreePort();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        foreach (var a in new[] { SandboxProcess.SandboxDll, "run", "--network=host", "--", "/usr/bin/python3", "-m", "http.server",
                     port.ToString(), "--bind", "::", "--directory", dir })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            byte[]? got = null;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (got == null && DateTime.UtcNow < deadline && !p.HasExited)
            {
                try { got = await http.GetByteArrayAsync($"http://127.0.0.1:{port}/data.bin"); }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { await System.Threading.Tasks.Task.Delay(200); }
            }
            Assert.True(got != null, $"the server in the sandbox never answered (exited: {p.HasExited})");
            Assert.Equal(content, got);
            Assert.Equal(content, await http.GetByteArrayAsync($"http://[::1]:{port}/data.bin"));
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            p.WaitForExit();
            Directory.Delete(dir, true);
        }
    }

    /// <summary>The host's interfaces are listed (netlink and device ioctls), and changing them is refused.</summary>
    [Fact]
    public void HostInterfacesAreSeenButNotChanged()
    {
        Assert.True(File.Exists("/usr/bin/python3"), "python3 is not installed");
        const string script = "import socket\nprint(socket.if_nameindex())\nprint(socket.if_nametoindex('lo'))\n";
        var n = SandboxProcess.Native("/usr/bin/python3", "-c", script);
        var s = SandboxProcess.SandboxCli("run", "--network=host", "--", "/usr/bin/python3", "-c", script);
        Assert.True(s.Exit == 0, s.Stderr);
        Assert.Equal(n.Stdout, s.Stdout);
        if (!File.Exists("/sbin/ip")) return;
        var add = SandboxProcess.SandboxCli("run", "--network=host", "--", "/sbin/ip", "addr", "add", "10.253.77.1/32", "dev", "lo");
        Assert.NotEqual(0, add.Exit);
        Assert.Contains("Operation not permitted", add.Stderr);
        var show = SandboxProcess.Run("/sbin/ip", new[] { "addr", "show", "dev", "lo" });
        Assert.DoesNotContain("10.253.77.1", show.Stdout);
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.IPv6Any, 0);
        l.Server.DualMode = true;
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
