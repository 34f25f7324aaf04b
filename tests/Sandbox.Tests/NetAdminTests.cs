using System.Diagnostics;
using System.Security.Cryptography;
using Xunit;
using Xunit.Abstractions;

namespace Sandbox.Tests;

/// <summary>
/// Network configuration inside the sandbox on the Sentry's own stack: ip(8) and busybox
/// brctl change links, addresses, routes and bridges over the Sentry's rtnetlink and device
/// ioctls with CAP_NET_ADMIN, and are refused without it; a bridge in the sandbox switches
/// frames between two veth interfaces of its namespace (root and veth; skipped otherwise).
/// </summary>
[Collection("netdev")]
public class NetAdminTests(ITestOutputHelper log)
{
    private const int Slow = 300_000;

    private SandboxProcess.Result Sh(string script, params string[] runArgs)
    {
        var args = new[] { SandboxProcess.SandboxDll, "run" }.Concat(runArgs).Concat(new[] { "--", "/bin/sh", "-c", script }).ToArray();
        var r = SandboxProcess.Run("dotnet", args, Slow);
        log.WriteLine(r.Stdout + r.Stderr);
        return r;
    }

    [SkippableFact]
    public void IpChangesLinksAddressesAndRoutes()
    {
        Skip.If(NetDevice.Tool("ip") == null, "iproute2 is not installed");
        var r = Sh("""
            ip link set lo down; echo down=$?; ip -o link show lo
            ping -c1 -W1 127.0.0.1 >/dev/null 2>&1; echo ping-down=$?
            ip link set lo up; ping -c1 -W1 127.0.0.1 >/dev/null 2>&1; echo ping-up=$?
            ip addr add 10.9.9.9/24 dev lo; echo add=$?
            ip addr add 10.9.9.9/24 dev lo; echo add-again=$?
            ip -o -4 addr show lo
            ip addr del 10.9.9.9/24 dev lo; echo del=$?
            ip addr del 10.9.9.9/24 dev lo; echo del-again=$?
            ip link add br0 type bridge; echo bridge=$?
            ip -o link show br0
            ip link set br0 up mtu 1400; ip addr add 10.5.0.1/24 dev br0
            ip route add 10.6.0.0/16 via 10.5.0.2; echo route=$?
            ip route add 10.6.0.0/16 via 10.5.0.2; echo route-again=$?
            ip route add 10.7.0.0/16 via 10.8.0.1; echo route-unreachable=$?
            ip route
            ip route del 10.6.0.0/16; echo route-del=$?
            ip route del 10.6.0.0/16; echo route-del-again=$?
            ip link del br0; echo bridge-del=$?
            ip -o link
            """);
        Assert.Equal(0, r.Exit);
        var o = r.Stdout;
        Assert.Contains("down=0", o);
        Assert.Contains("lo: <LOOPBACK> mtu 65536", o);
        Assert.Contains("ping-down=", o);
        Assert.DoesNotContain("ping-down=0", o);
        Assert.Contains("ping-up=0", o);
        Assert.Contains("add=0", o);
        Assert.Contains("add-again=2", o);
        Assert.Contains("File exists", r.Stderr);
        Assert.Contains("inet 10.9.9.9/24 scope global lo", o);
        Assert.Contains("del=0", o);
        Assert.Contains("del-again=2", o);
        Assert.Contains("Cannot assign requested address", r.Stderr);
        Assert.Contains("bridge=0", o);
        Assert.Contains("br0: <BROADCAST,MULTICAST> mtu 1500", o);
        Assert.Contains("state DOWN", o);
        Assert.Contains("route=0", o);
        Assert.Contains("route-again=2", o);
        Assert.Contains("route-unreachable=2", o);
        Assert.Contains("10.5.0.0/24 dev br0 proto kernel scope link src 10.5.0.1", o);
        Assert.Contains("10.6.0.0/16 via 10.5.0.2 dev br0", o);
        Assert.Contains("route-del=0", o);
        Assert.Contains("route-del-again=2", o);
        Assert.Contains("No such process", r.Stderr);
        Assert.Contains("bridge-del=0", o);
        Assert.DoesNotContain("br0", o[o.IndexOf("bridge-del=0", StringComparison.Ordinal)..]);
    }

