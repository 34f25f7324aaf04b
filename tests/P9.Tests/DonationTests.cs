using System.Text;
using Xunit;

namespace Sandbox.P9.Tests;

/// <summary>--donate-fds: Rlopen/Rlcreate of regular files carry a host fd (SCM_RIGHTS).</summary>
public class DonationTests
{
    [GoferFact]
    public void OpenedRegularFilesComeWithAHostFd()
    {
        using var tree = new TempTree().File("f", "donated bytes").Dir("d");
        using var g = new LiveGofer(tree.Path, ["--donate-fds"]);
        using var c = g.Connect();
        uint root = c.Attach();

        uint f = c.Walk(root, "f");
        c.Open(f, 0, out var h);
        Assert.NotNull(h);
        using (h)
        {
            var buf = new byte[64];
            int n = RandomAccess.Read(h!, buf, 0);
            Assert.Equal("donated bytes", Encoding.UTF8.GetString(buf, 0, n));
            Assert.Throws<UnauthorizedAccessException>(() => RandomAccess.Write(h!, "x"u8, 0)); // opened read-only
        }

        uint n2 = c.Clone(root);
        c.Create(n2, "new", 0x42 /* O_RDWR|O_CREAT */, 0x1a4, 0, out var w);
        Assert.NotNull(w);
        using (w) RandomAccess.Write(w!, "written through the fd"u8, 0);
        Assert.Equal("written through the fd", File.ReadAllText(tree["new"]));
        var check = new byte[64];
        Assert.Equal(22, c.Read(n2, 0, check)); // and 9P sees the same file

        uint d = c.Walk(root, "d");
        c.Open(d, 0, out var none);
        Assert.Null(none); // directories are read through Treaddir only

        // Replies without an fd still work on the same connection, and a plain Open closes what it is given.
        for (int i = 0; i < 50; i++) { uint x = c.Walk(root, "f"); c.Open(x, 0); c.Clunk(x); }
        Assert.True(c.IsConnected);
    }

    [GoferFact]
    public void NoFdsWithoutTheFlag()
    {
        using var tree = new TempTree().File("f", "x");
        using var g = new LiveGofer(tree.Path);
        using var c = g.Connect();
        uint f = c.Walk(c.Attach(), "f");
        c.Open(f, 0, out var h);
        Assert.Null(h);
    }
}
