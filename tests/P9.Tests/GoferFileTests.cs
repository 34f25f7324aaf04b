using System.Text;
using Xunit;
using E = Sandbox.Linux.Errno;

namespace Sandbox.P9.Tests;

/// <summary>Every 9P2000.L request against a live, confined Gofer.</summary>
[Collection("gofer")]
public class GoferFileTests(GoferFixture fx)
{
    private const uint RDONLY = 0, WRONLY = 1, RDWR = 2, CREAT = 0x40, EXCL = 0x80, TRUNC = 0x200;

    private static int Errno(Action a) => Assert.Throws<P9ErrorException>(a).Errno;

    private static string ReadAll(P9Client c, uint fid)
    {
        var sb = new StringBuilder();
        var buf = new byte[65536];
        ulong off = 0;
        while (true)
        {
            int n = c.Read(fid, off, buf);
            if (n == 0) return sb.ToString();
            sb.Append(Encoding.UTF8.GetString(buf, 0, n));
            off += (ulong)n;
        }
    }

    [GoferFact]
    public void AttachWalkOpenRead()
    {
        using var c = fx.Gofer.Connect();
        uint root = c.Attach();
        uint f = c.Walk(root, ["d", "f"], out var qids);
        Assert.Equal(2, qids.Length);
        Assert.True(qids[0].IsDir);
        Assert.False(qids[1].IsDir);
        c.Open(f, RDONLY);
        Assert.Equal("hello", ReadAll(c, f));
        c.Clunk(f);
        c.Clunk(root);
    }

    [GoferFact]
    public void LargeReadsSplitAtTheIoUnit()
    {
        using var c = fx.Gofer.Connect(msize: 8192);
        Assert.Equal(8192u, c.Msize);
        uint root = c.Attach();
        uint f = c.Walk(root, "big");
        c.Open(f, RDONLY);
        var buf = new byte[100_000];
        int n = c.Read(f, 0, buf);
        Assert.Equal(c.IoUnit, n);
        Assert.Equal(300_000, ReadAll(c, f).Length);
    }

    [GoferFact]
    public void WalkAnswersPartiallyThenNotAtAll()
    {
        using var c = fx.Gofer.Connect();
        uint root = c.Attach();
        var partial = Assert.IsType<Rwalk>(c.Call(new Twalk(root, 77, ["d", "missing"])));
        Assert.Single(partial.Qids);
        Assert.Equal(new Rlerror((uint)E.ENOENT), c.Call(new Twalk(root, 77, ["missing"])));
        Assert.Equal(new Rlerror((uint)E.EBADF), c.Call(new Tclunk(77))); // the partial walk made no fid
        Assert.Equal((int)E.ENOENT, Errno(() => c.Walk(root, "d", "f", "x"))); // a partial walk has no errno
        Assert.Equal((int)E.ENOTDIR, Errno(() => c.Walk(c.Walk(root, "d", "f"), "x")));
        Assert.Equal((int)E.EINVAL, Errno(() => c.Walk(root, "d/f")));
        Assert.Equal((int)E.EINVAL, Errno(() => c.Walk(root, ".")));
        uint deep = c.Walk(root, Enumerable.Repeat("..", 40).Append("d").ToArray()); // more than 16 names: several Twalks
        Assert.True(c.GetAttr(deep).Qid.IsDir);
    }

    [GoferFact]
    public void CreateWriteReadRemove()
    {
        using var c = fx.Gofer.Connect();
        uint root = c.Attach();
        uint f = c.Clone(root);
        var created = c.Create(f, "new.txt", RDWR | CREAT | EXCL, 0x1a4);
        Assert.False(created.Qid.IsDir);
        Assert.Equal(5, c.Write(f, 0, "12345"u8));
        Assert.Equal(2, c.Write(f, 5, "67"u8));
        Assert.Equal("1234567", ReadAll(c, f));
        Assert.Equal("1234567", File.ReadAllText(fx.Tree["new.txt"]));
        var attr = c.GetAttr(f);
        Assert.Equal(7UL, attr.Size);
        Assert.Equal(0x81a4u, attr.Mode);
        c.Fsync(f);
        c.Fsync(f, dataOnly: true);
        uint again = c.Clone(root);
        Assert.Equal((int)E.EEXIST, Errno(() => c.Create(again, "new.txt", RDWR | CREAT | EXCL, 0x1a4)));
        c.Remove(f);
        Assert.False(File.Exists(fx.Tree["new.txt"]));
    }