    [SkippableFact]
    public void BrctlAddsAndDeletesBridgesWithNetAdminOnly()
    {
        Skip.If(NetDevice.Tool("busybox") == null, "busybox is not installed");
        // What critest's "Privileged is true" and "adding NET_ADMIN capability" specs run.
        var r = Sh("busybox brctl addbr foobar; echo addbr=$?; busybox brctl addbr foobar; echo again=$?; "
            + "ip -o link show foobar; ip link set foobar up; busybox brctl delbr foobar; echo busy=$?; "
            + "ip link set foobar down; busybox brctl delbr foobar; echo delbr=$?; busybox brctl delbr foobar; echo gone=$?");
        Assert.Equal(0, r.Exit);
        Assert.Contains("addbr=0", r.Stdout);
        Assert.Contains("again=1", r.Stdout);
        Assert.Contains("foobar: <BROADCAST,MULTICAST>", r.Stdout);
        Assert.Contains("busy=1", r.Stdout);
        Assert.Contains("Device or resource busy", r.Stderr);
        Assert.Contains("delbr=0", r.Stdout);
        Assert.Contains("gone=1", r.Stdout);
        r = Sh("busybox brctl addbr foobar; echo addbr=$?; ip link set lo down; echo down=$?; ip addr add 10.9.9.9/24 dev lo; echo add=$?",
            "--cap-drop", "NET_ADMIN");
        Assert.Contains("addbr=1", r.Stdout);
        Assert.Contains("down=2", r.Stdout);
        Assert.Contains("add=2", r.Stdout);
        Assert.Contains("Operation not permitted", r.Stderr);
    }

