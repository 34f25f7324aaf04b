using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Sandbox.Shim.Streaming;

namespace Sandbox.Shim.Tests.Support;

/// <summary>
/// The client side of the remotecommand protocol, minimal: upgrades to SPDY/3.1 with
/// v4.channel.k8s.io, opens the named streams, sends stdin (and a terminal size on the resize
/// stream), collects what comes back per stream until the server closes the connection.
/// </summary>
public sealed class SpdyTestClient
{
    public sealed record Result(int Status, Dictionary<string, string> Output, string UpgradeResponse);

    public static async Task<Result> RunAsync(string url, string[] streams, string? stdin = null, int timeoutMs = 60_000,
        int stdinDelayMs = 0, Func<Dictionary<string, string>, bool>? closeWhen = null, string? resize = null,
        string[]? protocols = null, Dictionary<string, string>? extraHeaders = null, string inputStream = "stdin")
    {
        var uri = new Uri(url);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        using var ns = tcp.GetStream();
        using var cts = new CancellationTokenSource(timeoutMs);
        string req = $"POST {uri.PathAndQuery} HTTP/1.1\r\nHost: {uri.Authority}\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n" +
                     string.Concat((protocols ?? ["v4.channel.k8s.io", "v3.channel.k8s.io"]).Select(p => $"X-Stream-Protocol-Version: {p}\r\n")) + "Content-Length: 0\r\n\r\n";
        await ns.WriteAsync(Encoding.ASCII.GetBytes(req), cts.Token);
        // The response head, byte by byte up to the blank line.
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n"))
        {
            if (await ns.ReadAsync(one, cts.Token) == 0) break;
            head.Append((char)one[0]);
        }
        int status = int.Parse(head.ToString().Split(' ')[1]);
        var output = streams.ToDictionary(s => s, _ => "");
        if (status != 101) return new Result(status, output, head.ToString());

        var encoder = new SpdyHeaderEncoder();
        var decoder = new SpdyHeaderDecoder();
        var ids = new Dictionary<uint, string>();
        uint next = 1;
        foreach (var s in streams)
        {
            var headers = new Dictionary<string, string>(extraHeaders ?? new()) { ["streamtype"] = s };
            var block = encoder.Encode(headers);
            var payload = new byte[10 + block.Length];
            BinaryPrimitives.WriteUInt32BigEndian(payload, next);
            block.CopyTo(payload, 10);
            await WriteControl(ns, 1, s == inputStream ? (byte)0 : (byte)0x02, payload);
            ids[next] = s;
            if (s == "resize" && resize != null) await WriteData(ns, next, Encoding.UTF8.GetBytes(resize), fin: false);
            if (s == inputStream && stdin != null && stdinDelayMs == 0)
            {
                await WriteData(ns, next, Encoding.UTF8.GetBytes(stdin), fin: closeWhen == null);
            }
            else if (s == inputStream && stdin != null)
            {
                uint sid = next;
                _ = Task.Run(async () => { await Task.Delay(stdinDelayMs); await WriteData(ns, sid, Encoding.UTF8.GetBytes(stdin), fin: false); });
            }
            next += 2;
        }
        var h = new byte[8];
        try
        {
            while (true)
            {
                await ns.ReadExactlyAsync(h, cts.Token);
                int len = h[5] << 16 | h[6] << 8 | h[7];
                var p = new byte[len];
                await ns.ReadExactlyAsync(p, cts.Token);
                if ((h[0] & 0x80) != 0)
                {
                    ushort type = BinaryPrimitives.ReadUInt16BigEndian(h.AsSpan(2));
                    if (type == 2) decoder.Decode(p.AsSpan(4)); // SYN_REPLY
                    continue;
                }
                uint id = BinaryPrimitives.ReadUInt32BigEndian(h) & 0x7fffffff;
                if (ids.TryGetValue(id, out var name)) output[name] += Encoding.UTF8.GetString(p);
                if (closeWhen != null && closeWhen(output)) break; // as a client that got what it wanted and hangs up
            }
        }
        catch (EndOfStreamException) { }
        catch (IOException) { }
        return new Result(status, output, head.ToString());
    }

    private static async Task WriteControl(Stream s, ushort type, byte flags, byte[] payload)
    {
        var h = new byte[8];
        BinaryPrimitives.WriteUInt16BigEndian(h, 0x8003);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), type);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(4), (uint)flags << 24 | (uint)payload.Length);
        await s.WriteAsync(h);
        await s.WriteAsync(payload);
    }

    private static async Task WriteData(Stream s, uint id, byte[] data, bool fin)
    {
        var h = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(h, id);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(4), (uint)(fin ? 1 : 0) << 24 | (uint)data.Length);
        await s.WriteAsync(h);
        await s.WriteAsync(data);
    }
}
