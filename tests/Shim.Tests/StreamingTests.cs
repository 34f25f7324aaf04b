using Grpc.Core;
using Runtime.V1;
using Sandbox.Shim.Streaming;
using Sandbox.Shim.Tests.Support;

namespace Sandbox.Shim.Tests;

/// <summary>Exec and Attach through the streaming server (SPDY/3.1, remotecommand v4).</summary>
[Collection("registry")]
public class StreamingTests(RegistryFixture fx)
{
    [Fact]
    public void Spdy_header_blocks_round_trip_across_frames()
    {
        var enc = new SpdyHeaderEncoder();
        var dec = new SpdyHeaderDecoder();
        for (int i = 0; i < 3; i++)
        {
            var h = dec.Decode(enc.Encode(new Dictionary<string, string> { ["streamtype"] = "stdout" + i, ["x-a"] = new string('a', 100 * i) }));
            Assert.Equal("stdout" + i, h["streamtype"]);
            Assert.Equal(100 * i, h["x-a"].Length);
        }
    }

    [Fact]
    public void Exit_status_json_is_what_client_go_decodes()
    {
        Assert.Equal("""{"metadata":{},"status":"Success"}""", RemoteCommand.StatusJson(0, null));
        var failure = System.Text.Json.JsonDocument.Parse(RemoteCommand.StatusJson(7, null)).RootElement;
        Assert.Equal("NonZeroExitCode", failure.GetProperty("reason").GetString());
        var cause = failure.GetProperty("details").GetProperty("causes")[0];
        Assert.Equal(("ExitCode", "7"), (cause.GetProperty("reason").GetString(), cause.GetProperty("message").GetString()));
    }

    [Fact]
    public void Resize_events_are_read_from_concatenated_json_objects()
    {
        var buf = new List<byte>(System.Text.Encoding.UTF8.GetBytes("""{"Width":80,"Height":24}{"Width":100,"Height":30}{"bogus":1}{"Width":12"""));
        Assert.Equal(new[] { (24, 80), (30, 100) }, ResizeEvents.Take(buf));
        buf.AddRange(System.Text.Encoding.UTF8.GetBytes(""","Height":5}"""));
        Assert.Equal(new[] { (5, 12) }, ResizeEvents.Take(buf));
        Assert.Empty(buf);
    }

