using System.Net.WebSockets;
using System.Text;

namespace Sandbox.Shim.Tests.Support;

/// <summary>
/// The client side of remotecommand over a WebSocket (v5.channel.k8s.io by default): sends the
/// given messages, each after its delay, as [channel] + data (channel 255 with one byte is
/// v5's half-close), and collects what each channel receives until the server closes.
/// </summary>
public static class WebSocketTestClient
{
    public sealed record Result(string? Protocol, Dictionary<int, string> Output, int EmptyMessages);

    public static async Task<Result> RunAsync(string url, (int DelayMs, byte Channel, byte[] Data)[] send, string protocol = "v5.channel.k8s.io", int timeoutMs = 60_000)
    {
        using var ws = new ClientWebSocket();
        ws.Options.AddSubProtocol(protocol);
        using var cts = new CancellationTokenSource(timeoutMs);
        await ws.ConnectAsync(new Uri(url.Replace("http://", "ws://")), cts.Token);
        var sender = Task.Run(async () =>
        {
            foreach (var (delay, ch, data) in send)
            {
                if (delay > 0) await Task.Delay(delay, cts.Token);
                await ws.SendAsync((byte[])[ch, .. data], WebSocketMessageType.Binary, true, cts.Token);
            }
        });
        var output = new Dictionary<int, string>();
        int empty = 0;
        var buf = new byte[64 * 1024];
        var msg = new MemoryStream();
        try
        {
            while (true)
            {
                msg.SetLength(0);
                WebSocketReceiveResult r;
                do
                {
                    r = await ws.ReceiveAsync(buf, cts.Token);
                    msg.Write(buf, 0, r.Count);
                } while (!r.EndOfMessage && r.MessageType != WebSocketMessageType.Close);
                if (r.MessageType == WebSocketMessageType.Close) break;
                var m = msg.ToArray();
                if (m.Length == 1) { empty++; continue; }
                output[m[0]] = output.GetValueOrDefault(m[0], "") + Encoding.UTF8.GetString(m, 1, m.Length - 1);
            }
            await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }
        catch (WebSocketException) { }
        return new Result(ws.SubProtocol, output, empty);
    }

    public static (int, byte, byte[]) Stdin(string s, int delayMs = 0) => (delayMs, 0, Encoding.UTF8.GetBytes(s));
    public static (int, byte, byte[]) CloseStdin(int delayMs = 0) => (delayMs, 255, [0]);
    public static (int, byte, byte[]) Resize(int cols, int rows) => (0, 4, Encoding.UTF8.GetBytes($$"""{"Width":{{cols}},"Height":{{rows}}}"""));
}