    [GoferFact]
    public void DirectoriesMkdirReaddirUnlink()
    {
        using var c = fx.Gofer.Connect();
        uint root = c.Attach();
        c.Mkdir(root, "m", 0x1ed);
        uint m = c.Walk(root, "m");
        for (int i = 0; i < 300; i++) c.Mknod(m, $"file-{i:D3}", 0x81a4, 0, 0);
        uint dir = c.Clone(m);
        c.Open(dir, RDONLY);
        var names = c.ReadDirAll(dir).Select(e => e.Name).ToHashSet();
        Assert.Contains(".", names);
        Assert.Contains("file-299", names);
        Assert.Equal(302, names.Count);
        var small = c.ReadDir(dir, 0, 64); // a small count still makes progress
        Assert.NotEmpty(small);
        Assert.Equal((int)E.ENOTEMPTY, Errno(() => c.UnlinkAt(root, "m", P9.AtRemoveDir)));
        for (int i = 0; i < 300; i++) c.UnlinkAt(m, $"file-{i:D3}");
        c.UnlinkAt(root, "m", P9.AtRemoveDir);
        Assert.False(Directory.Exists(fx.Tree["m"]));
        Assert.Equal((int)E.EISDIR, Errno(() => c.Open(c.Walk(root, "empty"), WRONLY)));
    }

    [GoferFact]
    public void LinksRenamesAndSetattr()
    {
        using var c = fx.Gofer.Connect();
        uint root = c.Attach();
        uint f = c.Clone(root);
        c.Create(f, "orig", WRONLY | CREAT | TRUNC, 0x180);
        c.Write(f, 0, "data"u8);
        var q = c.Symlink(root, "sym", "orig");
        Assert.True(q.IsSymlink);
        Assert.Equal("orig", c.Readlink(c.Walk(root, "sym")));
        c.Link(root, f, "hard");
        Assert.Equal(2UL, c.GetAttr(f).Nlink);
        c.RenameAt(root, "hard", root, "hard2");
        Assert.True(File.Exists(fx.Tree["hard2"]));
        uint h = c.Walk(root, "hard2");
        c.Call(new Trename(h, root, "hard3"));
        Assert.True(File.Exists(fx.Tree["hard3"]));
        c.SetAttr(new Tsetattr(f, P9.SetattrMode | P9.SetattrSize | P9.SetattrMtime | P9.SetattrMtimeSet | P9.SetattrAtime,
            0x1c0, 0, 0, 2, 0, 0, 1_000_000, 5));
        var a = c.GetAttr(f);
        Assert.Equal(0x81c0u, a.Mode);
        Assert.Equal(2UL, a.Size);
        Assert.Equal(1_000_000UL, a.MtimeSec);
        Assert.Equal(5UL, a.MtimeNsec);
        c.SetAttr(new Tsetattr(f, P9.SetattrUid | P9.SetattrGid, 0, 1234, 5678, 0, 0, 0, 0, 0));
        Assert.Equal((1234u, 5678u), (c.GetAttr(f).Uid, c.GetAttr(f).Gid));
        Assert.Equal((int)E.EINVAL, Errno(() => c.SetAttr(new Tsetattr(f, 0x8000, 0, 0, 0, 0, 0, 0, 0, 0))));
        foreach (var n in new[] { "sym", "orig", "hard3" }) c.UnlinkAt(root, n);
    }

    [GoferFact]
    public void StatfsFsyncMknodRules()
    {
        using var c = fx.Gofer.Connect();
        uint root = c.Attach();
        var s = c.StatFs(root);
        Assert.True(s.Bsize > 0);
        Assert.True(s.Namelen > 0);
        Assert.Equal((int)E.EPERM, Errno(() => c.Mknod(root, "null", 0x21b6, 1, 3))); // character device
        c.Mknod(root, "fifo", 0x11a4, 0, 0);
        uint fifo = c.Walk(root, "fifo");
        Assert.Equal((int)E.EOPNOTSUPP, Errno(() => c.Open(fifo, RDONLY))); // never opened by the Gofer
        c.UnlinkAt(root, "fifo");
        Assert.Equal((int)E.EBADF, Errno(() => c.Fsync(root))); // not opened
    }

    [GoferFact]
    public void ExtendedAttributes()
    {
        using var c = fx.Gofer.Connect();
        uint root = c.Attach();
        uint f = c.Clone(root);
        c.Create(f, "x.txt", WRONLY | CREAT, 0x1a4);
        f = c.Walk(root, "x.txt"); // xattrs go through fids that are not open
        try { c.SetXattr(f, "user.color", "blue"u8); }
        catch (P9ErrorException e) when (e.Errno == (int)E.EOPNOTSUPP) { c.UnlinkAt(root, "x.txt"); return; } // fs without user xattrs
        Assert.Equal("blue", Encoding.UTF8.GetString(c.GetXattr(f, "user.color")));
        Assert.Contains("user.color", Encoding.UTF8.GetString(c.GetXattr(f, "")).Split('\0'));
        Assert.Equal((int)E.ENODATA, Errno(() => c.GetXattr(f, "user.none")));
        c.SetXattr(f, "user.color", [], flags: 2); // XATTR_REPLACE with no value removes
        Assert.Equal((int)E.ENODATA, Errno(() => c.GetXattr(f, "user.color")));
        c.UnlinkAt(root, "x.txt");
    }

