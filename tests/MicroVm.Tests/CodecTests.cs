using System.Buffers.Binary;
using Sandbox.MicroVm.Protocol;

namespace Sandbox.MicroVm.Tests;

public class CodecTests
{
    public static TheoryData<Message> AllMessages() => new()
    {
        new Hello(1),
        new CreateContainer("c1", "/run/sandbox/rootfs", "host"),
        new CreateContainer("c2", "/run/sandbox/rootfs/x", "pod", true, ["/proc/kcore", "/bin/ls"], ["/proc/sys"], ["kernel.shm_rmid_forced=1"],
            new ProcessSecurity(1000, 1001, [1234, 5678], 0xa80425fb, 1 << 10, true, [6, 0, 0, 0, 0, 0, 0xff, 0x7f])),
        new CreateContainer("c3", "/run/sandbox/rootfs/y", "", Mounts: [new("/run/sandbox/volumes/c3-0", "/data", false), new("/run/sandbox/volumes/hosts", "/etc/hosts", true)]),
        new CreateContainer("c4", "/run/sandbox/rootfs", "pod", Pid: PidMode.Container),
        new CreateContainer("c5", "/run/sandbox/rootfs", "pod", Pid: PidMode.Node),
        // an unknown mode travels as it is: the agent refuses it with Error(EINVAL)
        new CreateContainer("c6", "/run/sandbox/rootfs", "pod", Pid: (PidMode)7),
        new Exec("c1", "e1", ["/bin/sh", "-c", "echo ü"], ["A=1", "B="], "/tmp"),
        new Exec("c1", "e2", ["/bin/sh"], [], "/", true, 24, 80),
        new ResizeTty("e2", 50, 132),
        new Stdin("e1", [1, 2, 3]),
        new Stdin("e1", []),
        new Signal("e1", 15),
        new Wait("e1"),
        new Stats(),
        new Shutdown(),
        new DestroyContainer("c1"),
        new Ok(),
        new Error(2, "no such file"),
        new HelloReply(1, "6.1.0", "sandbox-agent"),
        new ExecStarted(42),
        new WaitResult(137, 9),
        new StatsReply(1 << 20, 1 << 19, 1234, 2, 17, "0.00 0.01 0.05 1/50 99"),
        new Ready(1, "6.1.0-56-cloud-amd64", 2300),
        new Output("e1", 2, [0, 255, 10]),
        new Exited("e1", 3, 0),
    };

    [Theory]
    [MemberData(nameof(AllMessages))]
    public void Roundtrip(Message m)
    {
        var frame = Codec.Encode(77, m);
        Assert.Equal(frame.Length - 4, (int)BinaryPrimitives.ReadUInt32LittleEndian(frame));
        var back = Codec.Decode(frame.AsSpan(4), out var id);
        Assert.Equal(77u, id);
        Assert.Equal(m.Kind, back.Kind);
        // records with arrays compare by reference: compare the re-encoding instead
        Assert.Equal(frame, Codec.Encode(77, back));
    }

    [Fact]
    public void ReadFrameReadsConsecutiveFramesAndCleanEnd()
    {
        var ms = new MemoryStream([.. Codec.Encode(1, new Hello(1)), .. Codec.Encode(2, new Wait("x"))]);
        var a = Codec.ReadFrame(ms)!.Value;
        var b = Codec.ReadFrame(ms)!.Value;
        Assert.IsType<Hello>(a.Msg);
        Assert.Equal(2u, b.Id);
        Assert.Equal("x", ((Wait)b.Msg!).ExecId);
        Assert.Null(Codec.ReadFrame(ms));
    }

