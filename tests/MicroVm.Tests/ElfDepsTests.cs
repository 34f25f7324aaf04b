using Sandbox.MicroVm.Initramfs;

namespace Sandbox.MicroVm.Tests;

public class ElfDepsTests
{
    [SkippableFact]
    public void DynamicProgramNeedsTheLoaderAndLibc()
    {
        Skip.IfNot(File.Exists("/bin/ls"), "no /bin/ls");
        var info = ElfDeps.Read(File.ReadAllBytes("/bin/ls"));
        Assert.Equal("/lib64/ld-linux-x86-64.so.2", info.Interpreter);
        Assert.Contains("libc.so.6", info.Needed);
        var closure = ElfDeps.Closure("/bin/ls");
        Assert.Equal("/lib64/ld-linux-x86-64.so.2", closure[0]);
        Assert.Contains(closure, p => p.EndsWith("/libc.so.6"));
        Assert.All(closure, p => Assert.True(File.Exists(p)));
    }

    [SkippableFact]
    public void StaticProgramNeedsNothing()
    {
        Skip.IfNot(File.Exists("/bin/busybox"), "busybox-static is not installed");
        var info = ElfDeps.Read(File.ReadAllBytes("/bin/busybox"));
        Assert.Null(info.Interpreter);
        Assert.Empty(info.Needed);
    }

    [Fact]
    public void GarbageIsRejected()
    {
        Assert.Throws<InvalidDataException>(() => ElfDeps.Read(new byte[10]));
        var hdr = new byte[64];
        hdr[0] = 0x7f; hdr[1] = (byte)'E'; hdr[2] = (byte)'L'; hdr[3] = (byte)'F'; hdr[4] = 2; hdr[5] = 1;
        hdr[32] = 0xff; hdr[33] = 0xff; // phoff far outside
        hdr[54] = 56; hdr[56] = 1;
        Assert.Throws<InvalidDataException>(() => ElfDeps.Read(hdr));
    }
}