    [GoferFact]
    public void LocksConflictBetweenFids()
    {
        using var c = fx.Gofer.Connect();
        uint root = c.Attach();
        uint a = c.Walk(root, "big"), b = c.Walk(root, "big");
        c.Open(a, RDWR);
        c.Open(b, RDWR);
        Assert.Equal(P9.LockSuccess, c.Lock(a, P9.LockTypeWrlck, 0, 0, 100, 1));
        Assert.Equal(P9.LockBlocked, c.Lock(b, P9.LockTypeWrlck, P9.LockFlagsBlock, 50, 10, 2));
        var g = c.GetLock(b, P9.LockTypeRdlck, 0, 10, 2);
        Assert.Equal(P9.LockTypeWrlck, g.LockType);
        Assert.Equal(P9.LockSuccess, c.Lock(a, P9.LockTypeUnlck, 0, 0, 0, 1));
        Assert.Equal(P9.LockTypeUnlck, c.GetLock(b, P9.LockTypeWrlck, 0, 10, 2).LockType);
        Assert.Equal(P9.LockSuccess, c.Lock(b, P9.LockTypeWrlck, 0, 50, 10, 2));
    }

    [GoferFact]
    public void ErrorsAreErrnos()
    {
        using var c = fx.Gofer.Connect();
        uint root = c.Attach();
        Assert.Equal(new Rlerror((uint)E.EBADF), c.Call(new Tclunk(9999)));
        Assert.Equal(new Rlerror((uint)E.EBADF), c.Call(new Tread(9999, 0, 10)));
        Assert.Equal(new Rlerror((uint)E.EBADF), c.Call(new Tattach(root, P9.NoFid, "", "", 0))); // fid in use
        Assert.Equal(new Rlerror((uint)E.EINVAL), c.Call(new Rclunk())); // replies are not requests
        Assert.Equal(new Rlerror((uint)E.EOPNOTSUPP), c.Call(new Tauth(5, "", "", 0)));
        Assert.Equal(new Rlerror((uint)E.EINVAL), c.Call(new Tlcreate(root, "../x", 0x41, 0x1a4, 0)));
        Assert.Equal(new Rlerror((uint)E.EINVAL), c.Call(new Tmkdir(root, "a/b", 0x1ed, 0)));
        Assert.IsType<Rflush>(c.Call(new Tflush(1234))); // nothing in flight under that tag
        Assert.True(c.IsConnected);
    }

    [GoferFact]
    public void ManyThreadsShareOneClient()
    {
        using var c = fx.Gofer.Connect();
        uint root = c.Attach();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var threads = Enumerable.Range(0, 16).Select(t => new Thread(() =>
        {
            try
            {
                for (int i = 0; i < 100; i++)
                {
                    uint f = c.Walk(root, "d", "f");
                    c.Open(f, RDONLY);
                    var buf = new byte[16];
                    int n = c.Read(f, 0, buf);
                    if (Encoding.UTF8.GetString(buf, 0, n) != "hello") failures.Add($"thread {t} read '{Encoding.UTF8.GetString(buf, 0, n)}'");
                    if (c.GetAttr(f).Size != 5) failures.Add("bad size");
                    c.Clunk(f);
                }
            }
            catch (Exception e) { failures.Add(e.ToString()); }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Empty(failures);
    }

    [GoferFact]
    public void VersionNegotiation()
    {
        using var s = new RawSession(fx.Gofer.SocketPath);
        Message Exchange(Message m, ushort tag = P9.NoTag) => s.Exchange(m, tag);
        Assert.Equal(new Rlerror((uint)E.EPROTO), Exchange(new Tattach(0, P9.NoFid, "", "", 0), 1)); // before Tversion
        Assert.Equal(new Rversion(65536, "unknown"), Exchange(new Tversion(65536, "9P2000.u")));
        Assert.Equal(new Rlerror((uint)E.EINVAL), Exchange(new Tversion(100, "9P2000.L")));
        Assert.Equal(new Rversion(P9.MaxMsize, "9P2000.L"), Exchange(new Tversion(uint.MaxValue, "9P2000.L")));
        Assert.IsType<Rattach>(Exchange(new Tattach(0, P9.NoFid, "", "", 0), 1));
        Assert.IsType<Rversion>(Exchange(new Tversion(8192, "9P2000.L"))); // a new session: fid 0 is gone
        Assert.Equal(new Rlerror((uint)E.EBADF), Exchange(new Tgetattr(0, P9.GetattrBasic), 1));
    }

    [GoferFact]
    public void UnframeableInputClosesTheConnection()
    {
        using (var s = new RawSession(fx.Gofer.SocketPath))
        {
            s.Exchange(new Tversion(8192, P9.Version));
            var f = Codec.Encode(new Tclunk(1), 1);
            BitConverter.GetBytes(9000).CopyTo(f, 0); // above the negotiated msize
            s.Send(f);
            Assert.Null(s.ReceiveFrame());
        }
        using (var s = new RawSession(fx.Gofer.SocketPath))
        {
            s.Exchange(new Tversion(8192, P9.Version));
            s.Send(new byte[] { 3, 0, 0, 0, 120, 1, 0 }); // a size below the header size
            Assert.Null(s.ReceiveFrame());
        }
        using var c = fx.Gofer.Connect();
        c.GetAttr(c.Attach()); // and the Gofer serves on
    }
}
