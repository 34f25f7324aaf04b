using System.Text;
using Google.Protobuf;
using Runtime.V1;
using Sandbox.Shim.Http2;
using Sandbox.Shim.Tests.Support;

namespace Sandbox.Shim.Tests;

/// <summary>
/// gRPC-Go clients (kubelet, crictl, critest) send the unix socket's path as :authority, which
/// Kestrel refuses; the server's connection middleware rewrites it. HPACK decoding is checked
/// against RFC 7541's examples (Appendix C.3: literals, C.4: Huffman, both with the dynamic table).
/// </summary>
public class AuthorityRewriterTests
{
    private static byte[] Hex(string s) => Convert.FromHexString(s.Replace(" ", ""));

    private static string[] Decode(HpackDecoder d, string hex)
        => d.Decode(Hex(hex)).Select(f => $"{Encoding.ASCII.GetString(f.Name)}: {Encoding.ASCII.GetString(f.Value)}").ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Decodes_the_rfc7541_request_examples(bool huffman)
    {
        var d = new HpackDecoder();
        string[] r1 = { ":method: GET", ":scheme: http", ":path: /", ":authority: www.example.com" };
        string[] r2 = r1.Append("cache-control: no-cache").ToArray();
        string[] r3 = { ":method: GET", ":scheme: https", ":path: /index.html", ":authority: www.example.com", "custom-key: custom-value" };
        if (!huffman)
        {
            Assert.Equal(r1, Decode(d, "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"));
            Assert.Equal(r2, Decode(d, "8286 84be 5808 6e6f 2d63 6163 6865"));
            Assert.Equal(r3, Decode(d, "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65"));
        }
        else
        {
            Assert.Equal(r1, Decode(d, "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"));
            Assert.Equal(r2, Decode(d, "8286 84be 5886 a8eb 1064 9cbf"));
            Assert.Equal(r3, Decode(d, "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"));
        }
    }

    [Fact]
    public void Literal_encoding_round_trips_through_the_decoder()
    {
        var fields = new List<HeaderField>
        {
            new("x-long"u8.ToArray(), Encoding.ASCII.GetBytes(new string('v', 300)), false),
            new("secret"u8.ToArray(), "s"u8.ToArray(), true),
        };
        var back = new HpackDecoder().Decode(HpackLiteralEncoder.Encode(fields));
        Assert.Equal(fields.Select(f => (Encoding.ASCII.GetString(f.Name), Encoding.ASCII.GetString(f.Value), f.NeverIndexed)),
                     back.Select(f => (Encoding.ASCII.GetString(f.Name), Encoding.ASCII.GetString(f.Value), f.NeverIndexed)));
    }

    [Theory]
    [InlineData("localhost", true)]
    [InlineData("127.0.0.1:5000", true)]
    [InlineData("[::1]:80", true)]
    [InlineData("/run/sandbox/cri.sock", false)]
    [InlineData("%2Frun%2Fcri.sock", false)]
    [InlineData("", false)]
    public void Host_validity(string host, bool valid) => Assert.Equal(valid, AuthorityRewriter.IsValidHost(Encoding.ASCII.GetBytes(host)));

    private static void Frame(Stream s, byte type, byte flags, int stream, byte[] payload)
    {
        s.Write(new[] { (byte)(payload.Length >> 16), (byte)(payload.Length >> 8), (byte)payload.Length, type, flags,
                        (byte)(stream >> 24), (byte)(stream >> 16), (byte)(stream >> 8), (byte)stream });
        s.Write(payload);
    }

    private static byte[] Str(string v)
    {
        var m = new MemoryStream();
        HpackLiteralEncoder.WriteInt(m, v.Length, 7, 0);
        m.Write(Encoding.ASCII.GetBytes(v));
        return m.ToArray();
    }

    /// <summary>
    /// Speaks HTTP/2 by hand, as gRPC-Go would: the first request adds ":authority: SOCKET-PATH"
    /// to the HPACK dynamic table, the second refers to it by index (62).
    /// </summary>
    [Fact]
    public async Task A_client_sending_the_socket_path_as_authority_is_served()
    {
        await using var h = await CriHarness.StartAsync();
        using var sock = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        await sock.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(h.Config.Socket));
        using var s = new System.Net.Sockets.NetworkStream(sock);
        s.Write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8);
        Frame(s, 0x4, 0, 0, Array.Empty<byte>()); // SETTINGS

        var first = new MemoryStream();
        first.WriteByte(0x83); // :method POST
        first.WriteByte(0x86); // :scheme http
        first.WriteByte(0x04); first.Write(Str("/runtime.v1.RuntimeService/Version")); // :path, literal without indexing
        first.WriteByte(0x41); first.Write(Str(h.Config.Socket)); // :authority, literal with incremental indexing
        first.WriteByte(0x40); first.Write(Str("content-type")); first.Write(Str("application/grpc"));
        first.WriteByte(0x40); first.Write(Str("te")); first.Write(Str("trailers"));
        // Dynamic table now (newest first): 62 = te, 63 = content-type, 64 = :authority.
        var second = new MemoryStream();
        second.Write(new byte[] { 0x83, 0x86 });
        second.WriteByte(0x04); second.Write(Str("/runtime.v1.RuntimeService/Version"));
        second.Write(new byte[] { 0xC0, 0xBF, 0xBE }); // :authority, content-type, te by index

        var msg = new VersionRequest { Version = "v1" }.ToByteArray();
        var grpcFrame = new byte[] { 0, (byte)(msg.Length >> 24), (byte)(msg.Length >> 16), (byte)(msg.Length >> 8), (byte)msg.Length }.Concat(msg).ToArray();
        Frame(s, 0x1, 0x4, 1, first.ToArray());
        Frame(s, 0x0, 0x1, 1, grpcFrame);
        Frame(s, 0x1, 0x4, 3, second.ToArray());
        Frame(s, 0x0, 0x1, 3, grpcFrame);
        await s.FlushAsync();

        var decoder = new HpackDecoder();
        var statuses = new Dictionary<int, string>();
        var header = new byte[9];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (statuses.Count < 2)
        {
            await s.ReadExactlyAsync(header, cts.Token);
            int len = (header[0] << 16) | (header[1] << 8) | header[2];
            int stream = ((header[5] & 0x7F) << 24) | (header[6] << 16) | (header[7] << 8) | header[8];
            var payload = new byte[len];
            await s.ReadExactlyAsync(payload, cts.Token);
            if (header[3] == 0x7) Assert.Fail($"GOAWAY error {payload[7]}: {Encoding.ASCII.GetString(payload, 8, payload.Length - 8)}");
            if (header[3] == 0x3) Assert.Fail($"stream {stream} was reset (error {payload[3]}): the authority was refused");
            if (header[3] == 0x4 && (header[4] & 1) == 0) Frame(s, 0x4, 0x1, 0, Array.Empty<byte>()); // SETTINGS ack
            if (header[3] != 0x1) continue;
            foreach (var f in decoder.Decode(payload))
                if (Encoding.ASCII.GetString(f.Name) == "grpc-status") statuses[stream] = Encoding.ASCII.GetString(f.Value);
        }
        Assert.Equal("0", statuses[1]);
        Assert.Equal("0", statuses[3]);
    }
}
