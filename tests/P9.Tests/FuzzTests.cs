using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Xunit;
using Xunit.Abstractions;

namespace Sandbox.P9.Tests;

/// <summary>
/// Random and mutated messages against a live Gofer: every well-framed request gets exactly one
/// well-formed reply with its tag (or the connection is closed), nothing hangs, and the Gofer is
/// still alive and correct afterwards.
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    private const int Messages = 25_000;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(45);

    private static List<byte[]> Corpus()
    {
        var msgs = new List<Message>
        {
            new Tattach(0, P9.NoFid, "root", "", 0), new Tattach(4, P9.NoFid, "", "/", uint.MaxValue),
            new Twalk(0, 1, ["d", "f"]), new Twalk(0, 2, ["d"]), new Twalk(0, 3, []), new Twalk(1, 1, []),
            new Twalk(0, 5, ["..", "d", "..", "big"]), new Twalk(2, 6, ["f", "x"]),
            new Tlopen(1, 0), new Tlopen(1, 2), new Tlopen(2, 0), new Tlopen(3, 0x10000),
            new Tlcreate(3, "fz", 0x42, 0x1a4, 0), new Tread(1, 0, 100), new Tread(1, 1UL << 62, 8192),
            new Twrite(1, 3, new byte[] { 1, 2, 3 }), new Tclunk(5), new Tremove(6),
            new Tgetattr(1, P9.GetattrAll), new Tsetattr(1, P9.SetattrSize | P9.SetattrMode, 0x1a4, 0, 0, 10, 0, 0, 0, 0),
            new Tstatfs(0), new Treaddir(2, 0, 4096), new Treaddir(2, 123456, 10), new Tfsync(1, 0),
            new Tmkdir(0, "fzd", 0x1ed, 0), new Tmknod(0, "fzn", 0x81a4, 0, 0, 0), new Tsymlink(0, "fzs", "/etc", 0),
            new Tlink(0, 1, "fzl"), new Treadlink(1), new Trename(5, 0, "fzr"), new Trenameat(0, "fzd", 2, "fzd2"),
            new Tunlinkat(0, "fzn", 0), new Tunlinkat(0, "fzd", P9.AtRemoveDir),
            new Txattrwalk(1, 7, "user.a"), new Txattrwalk(1, 7, ""), new Txattrcreate(5, "user.b", 4, 0),
            new Tlock(1, 1, 0, 0, 10, 1, "c"), new Tgetlock(1, 0, 0, 10, 1, "c"), new Tflush(3),
            new Tversion(8192, "9P2000.L"), new Tauth(9, "u", "a", 0),
        };
        return msgs.Select(m => Codec.Encode(m, 1)).ToList();
    }

    private static RawSession Open(string socket)
    {
        var s = new RawSession(socket, receiveTimeoutMs: 15_000);
        var v = s.Exchange(new Tversion(8192, P9.Version));
        Assert.Equal(new Rversion(8192, P9.Version), v);
        s.Exchange(new Tattach(0, P9.NoFid, "root", "", 0), 1);
        return s;
    }

    [GoferFact]
    public void RandomAndMutatedMessagesNeitherCrashNorHang()
    {
        using var tree = new TempTree().File("d/f", "hello").File("big", new string('y', 20_000));
        using var g = new LiveGofer(tree.Path);
        var corpus = Corpus();
        var rng = new Random(20261127);
        var sw = Stopwatch.StartNew();
        int sent = 0, replies = 0, closes = 0, garbage = 0;
        var s = Open(g.SocketPath);
        try
        {
            while (sent < Messages && sw.Elapsed < Budget)
            {
                byte[] f;
                int mode = rng.Next(100);
                if (mode < 70)
                {
                    f = (byte[])corpus[rng.Next(corpus.Count)].Clone();
                    for (int k = rng.Next(1, 4); k > 0; k--)
                    {
                        int at = rng.Next(4, f.Length); // keep the size field: the frame stays well framed
                        f[at] = rng.Next(3) switch { 0 => (byte)rng.Next(256), 1 => (byte)(f[at] ^ (1 << rng.Next(8))), _ => 0xff };
                    }
                }
                else if (mode < 92)
                {
                    f = new byte[7 + rng.Next(0, 120)];
                    rng.NextBytes(f);
                    if (rng.Next(2) == 0) f[4] = (byte)(2 * rng.Next(3, 62)); // a T-message type, mostly
                }
                else
                {
                    // Broken framing: a size below the header, above msize, or longer than what follows.
                    f = new byte[rng.Next(4, 40)];
                    rng.NextBytes(f);
                    BinaryPrimitives.WriteUInt32LittleEndian(f, rng.Next(3) switch { 0 => (uint)rng.Next(0, 7), 1 => 8192u + (uint)rng.Next(1, 1 << 20), _ => (uint)f.Length + 50 });
                    garbage++;
                }
                bool framed = f.Length >= 7 && BinaryPrimitives.ReadUInt32LittleEndian(f) == (uint)f.Length;
                if (framed) BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(5), (ushort)(sent & 0x7fff)); // unique tag
                sent++;
                try { s.Send(f); }
                catch (SocketException) { closes++; s.Dispose(); s = Open(g.SocketPath); continue; }
                if (!framed)
                {
                    s.Dispose(); // the stream cannot be resynchronised; start over
                    s = Open(g.SocketPath);
                    continue;
                }
                byte[]? reply;
                try { reply = s.ReceiveFrame(); }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
                {
                    Assert.Fail($"no reply within 15 s to frame #{sent}: {Convert.ToHexString(f)}\n{g.Stderr}");
                    return;
                }
                if (reply == null) { closes++; s.Dispose(); s = Open(g.SocketPath); continue; }
                var (tag, m) = Codec.Decode(reply, 1 << 20); // the Gofer's replies are always well formed
                Assert.Equal(BinaryPrimitives.ReadUInt16LittleEndian(f.AsSpan(5)), tag);
                Assert.True(((byte)m.Type & 1) == 1, $"reply of type {m.Type}");
                replies++;
                if (m is Rversion) s.Exchange(new Tattach(0, P9.NoFid, "root", "", 0), 1);
            }
        }
        catch (Exception e) { throw new Exception($"after {sent} messages; Gofer stderr:\n{g.Stderr}", e); }
        finally { s.Dispose(); }
        output.WriteLine($"{sent} messages in {sw.Elapsed.TotalSeconds:F1} s: {replies} replies, {closes} connections closed by the Gofer, {garbage} broken frames");
        Assert.False(g.Process.HasExited, $"the Gofer died: {g.Stderr}");
        Assert.DoesNotContain("internal error", g.Stderr);

        using var c = g.Connect();
        uint root = c.Attach();
        Assert.True(c.GetAttr(root).Qid.IsDir);
        Assert.True(File.Exists(tree["big"]) || File.Exists(tree["d/f"]) || Directory.Exists(tree.Path));
    }

    [GoferFact]
    public void ConcurrentGarbageFromManyConnections()
    {
        using var tree = new TempTree().File("f", "x");
        using var g = new LiveGofer(tree.Path);
        var corpus = Corpus();
        var threads = Enumerable.Range(0, 6).Select(t => new Thread(() =>
        {
            var rng = new Random(t);
            for (int round = 0; round < 20; round++)
            {
                using var s = Open(g.SocketPath);
                // Many requests in flight at once, unique tags, then read whatever comes back.
                int n = rng.Next(1, 60);
                for (int i = 0; i < n; i++)
                {
                    var f = (byte[])corpus[rng.Next(corpus.Count)].Clone();
                    f[rng.Next(7, f.Length)] ^= (byte)rng.Next(1, 256);
                    if (f[4] == (byte)MessageType.Tversion) continue;
                    BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(5), (ushort)(i + 1));
                    s.Send(f);
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.False(g.Process.HasExited, g.Stderr);
        using var c = g.Connect();
        c.GetAttr(c.Attach());
    }
}
