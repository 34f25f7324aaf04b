using System.Buffers.Binary;
using Xunit;

namespace Sandbox.P9.Tests;

public class CodecTests
{
    private static readonly Qid Q = new(P9.QidDir, 7, 0x1122334455667788);

    /// <summary>One instance of every message of 9P2000.L (T and R forms).</summary>
    public static IEnumerable<object[]> AllMessages() => new Message[]
    {
        new Tversion(8192, "9P2000.L"), new Rversion(8192, "9P2000.L"),
        new Tauth(1, "user", "", 1000), new Rauth(Q),
        new Tattach(0, P9.NoFid, "root", "/", 0), new Rattach(Q),
        new Tflush(42), new Rflush(), new Rlerror(2),
        new Twalk(0, 1, ["usr", "lib", "x86_64-linux-gnu"]), new Twalk(0, 1, []), new Rwalk([Q, Q with { Path = 9 }]),
        new Tlopen(1, 0x8002), new Rlopen(Q, 0),
        new Tlcreate(1, "new.txt", 0x241, 0x1a4, 100), new Rlcreate(Q, 4096),
        new Tread(1, 1UL << 40, 65536), new Rread(new byte[] { 1, 2, 3, 0, 255 }),
        new Twrite(1, 12345, new byte[] { 9, 8, 7 }), new Rwrite(3),
        new Tclunk(1), new Rclunk(), new Tremove(1), new Rremove(),
        new Tfsync(1, 1), new Rfsync(),
        new Tgetattr(1, P9.GetattrAll),
        new Rgetattr { Valid = P9.GetattrBasic, Qid = Q, Mode = 0x41ed, Uid = 1, Gid = 2, Nlink = 3, Rdev = 4, Size = 5,
            Blksize = 4096, Blocks = 8, AtimeSec = 9, AtimeNsec = 10, MtimeSec = 11, MtimeNsec = 12, CtimeSec = 13,
            CtimeNsec = 14, BtimeSec = 15, BtimeNsec = 16, Gen = 17, DataVersion = 18 },
        new Tsetattr(1, P9.SetattrMode | P9.SetattrSize, 0x1ff, 0, 0, 100, 1, 2, 3, 4), new Rsetattr(),
        new Tstatfs(1), new Rstatfs(0xEF53, 4096, 1000, 500, 400, 100, 50, 0xabcdef, 255),
        new Treaddir(1, 0, 8192), new Rreaddir(DirData()),
        new Tmkdir(1, "dir", 0x1ed, 0), new Rmkdir(Q),
        new Tmknod(1, "fifo", 0x11a4, 0, 0, 0), new Rmknod(Q),
        new Tsymlink(1, "link", "../target", 0), new Rsymlink(Q),
        new Tlink(1, 2, "hard"), new Rlink(),
        new Treadlink(2), new Rreadlink("/etc/passwd"),
        new Trename(2, 1, "moved"), new Rrename(),
        new Trenameat(1, "a", 3, "b"), new Rrenameat(),
        new Tunlinkat(1, "a", P9.AtRemoveDir), new Runlinkat(),
        new Txattrwalk(1, 5, "user.x"), new Rxattrwalk(17),
        new Txattrcreate(1, "user.y", 3, 1), new Rxattrcreate(),
        new Tlock(1, P9.LockTypeWrlck, P9.LockFlagsBlock, 0, 100, 77, "client"), new Rlock(P9.LockBlocked),
        new Tgetlock(1, P9.LockTypeRdlck, 10, 20, 77, "client"), new Rgetlock(P9.LockTypeWrlck, 0, 0, 78, "other"),
    }.Select(m => new object[] { m });

    private static byte[] DirData()
    {
        var buf = new byte[256];
        var w = new WireWriter(buf);
        new DirEntry(Q, 1, 4, ".").Write(ref w);
        new DirEntry(Q with { Type = 0 }, 2, 8, "file with spaces ü").Write(ref w);
        return buf[..w.Length];
    }

    [Theory]
    [MemberData(nameof(AllMessages))]
    public void EveryMessageRoundTrips(Message m)
    {
        byte[] frame = Codec.Encode(m, 0x1234);
        Assert.Equal(frame.Length, BinaryPrimitives.ReadInt32LittleEndian(frame));
        Assert.Equal((byte)m.Type, frame[4]);
        var (tag, back) = Codec.Decode(frame);
        Assert.Equal(0x1234, tag);
        Assert.Equal(m.GetType(), back.GetType());
        Assert.Equal(frame, Codec.Encode(back, 0x1234));
        if (m is not (Rread or Twrite or Rreaddir)) Assert.Equal(m, back);
    }

