using Runtime.V1;
using Sandbox.Shim.Tests.Support;

namespace Sandbox.Shim.Tests;

/// <summary>
/// PortForward into Sentry pods: the streaming server asks the pod's Sentry for a connection
/// made in the pod's own stack (its `portforward` request); a host-network pod's port is the
/// host's, reached directly.
/// </summary>
[Collection("registry")]
public class SentryPortForwardTests(RegistryFixture fx)
{
    /// <summary>GET /hello.txt through a port-forward URL, asking again while the server is still starting.</summary>
    private static async Task<SpdyTestClient.Result> GetAsync(RuntimeService.RuntimeServiceClient rt, string pod, int port)
    {
        SpdyTestClient.Result r = null!;
        for (int i = 0; i < 100; i++)
        {
            string url = (await rt.PortForwardAsync(new PortForwardRequest { PodSandboxId = pod, Port = { port } })).Url;
            r = await SpdyTestClient.RunAsync(url, ["error", "data"],
                stdin: "GET /hello.txt HTTP/1.0\r\n\r\n", protocols: ["portforward.k8s.io"], inputStream: "data",
                extraHeaders: new() { ["port"] = port.ToString(), ["requestid"] = "0" }, stdinDelayMs: 1,
                closeWhen: o => o["data"].Contains("hello from layer 2") || o["error"].Length > 0);
            if (r.Output["error"].Length == 0) break;
            await Task.Delay(100);
        }
        return r;
    }

    /// <summary>A WebSocket port forward: sends <paramref name="request"/> on the first port's data
    /// channel and collects every channel's bytes until the server closes the socket.</summary>
    private static async Task<Dictionary<int, byte[]>> WebSocketForwardAsync(string url, string protocol, string request)
    {
        using var ws = new System.Net.WebSockets.ClientWebSocket();
        ws.Options.AddSubProtocol(protocol);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await ws.ConnectAsync(new Uri(url.Replace("http://", "ws://")), cts.Token);
        Assert.Equal(protocol, ws.SubProtocol);
        bool base64 = protocol.Contains("base64");
        byte[] req = System.Text.Encoding.ASCII.GetBytes(request);
        byte[] frame = base64 ? System.Text.Encoding.ASCII.GetBytes("0" + Convert.ToBase64String(req)) : [0, .. req];
        await ws.SendAsync(frame, base64 ? System.Net.WebSockets.WebSocketMessageType.Text : System.Net.WebSockets.WebSocketMessageType.Binary, true, cts.Token);
        var got = new Dictionary<int, List<byte>>();
        var buf = new byte[65536];
        var msg = new List<byte>();
        while (true)
        {
            var r = await ws.ReceiveAsync(buf, cts.Token);
            if (r.MessageType == System.Net.WebSockets.WebSocketMessageType.Close) break;
            msg.AddRange(buf.AsSpan(0, r.Count).ToArray());
            if (!r.EndOfMessage) continue;
            int ch = base64 ? msg[0] - '0' : msg[0];
            byte[] data = base64 ? Convert.FromBase64String(System.Text.Encoding.ASCII.GetString(msg.Skip(1).ToArray())) : msg.Skip(1).ToArray();
            if (!got.TryGetValue(ch, out var list)) got[ch] = list = new();
            list.AddRange(data);
            msg.Clear();
        }
        return got.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
    }

