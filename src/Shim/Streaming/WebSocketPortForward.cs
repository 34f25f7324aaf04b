using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using Sandbox.Shim.Runtime;

namespace Sandbox.Shim.Streaming;

/// <summary>
/// Port forwarding over a WebSocket, as the kubelet's streaming server serves it: one
/// connection per port of the request (the `port` query parameters, each possibly a comma
/// list, or else the PortForwardRequest's), made when the socket opens; port i has channel 2i
/// for its data (both ways) and 2i+1 for its errors (server to client). Each channel starts
/// with the port as a little-endian u16. Every binary message is one channel's data prefixed
/// by the channel's number; with v4.base64.channel.k8s.io messages are text, the channel an
/// ASCII digit and the data base64. The socket closes once every connection has ended.
/// </summary>
internal static class WebSocketPortForward
{
    public static readonly string[] Protocols = { "v4.channel.k8s.io", "v4.base64.channel.k8s.io" };

    public static async Task ServeAsync(HttpContext ctx, CriRuntime runtime, string podId, IReadOnlyList<int> requestPorts)
    {
        var ports = new List<int>();
        foreach (var v in ctx.Request.Query["port"])
            foreach (var p in (v ?? "").Split(','))
            {
                if (!int.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
                {
                    ctx.Response.StatusCode = 400;
                    await ctx.Response.WriteAsync($"unable to parse '{p}' as a port\n");
                    return;
                }
                ports.Add(port);
            }
        if (ports.Count == 0) ports.AddRange(requestPorts);
        if (ports.Count == 0 || ports.Count > 64)
        {
            ctx.Response.StatusCode = 400;
            await ctx.Response.WriteAsync(ports.Count == 0 ? "query parameter 'port' is required\n" : "at most 64 ports per connection\n");
            return;
        }
        var requested = ctx.WebSockets.WebSocketRequestedProtocols;
        string? protocol = Protocols.FirstOrDefault(requested.Contains);
        if (protocol == null && requested.Count > 0)
        {
            ctx.Response.StatusCode = 403;
            await ctx.Response.WriteAsync($"no common WebSocket protocol: client offers [{string.Join(", ", requested)}], server supports [{string.Join(", ", Protocols)}]\n");
            return;
        }
        using var ws = await ctx.WebSockets.AcceptWebSocketAsync(protocol);
        var conn = new Connection(ws, base64: protocol == "v4.base64.channel.k8s.io", ports.Count * 2);
        var reader = conn.ReadLoopAsync();
        var relays = new List<Task>();
        for (int i = 0; i < ports.Count; i++)
        {
            var portBytes = new[] { (byte)ports[i], (byte)(ports[i] >> 8) };
            var data = conn.Channels[2 * i];
            var error = conn.Channels[2 * i + 1];
            try
            {
                await data.WriteAsync(portBytes);
                await error.WriteAsync(portBytes);
            }
            catch (IOException) { break; }
            relays.Add(PortForwarding.RelayAsync(runtime, podId, ports[i], error, data));
        }
        await Task.WhenAll(relays);
        await conn.CloseAsync(reader);
    }

    private sealed class Connection
    {
        private readonly WebSocket ws;
        private readonly bool base64;
        private readonly SemaphoreSlim _send = new(1, 1);
        public readonly Channel[] Channels;

        public Connection(WebSocket ws, bool base64, int channels)
        {
            this.ws = ws;
            this.base64 = base64;
            Channels = new Channel[channels];
            for (int i = 0; i < channels; i++) Channels[i] = new Channel(this, i);
        }

        public async Task ReadLoopAsync()
        {
            try
            {
                await WebSocketChannels.ReadMessagesAsync(ws, async frame =>
                {
                    int ch;
                    ReadOnlyMemory<byte> data;
                    if (base64)
                    {
                        ch = frame.Span[0] - '0';
                        try { data = Convert.FromBase64String(Encoding.ASCII.GetString(frame.Span[1..])); }
                        catch (FormatException) { return; }
                    }
                    else { ch = frame.Span[0]; data = frame[1..]; }
                    // Only the data channels (even numbers) are read; a frame for another is dropped.
                    if (ch < 0 || ch >= Channels.Length || ch % 2 != 0) return;
                    await Channels[ch].Incoming.Writer.WriteAsync(data).ConfigureAwait(false);
                }).ConfigureAwait(false);
            }
            finally
            {
                foreach (var c in Channels) await c.Incoming.Writer.CompleteAsync().ConfigureAwait(false);
            }
        }

        public async Task SendAsync(int channel, ReadOnlyMemory<byte> data)
        {
            byte[] frame;
            if (base64) frame = Encoding.ASCII.GetBytes((char)('0' + channel) + Convert.ToBase64String(data.Span));
            else
            {
                frame = new byte[data.Length + 1];
                frame[0] = (byte)channel;
                data.CopyTo(frame.AsMemory(1));
            }
            await _send.WaitAsync().ConfigureAwait(false);
            try
            {
                if (ws.State is WebSocketState.Open or WebSocketState.CloseReceived)
                    await ws.SendAsync(frame, base64 ? WebSocketMessageType.Text : WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
            }
            catch (WebSocketException e) { throw new IOException(e.Message, e); }
            finally { _send.Release(); }
        }

        public Task CloseAsync(Task reader) => WebSocketChannels.CloseAsync(ws, _send, reader);
    }

    private sealed class Channel(Connection conn, int num) : IRemoteStream
    {
        public Pipe Incoming { get; } = new();
        public Task WriteAsync(ReadOnlyMemory<byte> data) => data.Length == 0 ? Task.CompletedTask : conn.SendAsync(num, data);
        public Task CloseAsync() => Task.CompletedTask; // the protocol has no half-close of a channel
    }
}