    [Fact]
    public void EveryMessageTypeIsCovered()
    {
        var covered = AllMessages().Select(o => ((Message)o[0]).Type).ToHashSet();
        var missing = Enum.GetValues<MessageType>().Where(t => t != MessageType.Tlerror && !covered.Contains(t)).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void DirEntriesParseBack()
    {
        var e = DirEntry.Parse(DirData());
        Assert.Equal(2, e.Count);
        Assert.Equal("file with spaces ü", e[1].Name);
        Assert.Equal(2UL, e[1].Offset);
        Assert.Equal(8, e[1].DType);
    }

    [Fact]
    public void TfsyncWithoutDatasyncDecodes()
    {
        var f = Codec.Encode(new Tclunk(9), 1);
        f[4] = (byte)MessageType.Tfsync;
        Assert.Equal(new Tfsync(9, 0), Codec.Decode(f).Message);
    }

    public static IEnumerable<object[]> Malformed()
    {
        byte[] ok = Codec.Encode(new Twalk(0, 1, ["a", "b"]), 1);
        byte[] Patch(byte[] f, int at, params byte[] b) { var c = (byte[])f.Clone(); b.CopyTo(c, at); return c; }
        byte[] Resize(byte[] f, int len) { var c = new byte[len]; Array.Copy(f, c, Math.Min(len, f.Length)); BinaryPrimitives.WriteInt32LittleEndian(c, len); return c; }
        yield return new object[] { "truncated body", Resize(ok, ok.Length - 1) };
        yield return new object[] { "trailing byte", Resize(ok, ok.Length + 1) };
        yield return new object[] { "size field too small", Patch(ok, 0, 3, 0, 0, 0) };
        yield return new object[] { "size field larger than the frame", Patch(ok, 0, (byte)(ok.Length + 5), 0, 0, 0) };
        yield return new object[] { "size above msize", Patch(ok, 0, 0, 0, 0, 0x7f) };
        yield return new object[] { "nwname 17", Patch(ok, 15, 17, 0) };
        yield return new object[] { "string length past the end", Patch(ok, 17, 0xff, 0xff) };
        yield return new object[] { "unknown type", Patch(ok, 4, 200) };
        yield return new object[] { "Tlerror is not a message", Patch(ok, 4, 6) };
        yield return new object[] { "NUL in a name", Patch(ok, 19, 0) };
        yield return new object[] { "invalid UTF-8", Patch(ok, 19, 0xff) };
        yield return new object[] { "Rread count past the end", Patch(Codec.Encode(new Rread(new byte[4]), 1), 7, 0xff, 0xff, 0xff, 0xff) };
        yield return new object[] { "header only", new byte[] { 7, 0, 0, 0, 110, 1, 0 } };
        yield return new object[] { "empty", Array.Empty<byte>() };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedFramesAreRejected(string why, byte[] frame)
    {
        var e = Assert.Throws<P9FormatException>(() => Codec.Decode(frame, 1 << 20));
        Assert.False(string.IsNullOrEmpty(e.Message), why);
    }

    [Fact]
    public void RandomBytesOnlyEverFailAsFormatErrors()
    {
        var rng = new Random(1234);
        var corpus = AllMessages().Select(o => Codec.Encode((Message)o[0], 1)).ToArray();
        for (int i = 0; i < 50_000; i++)
        {
            byte[] f;
            if (i % 2 == 0)
            {
                f = (byte[])corpus[rng.Next(corpus.Length)].Clone();
                for (int k = rng.Next(1, 4); k > 0; k--) f[rng.Next(f.Length)] = (byte)rng.Next(256);
            }
            else
            {
                f = new byte[rng.Next(0, 64)];
                rng.NextBytes(f);
                if (f.Length >= 4 && rng.Next(2) == 0) BinaryPrimitives.WriteInt32LittleEndian(f, f.Length);
            }
            try { Codec.Decode(f, 1 << 16); }
            catch (P9FormatException) { }
        }
    }

    [Fact]
    public void EncodingRefusesWhatCannotBeSent()
    {
        Assert.Throws<P9FormatException>(() => Codec.Encode(new Twalk(0, 1, Enumerable.Repeat("a", 17).ToArray()), 1));
        Assert.Throws<P9FormatException>(() => Codec.Encode(new Rread(new byte[100]), 1, new byte[50]));
        Assert.Throws<P9FormatException>(() => Codec.Encode(new Tattach(0, 0, new string('x', 70000), "", 0), 1));
    }
}
