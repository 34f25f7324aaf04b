using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace Sandbox.Netstack.Tests;

/// <summary>
/// The C# stack on one end of a veth pair (AF_PACKET inside a network namespace), the host
/// kernel on the other: ping, TCP both ways with a 100 MiB checksummed transfer under loss,
/// reordering and delay, HTTP with curl, UDP echo. Skipped, saying why, without root or iproute2.
/// </summary>
[Collection("veth")]
public class VethInteropTests(ITestOutputHelper log)
{
    private static bool Skip(ITestOutputHelper log)
    {
        var why = VethNetwork.SkipReason();
        if (why == null) return false;
        log.WriteLine($"SKIPPED: {why}");
        Console.WriteLine($"VethInteropTests skipped: {why}");
        return true;
    }

    [Fact]
    public void HostPingsTheStack()
    {
        if (Skip(log) || HostNet.Which("ping") == null) { log.WriteLine("SKIPPED: ping not installed"); return; }
        using var v = new VethNetwork(log, impair: false);
        var (c, o, e) = HostNet.Run("ping", $"-c 3 -i 0.2 -W 2 {v.StackIp}");
        log.WriteLine(o);
        Assert.True(c == 0, $"ping failed: {o}{e}");
        Assert.Contains("3 received", o);
        (c, o, e) = HostNet.Run("ping", $"-6 -c 3 -i 0.2 -W 2 {v.StackIp6}");
        log.WriteLine(o);
        Assert.True(c == 0, $"ping -6 failed: {o}{e}");
        Assert.Contains(" 0% packet loss", o);
        // Large echo requests arrive fragmented and are reassembled.
        (c, o, e) = HostNet.Run("ping", $"-c 2 -i 0.2 -W 2 -s 5000 {v.StackIp}");
        Assert.True(c == 0, $"ping -s 5000 failed: {o}{e}");
    }

