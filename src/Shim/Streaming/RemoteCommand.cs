using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Sandbox.Shim.Runtime;

namespace Sandbox.Shim.Streaming;

/// <summary>
/// Kubernetes' remotecommand protocol (what `kubectl exec` and crictl speak, via the kubelet):
/// an HTTP/1.1 upgrade to SPDY/3.1 with an `X-Stream-Protocol-Version` of
/// v4/v3/v2.channel.k8s.io, then one SPDY stream per channel, named by its `streamType`
/// header: error, stdin, stdout, stderr, resize; or a WebSocket (v5/v4.channel.k8s.io and
/// older), one channel per message's first byte (see <see cref="WebSocketChannels"/>). The
/// exit status goes on the error stream (v4 and v5: a metav1.Status JSON).
/// </summary>
internal static class RemoteCommand
{
    public static readonly string[] Protocols = { "v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io" };
    private static readonly TimeSpan StreamCreationTimeout = TimeSpan.FromSeconds(30);

    public static async Task ServeExecAsync(HttpContext ctx, CriRuntime runtime, StreamingRequests.Pending p)
    {
        var exec = p.Exec!;
        var session = await UpgradeAsync(ctx, exec.Stdin, exec.Stdout, exec.Stderr, exec.Tty);
        if (session == null) return;
        var (conn, protocol, streams, reader) = session.Value;
        await using (conn)
        {
            ExecProcess process;
            try { process = await runtime.StartExecAsync(p.ContainerId, exec.Cmd, exec.Tty, CancellationToken.None); }
            catch (Grpc.Core.RpcException e)
            {
                await FinishAsync(streams, protocol, null, e.Status.Detail);
                return;
            }
            using (process)
            {
                var stdoutStream = streams.GetValueOrDefault("stdout");
                var errTarget = exec.Tty ? stdoutStream : streams.GetValueOrDefault("stderr");
                var outPump = Pump(process.Stdout, stdoutStream);
                var errPump = Pump(process.Stderr, errTarget);
                _ = streams.TryGetValue("stdin", out var stdin) ? CopyIn(stdin.Incoming.Reader, process) : process.CloseStdinAsync();
                if (streams.TryGetValue("resize", out var resize)) _ = ResizeEvents.ApplyAsync(resize.Incoming.Reader, process.ResizeAsync);
                // The client going away (its connection ends) ends the command.
                var exited = process.WaitAsync(CancellationToken.None);
                if (await Task.WhenAny(exited, reader) != exited)
                {
                    process.Kill();
                    await exited;
                }
                await Task.WhenAll(outPump, errPump);
                await FinishAsync(streams, protocol, await exited, null);
            }
        }
    }

    /// <summary>
    /// Attaches to a running container's output (and stdin, when the container keeps it open)
    /// until the container exits or the client goes away.
    /// </summary>
    public static async Task ServeAttachAsync(HttpContext ctx, CriRuntime runtime, StreamingRequests.Pending p)
    {
        var a = p.Attach!;
        var session = await UpgradeAsync(ctx, a.Stdin, a.Stdout, a.Stderr, a.Tty);
        if (session == null) return;
        var (conn, protocol, streams, reader) = session.Value;
        await using (conn)
        {
            var running = runtime.Running(p.ContainerId);
            if (running == null)
            {
                await FinishAsync(streams, protocol, null, $"container {p.ContainerId} is not running");
                return;
            }
            var outStream = streams.GetValueOrDefault("stdout");
            var errStream = a.Tty ? outStream : streams.GetValueOrDefault("stderr");
            // The monitor writes the container's output to its CRI log; Attach follows that file
            // (so it works the same after a server restart), in order, through one queue.
            var queue = System.Threading.Channels.Channel.CreateUnbounded<(IRemoteStream? To, ReadOnlyMemory<byte> Data)>();
            var tailer = new Logs.CriLogTailer(running.OutputLog, (stream, data) => queue.Writer.TryWrite((stream == "stdout" ? outStream : errStream, data)));
            var forward = Task.Run(async () =>
            {
                try
                {
                    await foreach (var (to, data) in queue.Reader.ReadAllAsync())
                        if (to != null) await to.WriteAsync(data);
                }
                catch (IOException) { }
            });
            if (streams.TryGetValue("stdin", out var stdin))
            {
                _ = Task.Run(async () =>
                {
                    var to = await running.OpenStdinAsync();
                    await (to != null ? CopyIn(stdin.Incoming.Reader, to) : Drain(stdin.Incoming.Reader));
                });
            }
            if (streams.TryGetValue("resize", out var resize)) _ = ResizeEvents.ApplyAsync(resize.Incoming.Reader, running.ResizeAsync);
            while (!running.Finished.IsCompleted && !reader.IsCompleted)
            {
                tailer.Poll();
                await Task.WhenAny(running.Finished, reader, Task.Delay(50));
            }
            tailer.Poll(); // what the container wrote last
            queue.Writer.TryComplete();
            await forward;
            await FinishAsync(streams, protocol, null, null);
        }
    }

