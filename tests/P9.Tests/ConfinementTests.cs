using System.Text;
using Xunit;
using E = Sandbox.Linux.Errno;

namespace Sandbox.P9.Tests;

/// <summary>The Gofer's jail: seccomp, capabilities, pivot_root, and no way out of the served tree.</summary>
[Collection("gofer")]
public class ConfinementTests(GoferFixture fx)
{
    [GoferFact]
    public void ForbiddenSyscallKillsTheGofer()
    {
        using var tree = new TempTree().File("f", "x");
        using var g = new LiveGofer(tree.Path, env: new Dictionary<string, string> { ["SANDBOX_GOFER_TEST_FORBIDDEN_SYSCALL"] = "1" }, waitForSocket: false);
        Assert.True(g.Process.WaitForExit(60_000), "the Gofer kept running after a forbidden call");
        g.Process.WaitForExit();
        Assert.Contains("test hook: calling ptrace", g.Stderr);
        Assert.DoesNotContain("still alive", g.Stderr);
        Assert.Equal(128 + 31, g.Process.ExitCode); // SIGSYS: SECCOMP_RET_KILL_PROCESS
    }

    private static Dictionary<string, string> Status(int pid)
        => File.ReadAllLines($"/proc/{pid}/status").Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1].Trim());

    [GoferFact]
    public void StatusShowsFilterNoNewPrivsAndFewCapabilities()
    {
        using var c = fx.Gofer.Connect(); // the Gofer is confined once it serves
        var s = Status(fx.Gofer.Process.Id);
        Assert.Equal("1", s["NoNewPrivs"]);
        Assert.Equal("2", s["Seccomp"]); // filter mode
        Assert.Equal(0x1fUL, Convert.ToUInt64(s["CapEff"], 16)); // chown, dac_override, dac_read_search, fowner, fsetid
        Assert.Equal(0x1fUL, Convert.ToUInt64(s["CapBnd"], 16));
        Assert.Equal(0UL, Convert.ToUInt64(s["CapInh"], 16));
        // Every thread that serves was created after the drop.
        foreach (var task in Directory.GetDirectories($"/proc/{fx.Gofer.Process.Id}/task"))
        {
            var ts = File.ReadAllLines(Path.Combine(task, "status")).Select(l => l.Split(':', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1].Trim());
            Assert.Equal("2", ts["Seccomp"]);
            if (File.ReadAllText(Path.Combine(task, "comm")).StartsWith("gofer-"))
                Assert.Equal(0x1fUL, Convert.ToUInt64(ts["CapEff"], 16));
        }
    }

    [GoferFact]
    public void ItsRootIsTheServedTree()
    {
        using var c = fx.Gofer.Connect();
        string root = $"/proc/{fx.Gofer.Process.Id}/root";
        var seen = Directory.GetFileSystemEntries(root).Select(Path.GetFileName).Order().ToList();
        var served = Directory.GetFileSystemEntries(fx.Tree.Path).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(served, seen);
        Assert.False(File.Exists(Path.Combine(root, "etc", "passwd")));
    }

    [GoferFact]
    public void DotDotNeverLeavesTheRoot()
    {
        using var c = fx.Gofer.Connect();
        uint root = c.Attach();
        var rootQid = c.GetAttr(root).Qid;
        uint up = c.Walk(root, "..", "..", "..");
        Assert.Equal(rootQid, c.GetAttr(up).Qid);
        uint viaD = c.Walk(root, "d", "..", "..", "d", "f");
        Assert.Equal(5UL, c.GetAttr(viaD).Size);
        Assert.Equal((int)E.ENOENT, Assert.Throws<P9ErrorException>(() => c.Walk(root, "..", "etc", "passwd")).Errno);
    }

    [GoferFact]
    public void SymlinksAreNeverFollowed()
    {
        using var c = fx.Gofer.Connect();
        uint root = c.Attach();
        uint abs = c.Walk(root, ["abs"], out var q);
        Assert.True(q[0].IsSymlink);
        Assert.Equal("/etc/passwd", c.Readlink(abs)); // the client resolves it, inside its own root
        Assert.Equal((int)E.ELOOP, Assert.Throws<P9ErrorException>(() => c.Open(abs, 0)).Errno);
        Assert.True(c.GetAttr(abs).Size < 100); // the link's own attributes, not /etc/passwd's
        foreach (var path in new[] { new[] { "sd", "passwd" }, ["rel", "passwd"], ["abs", "x"] })
        {
            var r = c.Call(new Twalk(root, 50, path));
            Assert.True(r is Rlerror || (r is Rwalk w && w.Qids.Length < path.Length), $"walked through {string.Join('/', path)}");
        }
        Assert.Equal(new Rlerror((uint)E.EBADF), c.Call(new Tclunk(50)));
    }

    [GoferFact]
    public void RenameRacesCannotEscape()
    {
        // A directory inside the tree is swapped, as fast as possible, with a symlink to a host
        // directory outside it that holds a secret; walks and opens through it must never see it.
        using var outside = new TempTree().File("secret", "TOP SECRET");
        using var tree = new TempTree().File("race/d/secret", "inner").Dir("race/tmp");
        using var g = new LiveGofer(tree.Path);
        using var c = g.Connect();
        uint root = c.Attach();
        int escapes = 0, ok = 0;
        var stop = DateTime.UtcNow.AddSeconds(4);
        string? swapError = null;
        var swapper = new Thread(() =>
        {
            string d = tree["race/d"], real = tree["race/real"], link = tree["race/link"];
            File.CreateSymbolicLink(link, outside.Path);
            while (DateTime.UtcNow < stop && swapError == null)
            {
                swapError ??= Rename(d, real);   // d vanishes
                swapError ??= Rename(link, d);   // d is the symlink to the outside
                swapError ??= Rename(d, link);
                swapError ??= Rename(real, d);   // d is the real directory again
            }
        });
        swapper.Start();
        var buf = new byte[64];
        while (swapper.IsAlive)
        {
            try
            {
                uint f = c.Walk(root, "race", "d", "secret");
                try
                {
                    c.Open(f, 0);
                    int n = c.Read(f, 0, buf);
                    if (Encoding.UTF8.GetString(buf, 0, n) == "TOP SECRET") escapes++; else ok++;
                }
                finally { c.Clunk(f); }
            }
            catch (P9ErrorException) { }
        }
        swapper.Join();
        Assert.Null(swapError);
        Assert.Equal(0, escapes);
        Assert.True(ok > 0, "the race never let a walk through (the test proved nothing)");
    }

    private static unsafe string? Rename(string from, string to)
    {
        var a = Linux.Native.Sys.CString(from);
        var b = Linux.Native.Sys.CString(to);
        fixed (byte* pa = a) fixed (byte* pb = b)
        {
            long r = Linux.Native.Sys.Syscall(82 /*rename*/, (long)pa, (long)pb);
            return r < 0 ? $"rename {from} {to}: {Linux.ErrnoText.Name((int)-r)}" : null;
        }
    }

    [GoferFact]
    public void ReadOnlyTreesRefuseWrites()
    {
        using var tree = new TempTree().File("f", "data");
        using var g = new LiveGofer(tree.Path, ["--ro"]);
        using var c = g.Connect();
        uint root = c.Attach();
        int Errno(Action a) => Assert.Throws<P9ErrorException>(a).Errno;
        Assert.Equal((int)E.EROFS, Errno(() => c.Open(c.Walk(root, "f"), 2)));
        Assert.Equal((int)E.EROFS, Errno(() => c.Open(c.Walk(root, "f"), 0x200)));
        Assert.Equal((int)E.EROFS, Errno(() => c.Create(c.Clone(root), "n", 0x41, 0x1a4)));
        Assert.Equal((int)E.EROFS, Errno(() => c.Mkdir(root, "m", 0x1ed)));
        Assert.Equal((int)E.EROFS, Errno(() => c.UnlinkAt(root, "f")));
        Assert.Equal((int)E.EROFS, Errno(() => c.RenameAt(root, "f", root, "g")));
        Assert.Equal((int)E.EROFS, Errno(() => c.Symlink(root, "s", "f")));
        Assert.Equal((int)E.EROFS, Errno(() => c.SetAttr(new Tsetattr(c.Walk(root, "f"), P9.SetattrSize, 0, 0, 0, 0, 0, 0, 0, 0))));
        Assert.Equal((int)E.EROFS, Errno(() => c.SetXattr(c.Walk(root, "f"), "user.x", "1"u8)));
        uint f = c.Walk(root, "f");
        c.Open(f, 0);
        Assert.Equal(4, c.Read(f, 0, new byte[10]));
        Assert.Equal("data", File.ReadAllText(tree["f"]));
    }

    [GoferFact]
    public void VolumesAreServedOnTheirOwnSocketsAndStayInside()
    {
        using var tree = new TempTree().File("rootfile", "r");
        using var vol = new TempTree().File("v/data", "volume data");
        using var g = new LiveGofer(tree.Path, ["--volume", $"{vol["v"]}:/data:ro"]);
        using var c = g.Connect(volume: 1);
        uint root = c.Attach();
        uint f = c.Walk(root, "data");
        c.Open(f, 0);
        var buf = new byte[64];
        Assert.Equal("volume data", Encoding.UTF8.GetString(buf, 0, c.Read(f, 0, buf)));
        Assert.Equal(c.GetAttr(root).Qid, c.GetAttr(c.Walk(root, "..", "..")).Qid);
        Assert.Equal((int)E.EROFS, Assert.Throws<P9ErrorException>(() => c.Mkdir(root, "m", 0x1ed)).Errno);
        using var rc = g.Connect();
        Assert.Equal((int)E.ENOENT, Assert.Throws<P9ErrorException>(() => rc.Walk(rc.Attach(), "data")).Errno);
        rc.Walk(rc.Attach(), "rootfile");
    }

    [GoferFact]
    public void ServesAnInheritedSocketpairEnd()
    {
        using var tree = new TempTree().File("f", "via fd");
        using var gp = GoferProcess.Start(["dotnet", LiveGofer.GoferDll], tree.Path);
        uint root = gp.Client.Attach();
        uint f = gp.Client.Walk(root, "f");
        gp.Client.Open(f, 0);
        var buf = new byte[16];
        Assert.Equal("via fd", Encoding.UTF8.GetString(buf, 0, gp.Client.Read(f, 0, buf)));
        gp.Client.Dispose();
        Assert.True(gp.Process.WaitForExit(20_000), "the Gofer did not exit when its only session ended");
        Assert.Equal(0, gp.Process.ExitCode);
    }
}
