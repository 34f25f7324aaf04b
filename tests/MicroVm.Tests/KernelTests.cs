using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using Sandbox.MicroVm.Kernel;
using Sandbox.MicroVm.Vm;

namespace Sandbox.MicroVm.Tests;

public class KernelTests
{
    static readonly byte[] Block = [0x35, (byte)'a', (byte)'b', (byte)'c', 3, 0, 0x10, (byte)'X'];

    [Fact]
    public void Lz4BlockWithOverlappingMatch()
    {
        var dst = new byte[64];
        int n = Lz4Legacy.DecompressBlock(Block, dst);
        Assert.Equal("abcabcabcabcX", System.Text.Encoding.ASCII.GetString(dst, 0, n));
    }

    [Fact]
    public void Lz4LegacyFrameStopsAtTheAppendedSize()
    {
        byte[] frame = [.. U32(Lz4Legacy.Magic), .. U32((uint)Block.Length), .. Block, .. U32((uint)Block.Length), .. Block, .. U32(26)];
        Assert.Equal("abcabcabcabcXabcabcabcabcX", System.Text.Encoding.ASCII.GetString(Lz4Legacy.Decompress(frame)));
    }

    [Theory]
    [InlineData(new byte[] { 0x10 })]                        // literal run past the end
    [InlineData(new byte[] { 0x01, 5, 0 })]                  // match before any output
    [InlineData(new byte[] { 0x11, (byte)'a', 0, 0 })]       // offset 0
    [InlineData(new byte[] { 0x11, (byte)'a', 9, 0 })]       // offset beyond the output
    [InlineData(new byte[] { 0xf0, 255, 255 })]              // length bytes run out
    [InlineData(new byte[] { 0x1f, (byte)'a', 1, 0, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0 })] // match larger than dst
    [InlineData(new byte[] { 0x15, (byte)'a', 5 })]          // truncated offset
    public void Lz4CorruptBlocksThrowInvalidData(byte[] block)
    {
        Assert.Throws<InvalidDataException>(() => Lz4Legacy.DecompressBlock(block, new byte[64]));
    }

    [SkippableFact]
    public void Lz4MatchesTheLz4Tool()
    {
        var lz4 = HostSystem.FindProgram("lz4");
        Skip.If(lz4 is null, "the lz4 program is not installed");
        var text = new System.Text.StringBuilder();
        var rng = new Random(7);
        for (int i = 0; i < 200_000; i++) text.Append(i % 17 == 0 ? rng.Next().ToString() : "the quick brown fox ");
        var data = System.Text.Encoding.ASCII.GetBytes(text.ToString());
        var compressed = Run(lz4!, ["-l", "-c", "-9"], data);
        Assert.True(Lz4Legacy.HasMagic(compressed));
        Assert.Equal(data, Lz4Legacy.Decompress(compressed));
    }

    static byte[] FakeElf() => [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, .. Enumerable.Range(0, 1000).Select(i => (byte)(i % 7))];

    static byte[] MakeBzImage(byte[] payload)
    {
        var img = new byte[2048 + payload.Length];
        img[0x1f1] = 1;                                   // 1 setup sector: protected mode code at 1024
        BinaryPrimitives.WriteUInt32LittleEndian(img.AsSpan(0x202), 0x53726448);
        BinaryPrimitives.WriteUInt16LittleEndian(img.AsSpan(0x206), 0x20f);
        BinaryPrimitives.WriteUInt32LittleEndian(img.AsSpan(0x248), 1024); // payload_offset (from 1024)
        BinaryPrimitives.WriteUInt32LittleEndian(img.AsSpan(0x24c), (uint)payload.Length);
        payload.CopyTo(img, 2048);
        return img;
    }