    /// <summary>
    /// Two namespaces A and B, each with a veth whose other end is in the sandbox's namespace;
    /// in the sandbox busybox brctl bridges the two ends: A and B ping each other through the
    /// Sentry's bridge, and both ping the address the sandbox gave the bridge.
    /// </summary>
    [SkippableFact]
    public void BridgeInTheSandboxSwitchesBetweenTwoVeths()
    {
        var why = NetDevice.SkipReason();
        Skip.If(why != null, $"skipped: {why}");
        Skip.If(NetDevice.Tool("busybox") == null || NetDevice.Tool("ping") == null, "busybox or ping is not installed");
        int n = Environment.ProcessId % 200 + 20;
        string tag = $"{Environment.ProcessId % 10000}";
        string ns = $"sbxbr{tag}", nsA = $"sbxba{tag}", nsB = $"sbxbb{tag}";
        string portA = $"bpa{tag}", portB = $"bpb{tag}", peerA = $"bqa{tag}", peerB = $"bqb{tag}";
        string ipA = $"10.216.{n}.1", ipB = $"10.216.{n}.2", ipBr = $"10.216.{n}.3";
        Process? sb = null;
        string blob = Path.Combine(Path.GetTempPath(), $"netadmin-{tag}.bin");
        try
        {
            foreach (var x in new[] { ns, nsA, nsB }) { NetDevice.Run("ip", $"netns del {x}"); NetDevice.Must("ip", $"netns add {x}"); }
            foreach (var (port, peer, peerNs, ip) in new[] { (portA, peerA, nsA, ipA), (portB, peerB, nsB, ipB) })
            {
                NetDevice.Must("ip", $"link add {port} type veth peer name {peer}");
                NetDevice.Must("ip", $"link set {port} netns {ns}");
                NetDevice.Must("ip", $"link set {peer} netns {peerNs}");
                NetDevice.Must("ip", $"netns exec {ns} ip link set {port} up");
                NetDevice.Must("ip", $"netns exec {peerNs} ip addr add {ip}/24 dev {peer}");
                NetDevice.Must("ip", $"netns exec {peerNs} ip link set {peer} up");
            }
            var psi = new ProcessStartInfo("dotnet")
            { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false, WorkingDirectory = "/" };
            foreach (var a in new[] { SandboxProcess.SandboxDll, "run", "--netns", ns, "--", "/bin/sh", "-c",
                $"busybox brctl addbr br0 && busybox brctl addif br0 {portA} && busybox brctl addif br0 {portB} && "
                + $"ip link set br0 up && ip addr add {ipBr}/24 dev br0 && ip -o link && echo ready && sleep 300" })
                psi.ArgumentList.Add(a);
            sb = Process.Start(psi)!;
            sb.StandardInput.Close();
            var sw = Stopwatch.StartNew();
            (int Code, string Out, string Err) r;
            do
            {
                r = NetDevice.Run("ip", $"netns exec {nsA} ping -n -c 1 -W 1 {ipB}", 30_000);
                if (r.Code == 0 || sb.HasExited) break;
                Thread.Sleep(500);
            } while (sw.ElapsedMilliseconds < Slow);
            // (The message is built only when the sandbox has ended: reading its output earlier would block.)
            if (sb.HasExited) Assert.Fail($"the sandbox ended: {sb.StandardOutput.ReadToEnd()}{sb.StandardError.ReadToEnd()}");
            r = NetDevice.Run("ip", $"netns exec {nsA} ping -n -c 3 -i 0.2 -W 2 {ipB}");
            log.WriteLine(r.Out);
            Assert.True(r.Code == 0, $"A -> B through the sandbox's bridge: {r.Out}{r.Err}");
            r = NetDevice.Run("ip", $"netns exec {nsB} ping -n -c 3 -i 0.2 -W 2 {ipBr}");
            log.WriteLine(r.Out);
            Assert.True(r.Code == 0, $"B -> the bridge's own address: {r.Out}{r.Err}");
            r = NetDevice.Run("ip", $"netns exec {nsA} ping -n -c 3 -i 0.2 -W 2 {ipBr}");
            Assert.True(r.Code == 0, $"A -> the bridge's own address: {r.Out}{r.Err}");
            if (NetDevice.Tool("nc") != null)
            {
                // TCP from A to B through the bridge with the veths' offloads on: the host's
                // super-segments are forwarded whole with their virtio-net headers.
                var body = new byte[20 << 20];
                new Random(3).NextBytes(body);
                File.WriteAllBytes(blob, body);
                var lp = new ProcessStartInfo(NetDevice.Tool("ip")!, $"netns exec {nsB} timeout 120 nc -l 7790")
                { RedirectStandardOutput = true, UseShellExecute = false };
                using var listener = Process.Start(lp)!;
                var got = System.Threading.Tasks.Task.Run(() => SHA256.HashData(listener.StandardOutput.BaseStream));
                var send = Stopwatch.StartNew();
                do
                {
                    Thread.Sleep(300);
                    r = NetDevice.Run("sh", $"-c \"ip netns exec {nsA} timeout 120 nc -N {ipB} 7790 < {blob}\"", 150_000);
                } while (r.Code != 0 && !listener.HasExited && send.ElapsedMilliseconds < 30_000);
                Assert.True(r.Code == 0, $"nc A -> B: {r.Out}{r.Err}");
                Assert.True(got.Wait(120_000), "B did not see the end of the stream");
                log.WriteLine($"20 MiB A -> B through the bridge in {send.Elapsed.TotalSeconds:F2} s");
                Assert.Equal(SHA256.HashData(body), got.Result);
            }
            else log.WriteLine("nc is not installed: no TCP through the bridge");
        }
        finally
        {
            if (sb != null)
            {
                try { sb.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                sb.WaitForExit(10_000);
                log.WriteLine(sb.StandardOutput.ReadToEnd());
                sb.Dispose();
            }
            foreach (var x in new[] { ns, nsA, nsB }) NetDevice.Run("ip", $"netns del {x}");
            File.Delete(blob);
        }
    }
}
