using System.Text;
using Sandbox.MicroVm.Initramfs;

namespace Sandbox.MicroVm.Tests;

public class CpioWriterTests
{
    [Fact]
    public void WritesNewcEntriesWithParentsAlignedAndTrailer()
    {
        var ms = new MemoryStream();
        var w = new CpioWriter(ms);
        w.AddFile("lib/x86_64-linux-gnu/libc.so.6", Encoding.ASCII.GetBytes("hello"), 0x1ed);
        w.AddSymlink("bin/sh", "/init");
        w.AddCharDevice("dev/console", 5, 1);
        w.AddDirectory("lib"); // already there: no second entry
        w.Finish();
        var bytes = ms.ToArray();
        Assert.Equal(0, bytes.Length % 4);
        Assert.StartsWith("070701", Encoding.ASCII.GetString(bytes, 0, 6));
        var entries = CpioWriter.Read(bytes);
        Assert.Equal(["lib", "lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu/libc.so.6", "bin", "bin/sh", "dev", "dev/console"], entries.Select(e => e.Name));
        var file = entries.Single(e => e.Name.EndsWith("libc.so.6"));
        Assert.Equal(CpioWriter.S_IFREG | 0x1ed, file.Mode);
        Assert.Equal("hello", Encoding.ASCII.GetString(file.Data));
        var link = entries.Single(e => e.Name == "bin/sh");
        Assert.Equal(CpioWriter.S_IFLNK, link.Mode & 0xf000);
        Assert.Equal("/init", Encoding.ASCII.GetString(link.Data));
        var dev = entries.Single(e => e.Name == "dev/console");
        Assert.Equal((CpioWriter.S_IFCHR, 5u, 1u), (dev.Mode & 0xf000, dev.RdevMajor, dev.RdevMinor));
        Assert.All(entries.Where(e => e.Name is "lib" or "bin" or "dev"), e => Assert.Equal(CpioWriter.S_IFDIR, e.Mode & 0xf000));
        // the trailer is the last entry
        Assert.Contains("TRAILER!!!", Encoding.ASCII.GetString(bytes, bytes.Length - 140, 140));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void DataOfEveryLengthRoundtrips(int n)
    {
        var ms = new MemoryStream();
        var w = new CpioWriter(ms);
        var data = Enumerable.Range(0, n).Select(i => (byte)(i + 1)).ToArray();
        w.AddFile("a", data);
        w.AddFile("bc", data);
        w.Finish();
        var e = CpioWriter.Read(ms.ToArray());
        Assert.Equal(data, e[0].Data);
        Assert.Equal(data, e[1].Data);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("a/../b")]
    [InlineData("a//b")]
    [InlineData("./a")]
    public void RejectsBadPaths(string p)
    {
        var w = new CpioWriter(new MemoryStream());
        Assert.Throws<ArgumentException>(() => w.AddFile(p, []));
    }

    [Fact]
    public void RejectsDuplicatesAndWritesAfterFinish()
    {
        var w = new CpioWriter(new MemoryStream());
        w.AddFile("init", [1]);
        Assert.Throws<ArgumentException>(() => w.AddFile("/init", [2]));
        w.Finish();
        Assert.Throws<InvalidOperationException>(() => w.AddFile("x", []));
    }

    [SkippableFact]
    public void TheCpioToolReadsTheArchive()
    {
        var cpio = Sandbox.MicroVm.Vm.HostSystem.FindProgram("cpio");
        Skip.If(cpio is null, "cpio is not installed (only used as an independent reader)");
        var ms = new MemoryStream();
        var w = new CpioWriter(ms);
        w.AddFile("d/f.txt", Encoding.ASCII.GetBytes("abc\n"));
        w.AddSymlink("d/l", "f.txt");
        w.Finish();
        var psi = new System.Diagnostics.ProcessStartInfo(cpio!, "-t") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        p.StandardInput.BaseStream.Write(ms.ToArray());
        p.StandardInput.Close();
        var list = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        Assert.Equal(["d", "d/f.txt", "d/l"], list.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
