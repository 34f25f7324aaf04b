using System.Buffers.Binary;
using Sandbox.MicroVm.VhostUser;
using F = Sandbox.MicroVm.Tests.VhostUserFrontEnd;

namespace Sandbox.MicroVm.Tests;

/// <summary>The vhost-user-net back-end driven by a test front-end (no QEMU): negotiation, the
/// virtqueue path both ways through a SOCK_SEQPACKET pair standing in for the TAP, and bad
/// messages, which close the connection and leave the back-end serving the next one.</summary>
public sealed unsafe class VhostUserProtocolTests : IDisposable
{
    const int Size = 8, Rx = 0, Tx = 1;
    const uint NeedReply = 1 | 8;
    readonly string _dir = Directory.CreateTempSubdirectory("vhu").FullName;
    readonly int _port, _peer;
    readonly VhostUserNetBackend _backend;
    readonly List<string> _log = new();
    string Sock => Path.Combine(_dir, "net.sock");

    public VhostUserProtocolTests()
    {
        int* sv = stackalloc int[2];
        Assert.Equal(0, F.socketpair(1, 5 /* SOCK_SEQPACKET */, 0, sv));
        _port = sv[0]; _peer = sv[1];
        _backend = new VhostUserNetBackend(Path.Combine(_dir, "net.sock"), _port) { Log = s => { lock (_log) _log.Add(s); } };
    }

    public void Dispose()
    {
        _backend.Dispose();
        F.close(_port); F.close(_peer);
        Directory.Delete(_dir, true);
    }

    static void Wait(Func<bool> cond, string what)
    {
        var end = DateTime.UtcNow.AddSeconds(10);
        while (!cond()) { if (DateTime.UtcNow > end) throw new TimeoutException(what); Thread.Sleep(5); }
    }

    /// <summary>Negotiates like QEMU and starts both queues; returns (kick, call) eventfds per queue.</summary>
    (int Kick, int Call)[] Start(F fe)
    {
        fe.Send(1, []);
        ulong offered = fe.Reply64();
        Assert.NotEqual(0UL, offered & 1UL << Wire.VIRTIO_F_VERSION_1);
        fe.Send64(2, offered);
        fe.Send(15, []);
        Assert.Equal(1UL << Wire.PROTOCOL_F_REPLY_ACK, fe.Reply64());
        fe.Send64(16, 1UL << Wire.PROTOCOL_F_REPLY_ACK);
        fe.Send(3, [], NeedReply);
        Assert.Equal(0UL, fe.Reply64());
        fe.SetMemTable();
        var fds = new (int, int)[2];
        for (int q = 0; q < 2; q++)
        {
            fe.SendState(8, (uint)q, Size);
            fe.SetVringAddr(q);
            fe.SendState(10, (uint)q, 0);
            int kick = F.eventfd(0, 0x800), call = F.eventfd(0, 0x800);
            fe.Send64(12, (ulong)q, 1, kick);
            fe.Send64(13, (ulong)q, 1, call);
            fe.SendState(18, (uint)q, 1, NeedReply);
            Assert.Equal(0UL, fe.Reply64());
            fds[q] = (kick, call);
        }
        return fds;
    }