    [Fact]
    public void StackSends100MiBToHostUnderLossReorderDelay()
    {
        if (Skip(log)) return;
        using var v = new VethNetwork(log, impair: true);
        const long total = 100L << 20;
        var listener = new TcpListener(v.HostIp.ToIPAddress(), 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        byte[]? hostHash = null;
        long hostBytes = 0;
        var reader = new Thread(() =>
        {
            using var s = listener.AcceptSocket();
            using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buf = new byte[1 << 20];
            int n;
            while ((n = s.Receive(buf)) > 0) { h.AppendData(buf, 0, n); hostBytes += n; }
            hostHash = h.GetHashAndReset();
        });
        reader.Start();

        var ep = v.Stack.CreateTcp();
        Blocking.Connect(ep, new SockAddr(v.HostIp, (ushort)port));
        var sw = Stopwatch.StartNew();
        using var sent = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var rng = new Random(1);
        var chunk = new byte[1 << 20];
        for (long off = 0; off < total; off += chunk.Length)
        {
            rng.NextBytes(chunk);
            sent.AppendData(chunk);
            Blocking.SendAll(ep, chunk, 120_000);
        }
        ep.Shutdown(false, true);
        Assert.True(reader.Join(300_000), "host reader did not finish");
        sw.Stop();
        listener.Stop();
        ep.GetInfo(out var info);
        log.WriteLine($"netem={v.Netem}: 100 MiB in {sw.Elapsed.TotalSeconds:F1} s ({total / sw.Elapsed.TotalSeconds / 1e6:F1} MB/s), " +
                      $"retransmitted {info.TotalRetrans} segments, fast {v.Stack.Stats.TcpFastRetransmits}, timeouts {v.Stack.Stats.TcpTimeouts}, srtt {info.RttUs} us");
        Assert.Equal(total, hostBytes);
        Assert.Equal(sent.GetHashAndReset(), hostHash);
        ep.Close();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void HostSends100MiBToStack(bool offload)
    {
        if (Skip(log)) return;
        using var v = new VethNetwork(log, impair: false, offload);
        const long total = 100L << 20;
        var l = v.Stack.CreateTcp();
        Assert.Equal(0, l.Bind(new SockAddr(Address.AnyV4, 5201)));
        Assert.Equal(0, l.Listen(4));
        using var sent = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var writer = new Thread(() =>
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Connect(new IPEndPoint(v.StackIp.ToIPAddress(), 5201));
            var rng = new Random(2);
            var chunk = new byte[1 << 20];
            for (long off = 0; off < total; off += chunk.Length)
            {
                rng.NextBytes(chunk);
                sent.AppendData(chunk);
                s.Send(chunk);
            }
            s.Shutdown(SocketShutdown.Send);
        });
        var sw = Stopwatch.StartNew();
        writer.Start();
        var c = Blocking.Accept(l);
        using var got = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buf = new byte[1 << 20];
        long n = 0;
        int r;
        while ((r = Blocking.Receive(c, buf)) > 0) { got.AppendData(buf, 0, r); n += r; }
        sw.Stop();
        Assert.True(writer.Join(60_000));
        log.WriteLine($"host -> stack (offload {offload}): 100 MiB in {sw.Elapsed.TotalSeconds:F1} s ({total / sw.Elapsed.TotalSeconds / 1e6:F1} MB/s)");
        Assert.Equal(total, n);
        Assert.Equal(sent.GetHashAndReset(), got.GetHashAndReset());
        c.Close();
        l.Close();
    }

    [Fact]
    public void TapDeviceCarriesPingAndTcp()
    {
        if (Skip(log) || HostNet.Which("ping") == null) { log.WriteLine("SKIPPED: ping not installed"); return; }
        if (!File.Exists("/dev/net/tun")) { log.WriteLine("SKIPPED: no /dev/net/tun"); return; }
        string tap = $"nst{Environment.ProcessId % 100000}";
        int o = Environment.ProcessId % 200 + 20;
        var hostIp = Address.Parse($"10.216.{o}.1");
        var stackIp = Address.Parse($"10.216.{o}.2");
        using var link = FdLinkEndpoint.OpenTap(tap, new MacAddress(0x02_00_5e_00_00_02));
        try
        {
            HostNet.Must("ip", $"addr add {hostIp}/24 dev {tap}");
            HostNet.Must("ip", $"link set {tap} up");
            var stack = new NetStack();
            var nic = stack.AddNic(link, "tap0");
            stack.AddAddress(nic, stackIp, 24);
            using var d = new LinkDispatcher(stack, nic, link);
            var (c, po, pe) = HostNet.Run("ping", $"-c 2 -i 0.2 -W 2 {stackIp}");
            Assert.True(c == 0, po + pe);
            var l = stack.CreateTcp();
            l.Bind(new SockAddr(Address.AnyV4, 80)); l.Listen(1);
            var t = new Thread(() => { var s = Blocking.Accept(l); Blocking.SendAll(s, "over tap\n"u8); s.Close(); }) { IsBackground = true };
            t.Start();
            using var client = new TcpClient();
            client.Connect(stackIp.ToIPAddress(), 80);
            using var reader = new StreamReader(client.GetStream());
            Assert.Equal("over tap", reader.ReadLine());
        }
        finally { HostNet.Run("ip", $"link del {tap}"); }
    }

    [Fact]
    public void TakesOverTheKernelsAddressesAndRoutes()
    {
        if (Skip(log) || HostNet.Which("ping") == null) { log.WriteLine("SKIPPED: ping not installed"); return; }
        using var v = new VethNetwork(log, impair: false, attach: false);
        HostNet.Must("ip", $"netns exec {v.Ns} ip addr add {v.StackIp}/24 dev {v.PeerIf}");
        HostNet.Must("ip", $"netns exec {v.Ns} sysctl -qw net.ipv6.conf.{v.PeerIf}.disable_ipv6=0");
        HostNet.Must("ip", $"netns exec {v.Ns} ip -6 addr add {v.StackIp6}/64 dev {v.PeerIf} nodad");
        HostNet.Must("ip", $"netns exec {v.Ns} ip route add default via {v.HostIp}");
        HostNet.Must("ip", $"netns exec {v.Ns} ip route add 192.0.2.0/24 via {v.HostIp}");
        var cfg = HostInterface.TakeOver(v.PeerIf, $"/var/run/netns/{v.Ns}");
        log.WriteLine(string.Join(", ", cfg.Addresses) + " | " + string.Join(", ", cfg.Routes));
        Assert.Contains((v.StackIp, 24), cfg.Addresses);
        Assert.Contains((v.StackIp6, 64), cfg.Addresses);
        Assert.Contains((Address.AnyV4, 0, v.HostIp), cfg.Routes);
        Assert.Contains((Address.Parse("192.0.2.0"), 24, v.HostIp), cfg.Routes);
        var (_, shown, _) = HostNet.Run("ip", $"netns exec {v.Ns} ip addr show dev {v.PeerIf}");
        Assert.DoesNotContain("inet", shown); // the kernel there no longer holds any address
        v.Attach(cfg);
        var (c, o, e) = HostNet.Run("ping", $"-c 2 -i 0.2 -W 2 {v.StackIp}");
        Assert.True(c == 0, o + e);
        var route = v.Stack.Routes.Single(r => r.Prefix == 24 && r.Destination == Address.Parse("192.0.2.0"));
        Assert.Equal(v.HostIp, route.Gateway);
    }

    [Fact]
    public void StackSends100MiBToHostWithSegmentationOffload()
    {
        if (Skip(log)) return;
        using var v = new VethNetwork(log, impair: false, offload: true);
        var listener = new TcpListener(v.HostIp.ToIPAddress(), 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        byte[]? hostHash = null;
        var reader = new Thread(() =>
        {
            using var s = listener.AcceptSocket();
            using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buf = new byte[1 << 20];
            int n;
            while ((n = s.Receive(buf)) > 0) h.AppendData(buf, 0, n);
            hostHash = h.GetHashAndReset();
        });
        reader.Start();
        var ep = v.Stack.CreateTcp();
        Blocking.Connect(ep, new SockAddr(v.HostIp, (ushort)port));
        using var sent = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var rng = new Random(3);
        var chunk = new byte[1 << 20];
        for (int i = 0; i < 100; i++)
        {
            rng.NextBytes(chunk);
            sent.AppendData(chunk);
            Blocking.SendAll(ep, chunk);
        }
        ep.Shutdown(false, true);
        Assert.True(reader.Join(120_000));
        listener.Stop();
        Assert.Equal(sent.GetHashAndReset(), hostHash);
        ep.Close();
    }

    [Fact]
    public void CurlFetchesFromAServerOnTheStack()
    {
        if (Skip(log) || HostNet.Which("curl") == null) { log.WriteLine("SKIPPED: curl not installed"); return; }
        using var v = new VethNetwork(log, impair: false);
        var l = v.Stack.CreateTcp(v6: true); // dual-stack listener
        Assert.Equal(0, l.Bind(new SockAddr(Address.AnyV6, 8080)));
        Assert.Equal(0, l.Listen(8));
        var body = string.Concat(Enumerable.Repeat("hello from the C# stack\n", 5000));
        var server = new Thread(() =>
        {
            for (int i = 0; i < 2; i++)
            {
                var c = Blocking.Accept(l);
                var req = new StringBuilder();
                var buf = new byte[4096];
                while (!req.ToString().Contains("\r\n\r\n"))
                {
                    int n = Blocking.Receive(c, buf);
                    if (n == 0) break;
                    req.Append(Encoding.ASCII.GetString(buf, 0, n));
                }
                Blocking.SendAll(c, Encoding.ASCII.GetBytes($"HTTP/1.0 200 OK\r\nContent-Length: {body.Length}\r\n\r\n{body}"));
                c.Close();
            }
        }) { IsBackground = true };
        server.Start();
        var (code, o, e) = HostNet.Run("curl", $"-sS --max-time 20 http://{v.StackIp}:8080/");
        Assert.True(code == 0, e);
        Assert.Equal(body, o);
        (code, o, e) = HostNet.Run("curl", $"-sS --max-time 20 -g http://[{v.StackIp6}]:8080/");
        Assert.True(code == 0, e);
        Assert.Equal(body, o);
        Assert.True(server.Join(10_000));
    }

    [Fact]
    public void NetcatTalksToTheStack()
    {
        if (Skip(log) || HostNet.Which("nc") == null) { log.WriteLine("SKIPPED: nc not installed"); return; }
        using var v = new VethNetwork(log, impair: false);
        var l = v.Stack.CreateTcp();
        l.Bind(new SockAddr(Address.AnyV4, 7000)); l.Listen(1);
        string got = "";
        var server = new Thread(() =>
        {
            var c = Blocking.Accept(l);
            var buf = new byte[256];
            var sb = new StringBuilder();
            int n;
            while ((n = Blocking.Receive(c, buf)) > 0) sb.Append(Encoding.ASCII.GetString(buf, 0, n));
            got = sb.ToString();
            Blocking.SendAll(c, Encoding.ASCII.GetBytes("bye\n"));
            c.Close();
        }) { IsBackground = true };
        server.Start();
        var (code, o, e) = HostNet.Run("nc", $"-N -w 10 {v.StackIp} 7000", stdin: "line one\nline two\n");
        Assert.True(server.Join(10_000));
        Assert.Equal("line one\nline two\n", got);
        Assert.Equal("bye\n", o);
    }

    [Fact]
    public void UdpEchoWithTheHost()
    {
        if (Skip(log)) return;
        using var v = new VethNetwork(log, impair: false);
        var u = v.Stack.CreateUdp();
        Assert.Equal(0, u.Bind(new SockAddr(Address.AnyV4, 7)));
        var echo = new Thread(() =>
        {
            var buf = new byte[65536];
            for (int i = 0; i < 3; i++)
            {
                if (!u.Wait(PollEvents.In, 10_000)) return;
                int n = u.ReceiveFrom(buf, out var from);
                u.SendTo(buf.AsSpan(0, n), from);
            }
        }) { IsBackground = true };
        echo.Start();
        using var host = new UdpClient(new IPEndPoint(v.HostIp.ToIPAddress(), 0));
        host.Client.ReceiveTimeout = 5000;
        foreach (int size in new[] { 5, 1400, 20000 }) // the last one fragments both ways
        {
            var msg = new byte[size];
            new Random(size).NextBytes(msg);
            host.Send(msg, msg.Length, new IPEndPoint(v.StackIp.ToIPAddress(), 7));
            IPEndPoint? from = null;
            var back = host.Receive(ref from);
            Assert.Equal(msg, back);
            Assert.Equal(v.StackIp.ToIPAddress(), from!.Address);
        }
    }
}
