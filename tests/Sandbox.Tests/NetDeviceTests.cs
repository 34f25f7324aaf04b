using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace Sandbox.Tests;

/// <summary>
/// `sandbox run --netns`: the Sentry's stack on a veth end in a network namespace of the test's
/// own, real programs on both sides. python3's http.server in the sandbox fetched by the host's
/// curl, curl and wget in the sandbox fetching from a host server, ping both ways, a UDP echo,
/// `ip addr`/`ip route` over the sandbox's netlink, and 100 MiB each way under loss, reordering
/// and delay with SHA-256 compared. Skipped, saying why, without root or veth support.
/// </summary>
[Collection("netdev")]
public class NetDeviceTests(ITestOutputHelper log)
{
    private const int Slow = 300_000; // a loaded 2-core machine starts python3 in the sandbox slowly

    private static void SkipUnlessNetDevice()
    {
        var why = NetDevice.SkipReason();
        Skip.If(why != null, $"NetDeviceTests skipped: {why}");
    }

    private static void Need(string tool) =>
        Skip.If(NetDevice.Tool(tool) == null, $"'{tool}' is not installed");

    private static void Kill(Process p)
    {
        try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        p.WaitForExit(10_000);
        p.Dispose();
    }

    /// <summary>Retries a host command until it succeeds (the sandbox is still starting) or the time is up.</summary>
    private static (int Code, string Out, string Err) Retry(string file, string args, int timeoutMs)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var r = NetDevice.Run(file, args, 30_000);
            if (r.Code == 0 || sw.ElapsedMilliseconds > timeoutMs) return r;
            Thread.Sleep(500);
        }
    }

    [SkippableFact]
    public void HostCurlFetchesFromPythonHttpServerInSandbox()
    {
        SkipUnlessNetDevice();
        Need("curl");
        Skip.IfNot(File.Exists("/usr/bin/python3"), "python3 is not installed");
        using var net = new NetDevice();
        var dir = Directory.CreateTempSubdirectory("netdev-www");
        try
        {
            var body = new byte[300_000];
            new Random(5).NextBytes(body);
            File.WriteAllBytes(Path.Combine(dir.FullName, "blob"), body);
            var sb = net.StartSandbox("/usr/bin/python3", "-m", "http.server", "8080", "--bind", net.SandboxIp, "--directory", dir.FullName);
            try
            {
                string got = Path.Combine(dir.FullName, "got");
                var (c, o, e) = Retry("curl", $"-sS --max-time 20 -o {got} -w %{{http_code}} http://{net.SandboxIp}:8080/blob", Slow);
                Assert.True(c == 0 && o == "200", $"curl: exit {c} {o} {e}");
                Assert.Equal(SHA256.HashData(body), SHA256.HashData(File.ReadAllBytes(got)));
            }
            finally { Kill(sb); }
        }
        finally { dir.Delete(true); }
    }

    [SkippableFact]
    public void SandboxCurlAndWgetFetchFromHostServer()
    {
        SkipUnlessNetDevice();
        Need("curl");
        Skip.IfNot(File.Exists("/usr/bin/python3"), "python3 is not installed");
        using var net = new NetDevice();
        var dir = Directory.CreateTempSubdirectory("netdev-host");
        var body = new byte[500_000];
        new Random(7).NextBytes(body);
        File.WriteAllBytes(Path.Combine(dir.FullName, "blob"), body);
        string want = Convert.ToHexStringLower(SHA256.HashData(body));
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-m", "http.server", "8081", "--bind", net.HostIp, "--directory", dir.FullName }) psi.ArgumentList.Add(a);
        var server = Process.Start(psi)!;
        try
        {
            Assert.True(Retry("curl", $"-sS -o /dev/null http://{net.HostIp}:8081/blob", 60_000).Code == 0, "the host's server did not start");
            var r = net.RunSandbox(Slow, "/bin/sh", "-c", $"curl -sS --max-time 60 -o /tmp/got http://{net.HostIp}:8081/blob && sha256sum /tmp/got");
            Assert.True(r.Exit == 0, $"curl in the sandbox: exit {r.Exit}: {r.Stderr}");
            Assert.StartsWith(want, r.Stdout);
            if (NetDevice.Tool("wget") != null)
            {
                r = net.RunSandbox(Slow, "/bin/sh", "-c", $"wget -q -T 60 -O /tmp/got http://{net.HostIp}:8081/blob && sha256sum /tmp/got");
                Assert.True(r.Exit == 0, $"wget in the sandbox: exit {r.Exit}: {r.Stderr}");
                Assert.StartsWith(want, r.Stdout);
            }
            else log.WriteLine("wget is not installed: only curl ran");
        }
        finally
        {
            Kill(server);
            dir.Delete(true);
        }
    }

    [SkippableFact]
    public void PingBothWays()
    {
        SkipUnlessNetDevice();
        Need("ping");
        using var net = new NetDevice();
        // The sandbox pings the host (iputils ping: an ICMP socket in the Sentry's stack) ...
        var r = net.RunSandbox(Slow, "/usr/bin/ping", "-n", "-c", "3", "-i", "0.2", "-W", "5", net.HostIp);
        log.WriteLine(r.Stdout);
        Assert.True(r.Exit == 0, $"ping in the sandbox: exit {r.Exit}: {r.Stdout}{r.Stderr}");
        Assert.Contains("3 received", r.Stdout);
        // ... and the host pings the sandbox's stack while a program runs there.
        var sb = net.StartSandbox("/bin/sleep", "120");
        try
        {
            var (c, o, e) = Retry("ping", $"-n -c 3 -i 0.2 -W 2 {net.SandboxIp}", Slow);
            log.WriteLine(o);
            Assert.True(c == 0, $"host ping: {o}{e}");
            Assert.Contains("3 received", o);
        }
        finally { Kill(sb); }
    }

    [SkippableFact]
    public void UdpEcho()
    {
        SkipUnlessNetDevice();
        Skip.IfNot(File.Exists("/usr/bin/python3"), "python3 is not installed");
        using var net = new NetDevice();
        const string echo = "import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(('0.0.0.0',9000))\n" +
                            "while True:\n d,a=s.recvfrom(65535)\n s.sendto(d.upper(),a)\n";
        var sb = net.StartSandbox("/usr/bin/python3", "-c", echo);
        try
        {
            using var u = new UdpClient(new IPEndPoint(IPAddress.Parse(net.HostIp), 0));
            u.Client.ReceiveTimeout = 500;
            var to = new IPEndPoint(IPAddress.Parse(net.SandboxIp), 9000);
            var sw = Stopwatch.StartNew();
            string? reply = null;
            // Datagrams until the server is up, then a large one (fragmented on the 1500-byte link).
            while (reply == null && sw.ElapsedMilliseconds < Slow)
            {
                u.Send(Encoding.ASCII.GetBytes("hello"), to);
                try { var from = new IPEndPoint(IPAddress.Any, 0); reply = Encoding.ASCII.GetString(u.Receive(ref from)); }
                catch (SocketException) { }
            }
            Assert.Equal("HELLO", reply);
            var big = Encoding.ASCII.GetBytes(new string('x', 9000));
            u.Client.ReceiveTimeout = 10_000;
            u.Send(big, to);
            var f2 = new IPEndPoint(IPAddress.Any, 0);
            Assert.Equal(new string('X', 9000), Encoding.ASCII.GetString(u.Receive(ref f2)));
            Assert.Equal(net.SandboxIp, f2.Address.ToString());
        }
        finally { Kill(sb); }
    }

    /// <summary>ip(8) in the sandbox reads the taken-over configuration over the Sentry's netlink.</summary>
    [SkippableFact]
    public void IpAddrAndRouteShowTheTakenOverInterface()
    {
        SkipUnlessNetDevice();
        using var net = new NetDevice();
        var r = net.RunSandbox(Slow, "/bin/sh", "-c", "ip addr; ip route; ip route get 192.0.2.7; ip addr add 10.9.9.9/24 dev lo; echo add=$?");
        log.WriteLine(r.Stdout + r.Stderr);
        Assert.Contains($"inet {net.SandboxIp}/24", r.Stdout);
        Assert.Contains($"{net.NsIf}: <BROADCAST,MULTICAST,UP,LOWER_UP>", r.Stdout);
        Assert.Contains("inet 127.0.0.1/8 scope host lo", r.Stdout);
        Assert.Contains($"default via {net.HostIp} dev {net.NsIf}", r.Stdout);
        Assert.Contains($"192.0.2.7 via {net.HostIp} dev {net.NsIf} src {net.SandboxIp}", r.Stdout);
        Assert.Contains("add=0", r.Stdout);  // root in the sandbox holds CAP_NET_ADMIN
        // The kernel in the namespace no longer has the address: only the stack answers.
        var (_, o, _) = NetDevice.Run("ip", $"netns exec {net.Ns} ip -4 addr show {net.NsIf}");
        Assert.DoesNotContain(net.SandboxIp, o);
    }

    [SkippableFact]
    public void BadNetnsIsAClearError()
    {
        var r = SandboxProcess.SandboxCli("run", "--netns", "no-such-netns-here", "--", "/bin/true");
        Assert.Equal(125, r.Exit);
        Assert.Contains("no such network namespace (/var/run/netns/no-such-netns-here)", r.Stderr);
        r = SandboxProcess.SandboxCli("run", "--netns", "/etc/hostname", "--", "/bin/true");
        Assert.Equal(125, r.Exit);
        Assert.Contains("/etc/hostname", r.Stderr);
        r = SandboxProcess.SandboxCli("run", "--network", "none", "--netns", "/proc/self/ns/net", "--", "/bin/true");
        Assert.Equal(125, r.Exit);
    }

    [SkippableFact]
    public void Transfer100MiBEachWayUnderLossReorderDelay()
    {
        SkipUnlessNetDevice();
        Need("nc");
        using var net = new NetDevice(impair: true);
        log.WriteLine(net.Impairment);
        const long total = 100L << 20;
        string file = Path.Combine(Path.GetTempPath(), $"netdev-{Environment.ProcessId}.bin");
        try
        {
            using (var fs = File.Create(file))
            {
                var rng = new Random(11);
                var chunk = new byte[1 << 20];
                for (long done = 0; done < total; done += chunk.Length) { rng.NextBytes(chunk); fs.Write(chunk); }
            }
            byte[] want;
            using (var fs = File.OpenRead(file)) want = SHA256.HashData(fs);

            // Sandbox -> host: nc in the sandbox sends the file to a host listener that hashes it.
            var listener = new TcpListener(IPAddress.Parse(net.HostIp), 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            byte[]? got = null;
            long gotBytes = 0;
            var reader = new Thread(() =>
            {
                using var s = listener.AcceptSocket();
                using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buf = new byte[1 << 20];
                int n;
                while ((n = s.Receive(buf)) > 0) { h.AppendData(buf, 0, n); gotBytes += n; }
                got = h.GetHashAndReset();
            });
            reader.Start();
            var sw = Stopwatch.StartNew();
            var r = net.RunSandbox(600_000, "/bin/sh", "-c", $"nc -N {net.HostIp} {port} < {file}");
            Assert.True(reader.Join(120_000), "the host did not see the end of the stream");
            listener.Stop();
            log.WriteLine($"sandbox -> host: {gotBytes} bytes in {sw.Elapsed.TotalSeconds:F1} s");
            Assert.True(r.Exit == 0, $"nc in the sandbox: exit {r.Exit}: {r.Stderr}");
            Assert.Equal(total, gotBytes);
            Assert.Equal(want, got);

            // Host -> sandbox: nc listens in the sandbox and hashes what arrives.
            var sb = net.StartSandbox("/bin/sh", "-c", "nc -l 9001 | sha256sum");
            try
            {
                sw.Restart();
                var sendWatch = Stopwatch.StartNew();
                Socket? c = null;
                while (c == null && sendWatch.ElapsedMilliseconds < Slow)
                {
                    var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    try { s.Connect(IPAddress.Parse(net.SandboxIp), 9001); c = s; }
                    catch (SocketException) { s.Dispose(); Thread.Sleep(500); }
                }
                Assert.NotNull(c);
                using (c)
                using (var fs = File.OpenRead(file))
                {
                    var buf = new byte[1 << 20];
                    int n;
                    while ((n = fs.Read(buf)) > 0) c.Send(buf.AsSpan(0, n));
                    c.Shutdown(SocketShutdown.Send);
                }
                Assert.True(sb.WaitForExit(300_000), "the sandbox did not finish");
                string outp = sb.StandardOutput.ReadToEnd();
                log.WriteLine($"host -> sandbox: {sw.Elapsed.TotalSeconds:F1} s");
                Assert.StartsWith(Convert.ToHexStringLower(want), outp);
            }
            finally { Kill(sb); }
        }
        finally { File.Delete(file); }
    }
}