    [Fact]
    public void FramesCrossTheVirtqueuesBothWaysAndGetVringBaseStopsTheRing()
    {
        using var fe = new F(Sock);
        var fds = Start(fe);

        // TX: a two-descriptor chain (header, then the frame) comes out as one frame.
        for (int i = 0; i < 72; i++) fe.Mem[0x10000 + i] = (byte)i;
        fe.SetDesc(Tx, 0, 0x10000, 12, 1, 1);
        fe.SetDesc(Tx, 1, 0x1000c, 60, 0);
        fe.Offer(Tx, 0, Size);
        F.Kick(fds[Tx].Kick);
        var frame = new byte[2048];
        long n;
        fixed (byte* f = frame) n = F.read(_peer, f, frame.Length);
        Assert.Equal(72, n);
        for (int i = 0; i < 72; i++) Assert.Equal((byte)i, frame[i]);
        Wait(() => fe.UsedIdx(Tx) == 1, "TX used index");
        Assert.Equal((0u, 0u), fe.UsedElem(Tx, 0));
        Wait(() => { ulong v = 0; return F.read(fds[Tx].Call, &v, 8) == 8; }, "TX call");

        // RX: a frame from the "TAP" lands in the posted buffer, num_buffers = 1.
        fe.SetDesc(Rx, 3, 0x20000, 2048, 2);
        fe.Offer(Rx, 3, Size);
        F.Kick(fds[Rx].Kick);
        var incoming = new byte[112];
        for (int i = 12; i < incoming.Length; i++) incoming[i] = (byte)(i * 3);
        fixed (byte* p = incoming) Assert.Equal(112, F.write(_peer, p, incoming.Length));
        Wait(() => fe.UsedIdx(Rx) == 1, "RX used index");
        Assert.Equal((3u, 112u), fe.UsedElem(Rx, 0));
        Assert.Equal(1, fe.Mem[0x20000 + 10]);
        for (int i = 12; i < incoming.Length; i++) Assert.Equal(incoming[i], fe.Mem[0x20000 + i]);
        Wait(() => { ulong v = 0; return F.read(fds[Rx].Call, &v, 8) == 8; }, "RX call");

        // A chain pointing outside guest memory is completed with length 0; the back-end goes on.
        fe.SetDesc(Tx, 2, F.MemSize - 8, 64, 0);
        fe.Offer(Tx, 2, Size);
        F.Kick(fds[Tx].Kick);
        Wait(() => fe.UsedIdx(Tx) == 2, "bad chain completed");
        Assert.Equal((2u, 0u), fe.UsedElem(Tx, 1));

        // GET_VRING_BASE: the next index to consume, and the ring stops.
        fe.SendState(11, Tx, 0);
        var r = fe.Reply()!.Value;
        Assert.Equal(11u, r.Request);
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(r.Body.AsSpan(4)));
        fe.SetDesc(Tx, 4, 0x10000, 72, 0);
        fe.Offer(Tx, 4, Size);
        F.Kick(fds[Tx].Kick);
        Thread.Sleep(200);
        Assert.Equal(2, fe.UsedIdx(Tx));
        foreach (var (k, c) in fds) { F.close(k); F.close(c); }
    }

    public static IEnumerable<object[]> BadMessages() =>
    [
        ["version 2", (Action<F>)(fe => fe.Send(1, [], flags: 2))],
        ["a reply flag", (Action<F>)(fe => fe.Send(1, [], flags: 1 | 4))],
        ["oversized payload", (Action<F>)(fe => fe.SendRaw(1, 1, 1 << 20, [], []))],
        ["SET_FEATURES of the wrong size", (Action<F>)(fe => fe.Send(2, new byte[4]))],
        ["SET_FEATURES with a feature not offered", (Action<F>)(fe => fe.Send64(2, 1UL << 32 | 1UL << 5))],
        ["SET_FEATURES without VERSION_1", (Action<F>)(fe => fe.Send64(2, 1UL << 29))],
        ["queue out of range", (Action<F>)(fe => fe.SendState(8, 7, 8))],
        ["ring size not a power of 2", (Action<F>)(fe => fe.SendState(8, 0, 3))],
        ["ring size 0", (Action<F>)(fe => fe.SendState(8, 1, 0))],
        ["SET_VRING_BASE over 16 bits", (Action<F>)(fe => fe.SendState(10, 0, 70000))],
        ["SET_MEM_TABLE with 9 regions", (Action<F>)(fe => { var b = new byte[8 + 9 * 32]; b[0] = 9; fe.Send(5, b); })],
        ["SET_MEM_TABLE without its fd", (Action<F>)(fe => { var b = new byte[40]; b[0] = 1; b[16] = 1; fe.Send(5, b); })],
        ["SET_MEM_TABLE of zero bytes", (Action<F>)(fe => { var b = new byte[40]; b[0] = 1; fe.Send(5, b, 1, fe.MemFd); })],
        ["SET_VRING_KICK without an fd", (Action<F>)(fe => fe.Send64(12, 0))],
        ["SET_VRING_CALL with two fds", (Action<F>)(fe => fe.Send64(13, 0, 1, fe.MemFd, fe.MemFd))],
        ["vring addresses outside guest memory", (Action<F>)(fe => { fe.SetMemTable(); fe.SendState(8, 0, 8); var b = new byte[40]; b[8] = 1; fe.Send(9, b); })],
    ];

    [Theory]
    [MemberData(nameof(BadMessages))]
    public void ABadMessageClosesTheConnectionAndTheBackendServesTheNext(string what, Action<F> send)
    {
        using (var fe = new F(Sock))
        {
            send(fe);
            Assert.True(fe.Closed(), $"{what}: the connection stayed open");
        }
        Wait(() => _backend.LastError is not null, "error recorded");
        using var next = new F(Sock);
        next.Send(1, []);
        Assert.Equal(VhostUserNetBackend.OfferedFeatures, next.Reply64());
    }

    [Fact]
    public void AnUnknownRequestIsRefusedAndTheConnectionStays()
    {
        using var fe = new F(Sock);
        fe.Send64(16, 1UL << Wire.PROTOCOL_F_REPLY_ACK);
        fe.Send(99, new byte[16], NeedReply);
        Assert.NotEqual(0UL, fe.Reply64());
        fe.Send(1, []);
        Assert.Equal(VhostUserNetBackend.OfferedFeatures, fe.Reply64());
    }

    [Fact]
    public void ATruncatedMessageEndsOnlyThatConnection()
    {
        using (var fe = new F(Sock))
        {
            fe.SendRaw(2, 1, 8, new byte[3], []);
            fe.Conn.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            Assert.True(fe.Closed());
        }
        using var next = new F(Sock);
        next.Send(1, []);
        Assert.Equal(VhostUserNetBackend.OfferedFeatures, next.Reply64());
        Assert.True(_backend.Connections >= 2);
    }
}