    [SkippableFact]
    public async Task PortForward_reaches_a_server_in_the_pods_own_stack_and_reports_a_closed_port()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        await using var h = await CriHarness.StartAsync(fx.Registry.Host);
        var rt = h.Client.Runtime;
        await h.Client.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = fx.BusyboxRef } });
        var podCfg = Cri.Pod("portfwd", Path.Combine(h.Root, "logs"));
        podCfg.PortMappings.Clear();
        string pod = (await rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = podCfg })).PodSandboxId;
        // Only the pod's loopback (no CNI here): nothing on the host could reach this server but port forwarding.
        string web = rt.CreateContainer(new CreateContainerRequest
        {
            PodSandboxId = pod, SandboxConfig = podCfg,
            Config = Cri.Container("web", fx.BusyboxRef, ["busybox", "httpd", "-f", "-p", "127.0.0.1:8080", "-h", "/etc"], logPath: "web.log"),
        }).ContainerId;
        await rt.StartContainerAsync(new StartContainerRequest { ContainerId = web });

        var r = await GetAsync(rt, pod, 8080);
        Assert.Equal(101, r.Status);
        Assert.Equal("", r.Output["error"]);
        Assert.StartsWith("HTTP/1.", r.Output["data"]);
        Assert.EndsWith("\r\n\r\nhello from layer 2\n", r.Output["data"]);

        // The same over a WebSocket (v4.channel.k8s.io): ports 8080 and 9 on one socket, channels 0-1 and 2-3.
        var ws = await WebSocketForwardAsync((await rt.PortForwardAsync(new PortForwardRequest { PodSandboxId = pod, Port = { 8080 } })).Url + "?port=8080&port=9",
            "v4.channel.k8s.io", "GET /hello.txt HTTP/1.0\r\n\r\n");
        Assert.Equal([0x90, 0x1f], ws[0][..2]);
        Assert.Equal([0x90, 0x1f], ws[1]);
        Assert.Equal([9, 0], ws[2][..2]);
        Assert.EndsWith("\r\n\r\nhello from layer 2\n", System.Text.Encoding.UTF8.GetString(ws[0][2..]));
        Assert.Contains("refused", System.Text.Encoding.UTF8.GetString(ws[3][2..]));
        var b64 = await WebSocketForwardAsync((await rt.PortForwardAsync(new PortForwardRequest { PodSandboxId = pod, Port = { 8080 } })).Url,
            "v4.base64.channel.k8s.io", "GET /hello.txt HTTP/1.0\r\n\r\n");
        Assert.EndsWith("hello from layer 2\n", System.Text.Encoding.UTF8.GetString(b64[0][2..]));

        string closed = (await rt.PortForwardAsync(new PortForwardRequest { PodSandboxId = pod, Port = { 9 } })).Url;
        var c = await SpdyTestClient.RunAsync(closed, ["error", "data"], protocols: ["portforward.k8s.io"], inputStream: "data",
            extraHeaders: new() { ["port"] = "9", ["requestid"] = "1" }, closeWhen: o => o["error"].Length > 0);
        Assert.Contains("port 9", c.Output["error"]);
        Assert.Contains("refused", c.Output["error"]);

        await rt.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = pod });
        Assert.Equal(Grpc.Core.StatusCode.FailedPrecondition,
            await Cri.CodeOf(() => rt.PortForwardAsync(new PortForwardRequest { PodSandboxId = pod, Port = { 8080 } }).ResponseAsync));
        await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = pod });
    }

    [SkippableFact]
    public async Task PortForward_into_a_host_network_pod_reaches_the_hosts_port()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        Skip.If(Environment.UserName != "root", "a host-network Sentry pod needs root");
        await using var h = await CriHarness.StartAsync(fx.Registry.Host);
        var rt = h.Client.Runtime;
        await h.Client.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = fx.BusyboxRef } });
        var podCfg = Cri.Pod("portfwd-host", Path.Combine(h.Root, "logs"));
        podCfg.PortMappings.Clear();
        podCfg.Linux = new LinuxPodSandboxConfig { SecurityContext = new LinuxSandboxSecurityContext { NamespaceOptions = new NamespaceOption { Network = NamespaceMode.Node } } };
        string pod = (await rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = podCfg })).PodSandboxId;
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        string web = rt.CreateContainer(new CreateContainerRequest
        {
            PodSandboxId = pod, SandboxConfig = podCfg,
            Config = Cri.Container("web", fx.BusyboxRef, ["busybox", "httpd", "-f", "-p", $"127.0.0.1:{port}", "-h", "/etc"], logPath: "web.log"),
        }).ContainerId;
        await rt.StartContainerAsync(new StartContainerRequest { ContainerId = web });

        var r = await GetAsync(rt, pod, port);
        Assert.Equal(101, r.Status);
        Assert.Equal("", r.Output["error"]);
        Assert.EndsWith("\r\n\r\nhello from layer 2\n", r.Output["data"]);
        await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = pod });
    }

    private static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>
    /// Without a CNI network a Sentry pod has only its own loopback: the server listens on the
    /// mapping's host port itself and relays each connection through the pod's Sentry; stopping
    /// the pod closes the port.
    /// </summary>
    [SkippableFact]
    public async Task A_host_port_of_a_pod_without_a_network_is_served_by_the_server()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        await using var h = await CriHarness.StartAsync(fx.Registry.Host);
        var rt = h.Client.Runtime;
        await h.Client.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = fx.BusyboxRef } });
        int hostPort = FreePort();
        var podCfg = Cri.Pod("hostport", Path.Combine(h.Root, "logs"));
        podCfg.PortMappings.Clear();
        podCfg.PortMappings.Add(new PortMapping { ContainerPort = 8080, HostPort = hostPort, HostIp = "127.0.0.1" });
        string pod = (await rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = podCfg })).PodSandboxId;
        string web = rt.CreateContainer(new CreateContainerRequest
        {
            PodSandboxId = pod, SandboxConfig = podCfg,
            Config = Cri.Container("web", fx.BusyboxRef, ["busybox", "httpd", "-f", "-p", "8080", "-h", "/etc"], logPath: "web.log"),
        }).ContainerId;
        await rt.StartContainerAsync(new StartContainerRequest { ContainerId = web });

        string got = "";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try { got = await http.GetStringAsync($"http://127.0.0.1:{hostPort}/hello.txt"); break; }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { await Task.Delay(200); }
        }
        Assert.Equal("hello from layer 2\n", got);

        await rt.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = pod });
        using var after = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        var refused = Assert.Throws<System.Net.Sockets.SocketException>(() => after.Connect(System.Net.IPAddress.Loopback, hostPort));
        Assert.Equal(System.Net.Sockets.SocketError.ConnectionRefused, refused.SocketErrorCode);
        await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = pod });
    }
}