    private async Task<(CriHarness H, string Pod, PodSandboxConfig PodCfg)> PodAsync()
    {
        var h = await CriHarness.StartAsync(fx.Registry.Host);
        await h.Client.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = fx.BusyboxRef } });
        var cfg = Cri.Pod("stream", Path.Combine(h.Root, "logs"));
        string pod = (await h.Client.Runtime.RunPodSandboxAsync(new RunPodSandboxRequest { Config = cfg })).PodSandboxId;
        return (h, pod, cfg);
    }

    [SkippableFact]
    public async Task Exec_streams_stdin_stdout_stderr_and_the_exit_code()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        var (h, pod, podCfg) = await PodAsync();
        await using var _ = h;
        var rt = h.Client.Runtime;
        string id = (await rt.CreateContainerAsync(new CreateContainerRequest { PodSandboxId = pod, SandboxConfig = podCfg, Config = Cri.Container("c", fx.BusyboxRef, new[] { "sleep", "60" }) })).ContainerId;
        Assert.Equal(StatusCode.FailedPrecondition, await Cri.CodeOf(() => rt.ExecAsync(new ExecRequest { ContainerId = id, Cmd = { "true" }, Stdout = true }).ResponseAsync));
        await rt.StartContainerAsync(new StartContainerRequest { ContainerId = id });
        Assert.Equal(StatusCode.InvalidArgument, await Cri.CodeOf(() => rt.ExecAsync(new ExecRequest { ContainerId = id, Cmd = { "true" } }).ResponseAsync));
        Assert.Equal(StatusCode.InvalidArgument, await Cri.CodeOf(() => rt.ExecAsync(new ExecRequest { ContainerId = id, Cmd = { "true" }, Tty = true, Stderr = true }).ResponseAsync));

        var url = (await rt.ExecAsync(new ExecRequest { ContainerId = id, Cmd = { "sh", "-c", "read x; echo got $x; echo err >&2; exit 3" }, Stdin = true, Stdout = true, Stderr = true })).Url;
        Assert.StartsWith(h.Server.StreamingUrl + "/exec/", url);
        var r = await SpdyTestClient.RunAsync(url, new[] { "error", "stdin", "stdout", "stderr" }, stdin: "hello\n");
        Assert.Equal(101, r.Status);
        Assert.Equal("got hello\n", r.Output["stdout"]);
        Assert.Equal("err\n", r.Output["stderr"]);
        Assert.Contains("\"reason\":\"NonZeroExitCode\"", r.Output["error"]);
        Assert.Contains("\"message\":\"3\"", r.Output["error"]);

        // The URL was for one use.
        Assert.Equal(404, (await SpdyTestClient.RunAsync(url, new[] { "error", "stdout" })).Status);

        var ok = (await rt.ExecAsync(new ExecRequest { ContainerId = id, Cmd = { "cat", "/etc/hello.txt" }, Stdout = true })).Url;
        var r2 = await SpdyTestClient.RunAsync(ok, new[] { "error", "stdout" });
        Assert.Equal("hello from layer 2\n", r2.Output["stdout"]);
        Assert.Equal("""{"metadata":{},"status":"Success"}""", r2.Output["error"]);
    }

    [SkippableFact]
    public async Task Exec_over_a_websocket_with_the_v5_channel_protocol()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        var (h, pod, podCfg) = await PodAsync();
        await using var _ = h;
        var rt = h.Client.Runtime;
        string id = (await rt.CreateContainerAsync(new CreateContainerRequest { PodSandboxId = pod, SandboxConfig = podCfg, Config = Cri.Container("c", fx.BusyboxRef, new[] { "sleep", "60" }) })).ContainerId;
        await rt.StartContainerAsync(new StartContainerRequest { ContainerId = id });
        var url = (await rt.ExecAsync(new ExecRequest { ContainerId = id, Cmd = { "sh", "-c", "cat; echo err >&2; exit 3" }, Stdin = true, Stdout = true, Stderr = true })).Url;
        // v5 half-closes stdin: cat sees its end.
        var r = await WebSocketTestClient.RunAsync(url, [WebSocketTestClient.Stdin("hello\n"), WebSocketTestClient.CloseStdin()]);
        Assert.Equal("v5.channel.k8s.io", r.Protocol);
        Assert.Equal(1, r.EmptyMessages); // the kubelet's "connection is up" message on stdout
        Assert.Equal(("hello\n", "err\n"), (r.Output[1], r.Output[2]));
        Assert.Contains("\"message\":\"3\"", r.Output[3]);

        var ok = (await rt.ExecAsync(new ExecRequest { ContainerId = id, Cmd = { "cat", "/etc/hello.txt" }, Stdout = true })).Url;
        var r2 = await WebSocketTestClient.RunAsync(ok, [], protocol: "v4.channel.k8s.io");
        Assert.Equal(("v4.channel.k8s.io", "hello from layer 2\n"), (r2.Protocol, r2.Output[1]));
        Assert.Equal("""{"metadata":{},"status":"Success"}""", r2.Output[3]);
    }

    [SkippableFact]
    public async Task Attach_sends_stdin_to_the_container_and_streams_its_output()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        var (h, pod, podCfg) = await PodAsync();
        await using var _ = h;
        var rt = h.Client.Runtime;
        var cfg = Cri.Container("attached", fx.BusyboxRef, new[] { "sh", "-c", "read x; echo attached $x; echo to-stderr >&2" }, logPath: "attached.log");
        cfg.Stdin = true;
        cfg.StdinOnce = true;
        string id = (await rt.CreateContainerAsync(new CreateContainerRequest { PodSandboxId = pod, SandboxConfig = podCfg, Config = cfg })).ContainerId;
        await rt.StartContainerAsync(new StartContainerRequest { ContainerId = id });
        var url = (await rt.AttachAsync(new AttachRequest { ContainerId = id, Stdin = true, Stdout = true, Stderr = true })).Url;
        var r = await SpdyTestClient.RunAsync(url, new[] { "error", "stdin", "stdout", "stderr" }, stdin: "there\n");
        Assert.Equal("attached there\n", r.Output["stdout"]);
        Assert.Equal("to-stderr\n", r.Output["stderr"]);
        var st = await Cri.WaitExitedAsync(rt, id);
        Assert.Equal(0, st.ExitCode);
        Assert.Contains("stdout F attached there", File.ReadAllText(st.LogPath));
    }

    /// <summary>As critest does it: attach right after start, keep stdin open, type a command later.</summary>
    [SkippableFact]
    public async Task Attach_to_an_interactive_shell_with_stdin_kept_open()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        var (h, pod, podCfg) = await PodAsync();
        await using var _ = h;
        var rt = h.Client.Runtime;
        var cfg = Cri.Container("shell", fx.BusyboxRef, new[] { "sh" });
        cfg.Stdin = true;
        cfg.StdinOnce = true;
        string id = (await rt.CreateContainerAsync(new CreateContainerRequest { PodSandboxId = pod, SandboxConfig = podCfg, Config = cfg })).ContainerId;
        await rt.StartContainerAsync(new StartContainerRequest { ContainerId = id });
        var url = (await rt.AttachAsync(new AttachRequest { ContainerId = id, Stdin = true, Stdout = true, Stderr = true })).Url;
        // `echo -n`: output without a newline still reaches the client (critest checks exactly this).
        var r = await SpdyTestClient.RunAsync(url, new[] { "error", "stdin", "stdout", "stderr" }, stdin: "echo -n hello\n", timeoutMs: 30_000,
            stdinDelayMs: 1500, closeWhen: o => o["stdout"].Contains("hello"));
        Assert.Equal("hello", r.Output["stdout"]);
    }
}
