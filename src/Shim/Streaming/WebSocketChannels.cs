using System.IO.Pipelines;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;

namespace Sandbox.Shim.Streaming;

/// <summary>
/// The remotecommand protocol over a WebSocket, as the kubelet serves it: every binary message
/// is one channel's data, prefixed by the channel's number (0 stdin, 1 stdout, 2 stderr,
/// 3 error, 4 resize). With v5.channel.k8s.io the client half-closes a channel by sending
/// [255, channel] (how stdin reaches EOF); older versions cannot. Once the socket is open the
/// server sends an empty message on the first channel it writes, as the kubelet does.
/// </summary>
internal sealed class WebSocketChannels : IAsyncDisposable
{
    public static readonly string[] Protocols = { "v5.channel.k8s.io", "v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io" };
    private const byte StreamClose = 255;
    private const int Stdin = 0, Stdout = 1, Stderr = 2, Error = 3, Resize = 4;

    private readonly WebSocket _ws;
    private readonly bool _halfClose;
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly Channel[] _channels;
    private readonly bool[] _reads = new bool[5];
    private Task _reader = Task.CompletedTask;

    private WebSocketChannels(WebSocket ws, string protocol)
    {
        _ws = ws;
        _halfClose = protocol == "v5.channel.k8s.io";
        _channels = Enumerable.Range(0, 5).Select(i => new Channel(this, (byte)i)).ToArray();
    }

    public static async Task<(IAsyncDisposable Conn, string Protocol, Dictionary<string, IRemoteStream> Streams, Task Reader)?> AcceptAsync(
        HttpContext ctx, bool stdin, bool stdout, bool stderr, bool tty)
    {
        var requested = ctx.WebSockets.WebSocketRequestedProtocols;
        string? protocol = Protocols.FirstOrDefault(requested.Contains);
        if (protocol == null && requested.Count > 0)
        {
            ctx.Response.StatusCode = 403;
            await ctx.Response.WriteAsync($"no common WebSocket protocol: client offers [{string.Join(", ", requested)}], server supports [{string.Join(", ", Protocols)}]\n");
            return null;
        }
        var ws = await ctx.WebSockets.AcceptWebSocketAsync(protocol);
        var conn = new WebSocketChannels(ws, protocol ?? "channel.k8s.io"); // no subprotocol: the original channel protocol
        var streams = new Dictionary<string, IRemoteStream> { ["error"] = conn._channels[Error] };
        if (stdin) { streams["stdin"] = conn._channels[Stdin]; conn._reads[Stdin] = true; }
        if (stdout) streams["stdout"] = conn._channels[Stdout];
        if (stderr && !tty) streams["stderr"] = conn._channels[Stderr];
        if (tty) { streams["resize"] = conn._channels[Resize]; conn._reads[Resize] = true; }
        conn._reader = conn.ReadLoopAsync();
        await conn.SendAsync(stdout ? Stdout : stderr && !tty ? Stderr : Error, ReadOnlyMemory<byte>.Empty);
        return (conn, protocol ?? "channel.k8s.io", streams, conn._reader);
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            await ReadMessagesAsync(_ws, async data =>
            {
                int ch = data.Span[0];
                if (_halfClose && ch == StreamClose)
                {
                    if (data.Length == 2 && data.Span[1] < _channels.Length) await _channels[data.Span[1]].Incoming.Writer.CompleteAsync().ConfigureAwait(false);
                    return;
                }
                if (ch >= _channels.Length || !_reads[ch]) return; // a channel the server does not read
                await _channels[ch].Incoming.Writer.WriteAsync(data[1..]).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
        finally
        {
            foreach (var c in _channels) await c.Incoming.Writer.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Reads whole messages until the peer closes or the socket fails; each non-empty
    /// one goes to <paramref name="onMessage"/> (valid until it returns).</summary>
    internal static async Task ReadMessagesAsync(WebSocket ws, Func<ReadOnlyMemory<byte>, Task> onMessage)
    {
        var buf = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (ws.State == WebSocketState.Open)
            {
                message.SetLength(0);
                WebSocketReceiveResult r;
                do
                {
                    r = await ws.ReceiveAsync(buf, CancellationToken.None).ConfigureAwait(false);
                    if (r.MessageType == WebSocketMessageType.Close) return;
                    message.Write(buf, 0, r.Count);
                } while (!r.EndOfMessage);
                if (message.Length > 0) await onMessage(message.GetBuffer().AsMemory(0, (int)message.Length)).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException) { }
    }

    private async Task SendAsync(int channel, ReadOnlyMemory<byte> data)
    {
        var frame = new byte[data.Length + 1];
        frame[0] = (byte)channel;
        data.CopyTo(frame.AsMemory(1));
        await _send.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_ws.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await _ws.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (WebSocketException e) { throw new IOException(e.Message, e); }
        finally { _send.Release(); }
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync(_ws, _send, _reader).ConfigureAwait(false);
        _ws.Dispose();
    }

    /// <summary>Closes the socket (normal closure) once no message is being sent (the send lock
    /// is kept: nothing goes out after it) and waits a little for the reader to see the client's answer.</summary>
    internal static async Task CloseAsync(WebSocket ws, SemaphoreSlim send, Task reader)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await send.WaitAsync(cts.Token).ConfigureAwait(false);
            if (ws.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token).ConfigureAwait(false);
            await reader.WaitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException) { }
    }

    private sealed class Channel(WebSocketChannels conn, byte num) : IRemoteStream
    {
        public Pipe Incoming { get; } = new();
        public Task WriteAsync(ReadOnlyMemory<byte> data) => data.Length == 0 ? Task.CompletedTask : conn.SendAsync(num, data);
        public Task CloseAsync() => Task.CompletedTask; // no server-side half-close in the protocol
    }
}
