using Runtime.V1;
using Sandbox.Shim.Tests.Support;

namespace Sandbox.Shim.Tests;

/// <summary>
/// With a CNI configuration (cni_conf_dir), a Sentry pod gets a network namespace of its own set
/// up by the CNI plugins (Debian's containernetworking-plugins: bridge + host-local), its Sentry
/// takes over the interface, PodSandboxStatus reports the address, and the host reaches a server
/// in the pod at it. Stopping the pod runs DEL and removes the namespace. A microvm pod's VM
/// takes eth0's address and MAC, tc redirecting frames between eth0 and the VM's TAP.
/// </summary>
[Collection("registry")]
public class CniPodNetworkTests(RegistryFixture fx)
{
    private static readonly string[] BinDirs = { "/opt/cni/bin", "/usr/lib/cni" };

    private static bool CanMakeBridge()
    {
        string name = $"sbxprobe{Environment.ProcessId % 10000}";
        using var add = System.Diagnostics.Process.Start("ip", $"link add {name} type bridge");
        add?.WaitForExit(5000);
        if (add == null || add.ExitCode != 0) return false;
        System.Diagnostics.Process.Start("ip", $"link delete {name}")?.WaitForExit(5000);
        return true;
    }

    [SkippableTheory]
    [InlineData("sentry")]
    [InlineData("microvm")]
    public async Task A_pod_gets_an_address_from_cni_and_the_host_reaches_it(string handler)
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        if (handler == "microvm" && Sandbox.Shim.Backends.PodVm.UnavailableReason() is { } noVm) Skip.If(true, noVm);
        Skip.If(!BinDirs.Any(d => File.Exists(Path.Combine(d, "bridge")) && File.Exists(Path.Combine(d, "host-local"))),
            "the CNI plugins are not installed (apt-get install containernetworking-plugins)");
        Skip.If(Environment.UserName != "root", "network namespaces need root");
        Skip.If(!CanMakeBridge(), "this kernel cannot make a bridge (ip link add type bridge failed)");
        using var conf = new TempDir("cni-conf");
        int n = Random.Shared.Next(10, 250);
        string bridge = $"sbxcni{n}";
        File.WriteAllText(Path.Combine(conf.Path, "10-test.conflist"), $$"""
            { "cniVersion": "1.0.0", "name": "sbx-test-{{n}}",
              "plugins": [ { "type": "bridge", "bridge": "{{bridge}}", "isGateway": true, "ipMasq": false,
                             "ipam": { "type": "host-local", "ranges": [[{ "subnet": "10.252.{{n}}.0/24" }]],
                                       "dataDir": "{{conf.Path}}/ipam" } } ] }
            """);
        try
        {
            await using var h = await CriHarness.StartAsync(fx.Registry.Host, c => { c.CniConfDir = conf.Path; c.CniBinDirs = BinDirs.ToList(); });
            var rt = h.Client.Runtime;
            await h.Client.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = fx.BusyboxRef } });
            var podCfg = Cri.Pod("cni", Path.Combine(h.Root, "logs"));
            string pod = (await rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = podCfg, RuntimeHandler = handler })).PodSandboxId;
            string ip = (await rt.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod })).Status.Network.Ip;
            Assert.StartsWith($"10.252.{n}.", ip);

            string server = rt.CreateContainer(new CreateContainerRequest
            {
                PodSandboxId = pod, SandboxConfig = podCfg,
                Config = Cri.Container("server", fx.BusyboxRef, new[] { "sh", "-c", "echo hello-from-the-pod | busybox nc -l -p 8080" }, logPath: "server.log"),
            }).ContainerId;
            await rt.StartContainerAsync(new StartContainerRequest { ContainerId = server });
            string got = "";
            var deadline = DateTime.UtcNow.AddSeconds(handler == "microvm" ? 120 : 60);
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    using var c = new System.Net.Sockets.TcpClient();
                    await c.ConnectAsync(System.Net.IPAddress.Parse(ip), 8080).WaitAsync(TimeSpan.FromSeconds(5));
                    got = await new StreamReader(c.GetStream()).ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
                    if (got.Length > 0) break;
                }
                catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or TimeoutException) { await Task.Delay(300); }
            }
            Assert.Equal("hello-from-the-pod\n", got);

            string netns = "/var/run/netns/" + Directory.GetFiles("/var/run/netns").Select(Path.GetFileName).Single(f => f!.StartsWith("sbx-" + pod[..16]));
            await rt.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = pod });
            Assert.False(File.Exists(netns), "the pod's network namespace is still there");
            await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = pod });
        }
        finally
        {
            System.Diagnostics.Process.Start("ip", $"link delete {bridge}")?.WaitForExit(5000);
        }
    }

    private static bool IptablesWorks()
    {
        try
        {
            using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("iptables", "-t nat -S")
            { RedirectStandardOutput = true, RedirectStandardError = true });
            p!.WaitForExit(10_000);
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }

    private static string NatRules()
    {
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("iptables", "-t nat -S") { RedirectStandardOutput = true })!;
        string o = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return o;
    }

    /// <summary>
    /// A plugin declaring the `portMappings` capability (Debian's `portmap`) gets the pod's port
    /// mappings as runtimeConfig: the host port reaches the pod's server from 127.0.0.1, and
    /// DEL takes its rules away.
    /// </summary>
    [SkippableFact]
    public async Task A_host_port_reaches_the_pod_through_the_portmap_plugin()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        Skip.If(!BinDirs.Any(d => File.Exists(Path.Combine(d, "bridge")) && File.Exists(Path.Combine(d, "host-local")) && File.Exists(Path.Combine(d, "portmap"))),
            "the CNI plugins are not installed (apt-get install containernetworking-plugins)");
        Skip.If(Environment.UserName != "root", "network namespaces need root");
        Skip.If(!CanMakeBridge(), "this kernel cannot make a bridge (ip link add type bridge failed)");
        Skip.If(!IptablesWorks(), "iptables -t nat does not work here (portmap needs it)");
        using var conf = new TempDir("cni-conf");
        int n = Random.Shared.Next(10, 250);
        int hostPort = 31000 + Random.Shared.Next(0, 2000);
        string bridge = $"sbxpm{n}";
        File.WriteAllText(Path.Combine(conf.Path, "10-test.conflist"), $$"""
            { "cniVersion": "1.0.0", "name": "sbx-portmap-{{n}}",
              "plugins": [ { "type": "bridge", "bridge": "{{bridge}}", "isGateway": true, "ipMasq": false,
                             "ipam": { "type": "host-local", "ranges": [[{ "subnet": "10.251.{{n}}.0/24" }]],
                                       "dataDir": "{{conf.Path}}/ipam" } },
                           { "type": "portmap", "capabilities": { "portMappings": true } } ] }
            """);
        try
        {
            await using var h = await CriHarness.StartAsync(fx.Registry.Host, c => { c.CniConfDir = conf.Path; c.CniBinDirs = BinDirs.ToList(); });
            var rt = h.Client.Runtime;
            await h.Client.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = fx.BusyboxRef } });
            var podCfg = Cri.Pod("portmap", Path.Combine(h.Root, "logs"));
            podCfg.PortMappings.Clear();
            podCfg.PortMappings.Add(new PortMapping { ContainerPort = 8080, HostPort = hostPort, Protocol = Protocol.Tcp });
            string pod = (await rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = podCfg })).PodSandboxId;
            Assert.Contains($"--dport {hostPort}", NatRules());
            string server = rt.CreateContainer(new CreateContainerRequest
            {
                PodSandboxId = pod, SandboxConfig = podCfg,
                Config = Cri.Container("server", fx.BusyboxRef, new[] { "busybox", "httpd", "-f", "-p", "8080", "-h", "/etc" }, logPath: "server.log"),
            }).ContainerId;
            await rt.StartContainerAsync(new StartContainerRequest { ContainerId = server });
            string got = "";
            var deadline = DateTime.UtcNow.AddSeconds(60);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            while (DateTime.UtcNow < deadline)
            {
                try { got = await http.GetStringAsync($"http://127.0.0.1:{hostPort}/hello.txt"); break; }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { await Task.Delay(300); }
            }
            Assert.Equal("hello from layer 2\n", got);

            await rt.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = pod });
            Assert.DoesNotContain($"--dport {hostPort}", NatRules());
            await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = pod });
        }
        finally
        {
            System.Diagnostics.Process.Start("ip", $"link delete {bridge}")?.WaitForExit(5000);
        }
    }
}
