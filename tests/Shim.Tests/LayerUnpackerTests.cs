using System.Formats.Tar;
using System.Text;
using Sandbox.Shim.Images;
using Sandbox.Shim.Tests.Support;
using static Sandbox.Shim.Tests.Support.ImageBuilder;

namespace Sandbox.Shim.Tests;

public class LayerUnpackerTests
{
    private static void Apply(Blob layer, string root) => LayerUnpacker.Apply(LayerUnpacker.OpenDecompressed(new MemoryStream(layer.Data)), root);

    [Fact]
    public void Applies_files_dirs_symlinks_hardlinks_modes_and_whiteouts()
    {
        using var d = new TempDir();
        Apply(Layer(t =>
        {
            Dir(t, "./etc/");
            File(t, "./etc/keep", "keep\n"u8.ToArray(), 0b110_100_000);
            File(t, "etc/gone", "gone\n"u8.ToArray());
            Dir(t, "etc/opq/");
            File(t, "etc/opq/lower", "lower\n"u8.ToArray());
            File(t, "bin/tool", "#!x\n"u8.ToArray(), 0b111_101_101 | 0x800); // setuid
            Symlink(t, "bin/link", "tool");
            t.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "bin/hard") { LinkName = "bin/tool" });
        }), d.Path);
        Apply(Layer(t =>
        {
            File(t, "etc/.wh.gone", Array.Empty<byte>());
            Dir(t, "etc/opq/");
            File(t, "etc/opq/.wh..wh..opq", Array.Empty<byte>());
            File(t, "etc/opq/upper", "upper\n"u8.ToArray());
            File(t, "bin/link", "replaced symlink\n"u8.ToArray());
        }), d.Path);

        string P(string rel) => Path.Combine(d.Path, rel);
        Assert.Equal("keep\n", System.IO.File.ReadAllText(P("etc/keep")));
        Assert.Equal((UnixFileMode)0b110_100_000, System.IO.File.GetUnixFileMode(P("etc/keep")));
        Assert.False(System.IO.File.Exists(P("etc/gone")));
        Assert.False(System.IO.File.Exists(P("etc/opq/lower")));
        Assert.Equal("upper\n", System.IO.File.ReadAllText(P("etc/opq/upper")));
        Assert.True(System.IO.File.GetUnixFileMode(P("bin/tool")).HasFlag(UnixFileMode.SetUser));
        Assert.Equal("#!x\n", System.IO.File.ReadAllText(P("bin/hard")));
        Assert.Null(new FileInfo(P("bin/link")).LinkTarget);
        Assert.Equal("replaced symlink\n", System.IO.File.ReadAllText(P("bin/link")));
    }

    [Fact]
    public void Never_writes_outside_the_root_through_dotdot_or_symlinks()
    {
        using var outside = new TempDir("outside");
        using var d = new TempDir();
        string root = d.Sub("root");
        Assert.Throws<InvalidDataException>(() => Apply(Layer(t => File(t, "../escape", "x"u8.ToArray())), root));
        // A symlink to an absolute host path is resolved inside the root, not on the host.
        Apply(Layer(t =>
        {
            Symlink(t, "evil", outside.Path);
            Symlink(t, "up", "../../../../..");
        }), root);
        Apply(Layer(t =>
        {
            File(t, "evil/pwned", "x"u8.ToArray());
            File(t, "up/pwned2", "x"u8.ToArray());
        }), root);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside.Path));
        Assert.True(System.IO.File.Exists(Path.Combine(root, outside.Path.TrimStart('/'), "pwned")));
        Assert.True(System.IO.File.Exists(Path.Combine(root, "pwned2")));
    }

    [Fact]
    public void Reads_plain_tar_as_well_as_gzip()
    {
        using var d = new TempDir();
        var ms = new MemoryStream();
        using (var tar = new TarWriter(ms, leaveOpen: true)) File(tar, "plain", "p"u8.ToArray());
        ms.Position = 0;
        LayerUnpacker.Apply(LayerUnpacker.OpenDecompressed(ms), d.Path);
        Assert.Equal("p", System.IO.File.ReadAllText(Path.Combine(d.Path, "plain")));
    }

    [Fact]
    public void Zstd_layer_file_applies_and_its_diff_id_is_checked()
    {
        using var d = new TempDir();
        var (layer, diffId) = ZstdLayer(t => { Dir(t, "etc/"); File(t, "etc/z", "zstd\n"u8.ToArray()); });
        string blob = Path.Combine(d.Path, "layer");
        System.IO.File.WriteAllBytes(blob, layer.Data);
        LayerUnpacker.Apply(blob, d.Sub("root"), diffId);
        Assert.Equal("zstd\n", System.IO.File.ReadAllText(Path.Combine(d.Path, "root/etc/z")));

        var e = Assert.Throws<InvalidDataException>(() => LayerUnpacker.Apply(blob, d.Sub("other"), "sha256:" + new string('1', 64)));
        Assert.Contains($"uncompressed content has digest {diffId}", e.Message);
    }

    [Fact]
    public void Truncated_zstd_data_is_an_error_not_the_end_of_the_tar()
    {
        using var d = new TempDir();
        var (layer, _) = ZstdLayer(t => File(t, "big", new byte[200_000].Select((_, i) => (byte)(i * 7 % 251)).ToArray()));
        var cut = new MemoryStream(layer.Data[..(layer.Data.Length / 2)]);
        Assert.Throws<InvalidDataException>(() => LayerUnpacker.Apply(LayerUnpacker.OpenDecompressed(cut), d.Path));
    }
}