    /// <summary>Answers the upgrade (SPDY/3.1 or WebSocket), then waits for the client to open
    /// the streams the request implies.</summary>
    internal static async Task<(IAsyncDisposable Conn, string Protocol, Dictionary<string, IRemoteStream> Streams, Task Reader)?> UpgradeAsync(
        HttpContext ctx, bool stdin, bool stdout, bool stderr, bool tty)
    {
        if (ctx.WebSockets.IsWebSocketRequest) return await WebSocketChannels.AcceptAsync(ctx, stdin, stdout, stderr, tty);
        var upgrade = ctx.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is not { IsUpgradableRequest: true } || !ctx.Request.Headers.Upgrade.ToString().Contains("SPDY/3.1", StringComparison.OrdinalIgnoreCase))
        {
            ctx.Response.StatusCode = 400;
            await ctx.Response.WriteAsync("expected an upgrade to SPDY/3.1 or a WebSocket\n");
            return null;
        }
        var offered = ctx.Request.Headers["X-Stream-Protocol-Version"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToHashSet();
        string? protocol = Protocols.FirstOrDefault(offered.Contains);
        if (protocol == null)
        {
            ctx.Response.StatusCode = 403;
            await ctx.Response.WriteAsync($"no common stream protocol: client offers [{string.Join(", ", offered)}], server supports [{string.Join(", ", Protocols)}]\n");
            return null;
        }
        ctx.Response.Headers.Upgrade = "SPDY/3.1";
        ctx.Response.Headers["X-Stream-Protocol-Version"] = protocol;
        var io = await upgrade.UpgradeAsync();
        var conn = new SpdyConnection(io);
        var cts = new CancellationTokenSource();
        var reader = conn.RunAsync(cts.Token);

        int expected = 1 + (stdin ? 1 : 0) + (stdout ? 1 : 0) + (stderr && !tty ? 1 : 0) + (tty && protocol != "v2.channel.k8s.io" ? 1 : 0);
        var streams = new Dictionary<string, IRemoteStream>();
        using var timeout = new CancellationTokenSource(StreamCreationTimeout);
        try
        {
            while (streams.Count < expected)
            {
                var s = await conn.Accepted.ReadAsync(timeout.Token);
                streams[s.Type] = s;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or System.Threading.Channels.ChannelClosedException)
        {
            await conn.DisposeAsync();
            return null;
        }
        return (conn, protocol, streams, reader);
    }

    /// <summary>Closes the output streams, reports the exit status on the error stream, says goodbye.</summary>
    internal static async Task FinishAsync(Dictionary<string, IRemoteStream> streams, string protocol, int? exitCode, string? error)
    {
        foreach (var t in new[] { "stdout", "stderr" })
            if (streams.TryGetValue(t, out var s)) await s.CloseAsync();
        if (streams.TryGetValue("error", out var es))
        {
            string? message = protocol is "v4.channel.k8s.io" or "v5.channel.k8s.io" ? StatusJson(exitCode, error)
                : error ?? (exitCode is > 0 ? $"command terminated with non-zero exit code: exit status {exitCode}" : null);
            if (message != null) await es.WriteAsync(Encoding.UTF8.GetBytes(message));
            await es.CloseAsync();
        }
    }

    /// <summary>metav1.Status as the kubelet writes it (v4.channel.k8s.io).</summary>
    internal static string StatusJson(int? exitCode, string? error)
    {
        if (error != null)
            return $$"""{"metadata":{},"status":"Failure","message":{{Quote(error)}},"reason":"InternalError","code":500}""";
        if (exitCode is null or 0) return """{"metadata":{},"status":"Success"}""";
        return "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with non-zero exit code: exit status " + exitCode
            + "\",\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"" + exitCode + "\"}]}}";
    }

    private static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s, StreamingJsonContext.Default.String);

    private static async Task Pump(Stream from, IRemoteStream? to)
    {
        var buf = new byte[32 * 1024];
        int n;
        try
        {
            while ((n = await from.ReadAsync(buf)) > 0)
                if (to != null) await to.WriteAsync(buf.AsMemory(0, n));
        }
        catch (IOException) { }
    }

    private static async Task CopyIn(PipeReader from, Stream to)
    {
        try
        {
            while (true)
            {
                var r = await from.ReadAsync();
                foreach (var seg in r.Buffer) await to.WriteAsync(seg);
                await to.FlushAsync();
                from.AdvanceTo(r.Buffer.End);
                if (r.IsCompleted) break;
            }
        }
        catch (IOException) { }
        finally { try { to.Close(); } catch (IOException) { } }
    }

    /// <summary>A client's stream into a process's stdin, closed at the end (exec, attach, port-forward relays).</summary>
    internal static async Task CopyIn(PipeReader from, ExecProcess to)
    {
        try
        {
            while (true)
            {
                var r = await from.ReadAsync();
                foreach (var seg in r.Buffer) await to.WriteStdinAsync(seg);
                from.AdvanceTo(r.Buffer.End);
                if (r.IsCompleted) break;
            }
        }
        catch (IOException) { }
        await to.CloseStdinAsync();
    }

    internal static async Task Drain(PipeReader r)
    {
        while (true)
        {
            var x = await r.ReadAsync();
            r.AdvanceTo(x.Buffer.End);
            if (x.IsCompleted) return;
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class StreamingJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