    static byte[] Payload(byte version, byte kind, uint id, params byte[] body)
    {
        var p = new byte[6 + body.Length];
        p[0] = version; p[1] = kind;
        BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(2), id);
        body.CopyTo(p, 6);
        return p;
    }

    static byte[] U32(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); return b; }

    [Fact]
    public void MalformedPayloadsThrowProtocolExceptionWithTheId()
    {
        var cases = new (string Why, byte[] Payload)[]
        {
            ("short header", [1, 1, 0]),
            ("bad version", Payload(9, (byte)MessageKind.Hello, 5, U32(1))),
            ("unknown kind", Payload(Codec.Version, 200, 5)),
            ("truncated body", Payload(Codec.Version, (byte)MessageKind.Hello, 5, 1, 0)),
            ("trailing bytes", Payload(Codec.Version, (byte)MessageKind.Stats, 5, 0)),
            ("string longer than the body", Payload(Codec.Version, (byte)MessageKind.Wait, 5, [.. U32(100), 65])),
            ("string over the limit", Payload(Codec.Version, (byte)MessageKind.Wait, 5, U32(1 << 30))),
            ("invalid UTF-8", Payload(Codec.Version, (byte)MessageKind.Wait, 5, [.. U32(2), 0xc3, 0x28])),
            ("list count over the limit", Payload(Codec.Version, (byte)MessageKind.Exec, 5, [.. U32(1), 65, .. U32(1), 66, .. U32(uint.MaxValue)])),
            ("list count larger than the body", Payload(Codec.Version, (byte)MessageKind.Exec, 5, [.. U32(1), 65, .. U32(1), 66, .. U32(1000)])),
            ("bad boolean", Payload(Codec.Version, (byte)MessageKind.Exec, 5, [.. U32(1), 65, .. U32(1), 66, .. U32(0), .. U32(0), .. U32(0), 2, 0, 0, 0, 0, 0, 0, 0, 0])),
            ("version 1 (before the security fields)", Payload(1, (byte)MessageKind.CreateContainer, 5, [.. U32(1), 65, .. U32(0), .. U32(0)])),
            ("CreateContainer without its security", Payload(Codec.Version, (byte)MessageKind.CreateContainer, 5, [.. U32(1), 65, .. U32(0), .. U32(0), 0, .. U32(0), .. U32(0), .. U32(0)])),
            ("CreateContainer without its PID mode", Payload(Codec.Version, (byte)MessageKind.CreateContainer, 5, [.. U32(1), 65, .. U32(0), .. U32(0), 0, .. U32(0), .. U32(0), .. U32(0),
                .. U32(0), .. U32(0), .. U32(0), .. new byte[16], 0, .. U32(0), .. U32(0)])),
            ("group list over the limit", Payload(Codec.Version, (byte)MessageKind.CreateContainer, 5, [.. U32(1), 65, .. U32(0), .. U32(0), 0, .. U32(0), .. U32(0), .. U32(0), .. U32(0), .. U32(0), .. U32(5000)])),
            ("data over the limit", Payload(Codec.Version, (byte)MessageKind.Stdin, 5, [.. U32(1), 65, .. U32(Codec.MaxBytes + 1)])),
        };
        foreach (var (why, p) in cases)
        {
            var e = Assert.Throws<ProtocolException>(() => Codec.Decode(p, out _));
            Assert.False(string.IsNullOrEmpty(e.Message), why);
            if (p.Length >= 6)
            {
                var f = Codec.ReadFrame(new MemoryStream([.. U32((uint)p.Length), .. p]))!.Value;
                Assert.NotNull(f.Bad);
                Assert.Equal(5u, f.Id);
            }
        }
    }

    [Fact]
    public void BadFrameLengthsAndCutFrames()
    {
        Assert.Throws<ProtocolException>(() => Codec.ReadFrame(new MemoryStream(U32(3))));
        Assert.Throws<ProtocolException>(() => Codec.ReadFrame(new MemoryStream(U32(Codec.MaxPayload + 1))));
        Assert.Throws<EndOfStreamException>(() => Codec.ReadFrame(new MemoryStream([.. U32(10), 1, 1, 0])));
        Assert.Throws<EndOfStreamException>(() => Codec.ReadFrame(new MemoryStream([1, 0])));
    }

    [Fact]
    public void EncoderRefusesOversizedFields()
    {
        Assert.Throws<ProtocolException>(() => Codec.Encode(1, new Stdin("e", new byte[Codec.MaxBytes + 1])));
        Assert.Throws<ProtocolException>(() => Codec.Encode(1, new Wait(new string('x', Codec.MaxString + 1))));
        Assert.Throws<ProtocolException>(() => Codec.Encode(1, new Exec("c", "e", Enumerable.Repeat("a", Codec.MaxList + 1).ToArray(), [], "/")));
    }

    [Fact]
    public void RandomInputOnlyEverThrowsProtocolException()
    {
        var rng = new Random(1234);
        var valid = ((IEnumerable<object[]>)AllMessages()).Select(r => Codec.Encode(9, (Message)r[0])).ToArray();
        for (int i = 0; i < 20000; i++)
        {
            byte[] p;
            if (i % 2 == 0)
            {
                // mutate a valid payload
                p = valid[rng.Next(valid.Length)][4..].ToArray();
                for (int k = rng.Next(1, 4); k > 0; k--) p[rng.Next(p.Length)] = (byte)rng.Next(256);
                if (rng.Next(4) == 0) p = p[..rng.Next(p.Length)];
                if (p.Length > 0) p[0] = Codec.Version;
            }
            else
            {
                p = new byte[rng.Next(0, 64)];
                rng.NextBytes(p);
                if (p.Length > 0) p[0] = Codec.Version;
                if (p.Length > 1) p[1] = (byte)rng.Next(0, 100);
            }
            try { Codec.Decode(p, out _); }
            catch (ProtocolException) { }
        }
    }
}