    [Fact]
    public void BzImageWithGzipPayload()
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, true)) gz.Write(FakeElf());
        var bz = BzImage.Parse(MakeBzImage(ms.ToArray()));
        Assert.Equal("gzip", bz.Compression);
        Assert.Equal(0x20f, bz.Protocol);
        Assert.Equal(FakeElf(), bz.ExtractVmlinux());
    }

    [Fact]
    public void BzImageWithLz4Payload()
    {
        var elf = FakeElf();
        // a block of literals only: token 0xf0 + length bytes
        var block = new List<byte> { 0xf0 };
        int rest = elf.Length - 15;
        while (rest >= 255) { block.Add(255); rest -= 255; }
        block.Add((byte)rest);
        block.AddRange(elf);
        var bz = BzImage.Parse(MakeBzImage([.. U32(Lz4Legacy.Magic), .. U32((uint)block.Count), .. block, .. U32((uint)elf.Length)]));
        Assert.Equal("lz4", bz.Compression);
        Assert.Equal(elf, bz.ExtractVmlinux());
    }

    [SkippableFact]
    public void BzImageWithXzPayloadUsesTheXzProgram()
    {
        var xz = HostSystem.FindProgram("xz");
        Skip.If(xz is null, "xz is not installed");
        var payload = Run(xz!, ["-c", "--check=crc32"], FakeElf());
        var bz = BzImage.Parse(MakeBzImage(payload));
        Assert.Equal("xz", bz.Compression);
        Assert.Equal(FakeElf(), bz.ExtractVmlinux());
    }

    [Fact]
    public void NotABootImage()
    {
        Assert.Throws<InvalidDataException>(() => BzImage.Parse(new byte[4096]));
        var bad = MakeBzImage([1, 2, 3, 4]);
        Assert.Throws<InvalidDataException>(() => BzImage.Parse(bad).ExtractVmlinux());
    }

    [SkippableFact]
    public void ExtractsTheInstalledCloudKernel()
    {
        var k = GuestKernel.FindInstalled();
        Skip.If(k is null, "no kernel in /boot (setup.sh installs linux-image-cloud-amd64)");
        var dir = Directory.CreateTempSubdirectory("mvk").FullName;
        try
        {
            var gk = GuestKernel.Open(k, dir);
            using (var f = File.OpenRead(gk.VmlinuxPath))
            {
                var head = new byte[20];
                f.ReadExactly(head);
                Assert.True(BzImage.IsElf(head));
                Assert.Equal(62, BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(18))); // EM_X86_64
            }
            Assert.Equal(Path.GetFileName(k)!["vmlinuz-".Length..], gk.Release);
            // cached: a second open reuses the file
            var again = GuestKernel.Open(k, dir);
            Assert.Equal(gk.VmlinuxPath, again.VmlinuxPath);
            if (gk.ModulesDir is not null)
            {
                var mods = ModuleSet.Load(gk.ModulesDir);
                var order = mods.Resolve(["virtio_mmio", "virtio_console", "virtiofs"]).Select(ModuleSet.NameOf).ToList();
                Assert.True(order.IndexOf("virtio") < order.IndexOf("virtio_mmio") || !order.Contains("virtio"));
                Assert.True(order.IndexOf("fuse") < order.IndexOf("virtiofs") || !order.Contains("fuse"));
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ModulesResolveDependenciesFirstAndSkipBuiltins()
    {
        var m = new ModuleSet("/x", [
            "kernel/fs/fuse/virtiofs.ko: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko kernel/fs/fuse/fuse.ko",
            "kernel/fs/fuse/fuse.ko:",
            "kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko",
            "kernel/drivers/virtio/virtio_ring.ko:",
            "kernel/drivers/virtio/virtio_mmio.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko",
            "kernel/net/9p/9pnet-virtio.ko.xz:",
        ], ["kernel/drivers/char/virtio_console.ko"]);
        var order = m.Resolve(["virtio-mmio", "virtio_console", "virtiofs"]);
        Assert.Equal(["kernel/drivers/virtio/virtio_ring.ko", "kernel/drivers/virtio/virtio.ko", "kernel/drivers/virtio/virtio_mmio.ko",
            "kernel/fs/fuse/fuse.ko", "kernel/fs/fuse/virtiofs.ko"], order);
        Assert.True(m.IsBuiltin("virtio_console"));
        Assert.True(m.Has("9pnet_virtio"));
        Assert.Throws<InvalidOperationException>(() => m.Resolve(["nope"]));
    }

    [Fact]
    public void KernelConfigParsing()
    {
        var c = GuestKernel.ParseConfig(["# CONFIG_NET_9P is not set", "CONFIG_VIRTIO_FS=m", "CONFIG_CMDLINE=\"a b\"", "CONFIG_X=y"]);
        Assert.Equal("m", c["CONFIG_VIRTIO_FS"]);
        Assert.Equal("a b", c["CONFIG_CMDLINE"]);
        Assert.False(c.ContainsKey("CONFIG_NET_9P"));
    }

    internal static byte[] U32(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); return b; }

    internal static byte[] Run(string program, string[] args, byte[] input)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardInput = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var w = Task.Run(() => { p.StandardInput.BaseStream.Write(input); p.StandardInput.Close(); });
        var o = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(o);
        p.WaitForExit();
        w.Wait();
        return o.ToArray();
    }
}
