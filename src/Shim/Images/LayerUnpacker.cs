using System.Formats.Tar;
using System.IO.Compression;
using Sandbox.Shim.Util;

namespace Sandbox.Shim.Images;

/// <summary>
/// Applies an image layer (a tar, plain, gzip- or zstd-compressed) onto a root filesystem directory,
/// honouring OCI/AUFS whiteouts: ".wh.NAME" removes NAME of the lower layers, and
/// ".wh..wh..opq" empties its directory of what lower layers put there.
/// </summary>
public static class LayerUnpacker
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueMarker = ".wh..wh..opq";

    /// <summary>
    /// Applies the layer in <paramref name="layerFile"/>; with <paramref name="diffId"/> (the
    /// image config's rootfs.diff_ids entry) the uncompressed tar must have that digest.
    /// </summary>
    public static void Apply(string layerFile, string root, string? diffId = null)
    {
        using var file = File.OpenRead(layerFile);
        using var tar = OpenDecompressed(file);
        using var digesting = new DigestingStream(tar);
        Apply(digesting, root);
        if (diffId == null) return;
        digesting.CopyTo(Stream.Null); // the end-of-archive blocks (and any padding) count too
        string got = digesting.Digest();
        if (got != diffId) throw new InvalidDataException($"uncompressed content has digest {got}, the image config's diff_ids say {diffId}");
    }

    public static Stream OpenDecompressed(Stream s)
    {
        Span<byte> magic = stackalloc byte[4];
        int n = s.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        s.Seek(0, SeekOrigin.Begin);
        if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) return new GZipStream(s, CompressionMode.Decompress, leaveOpen: true);
        if (n >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
            return new ZstdLayerStream(s);
        return s;
    }

    public static void Apply(Stream tarStream, string root)
    {
        bool root_ = Native.GetEuid() == 0;
        var created = new HashSet<string>(StringComparer.Ordinal);   // entries of this layer (host paths)
        var dirTimes = new List<(string Path, DateTimeOffset Time)>();
        using var reader = new TarReader(tarStream, leaveOpen: true);
        while (NextEntry(reader) is { } e)
        {
            var parts = PathInRoot.Components(e.Name);
            if (parts == null) throw new InvalidDataException($"layer entry '{e.Name}' leaves the root");
            if (parts.Count == 0) continue; // "./": the root itself
            string name = parts[^1];
            string parent = PathInRoot.ResolveDirectory(root, parts.Take(parts.Count - 1).ToList(), create: true);

            if (name == OpaqueMarker)
            {
                foreach (var child in Directory.EnumerateFileSystemEntries(parent))
                    if (!created.Contains(child)) PathInRoot.Remove(child);
                continue;
            }
            if (name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
            {
                string victim = Path.Combine(parent, name[WhiteoutPrefix.Length..]);
                if (!created.Contains(victim)) PathInRoot.Remove(victim);
                continue;
            }

            string target = Path.Combine(parent, name);
            var mode = (UnixFileMode)((int)e.Mode & 0xFFF);
            switch (e.EntryType)
            {
                case TarEntryType.Directory:
                    if (PathInRoot.Exists(target) && !(Directory.Exists(target) && new FileInfo(target).LinkTarget == null)) PathInRoot.Remove(target);
                    Directory.CreateDirectory(target);
                    Own(target, e, root_);
                    File.SetUnixFileMode(target, mode);
                    dirTimes.Add((target, e.ModificationTime));
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    PathInRoot.Remove(target);
                    using (var f = new FileStream(target, FileMode.CreateNew, FileAccess.Write))
                        e.DataStream?.CopyTo(f);
                    Own(target, e, root_);
                    File.SetUnixFileMode(target, mode);
                    File.SetLastWriteTimeUtc(target, e.ModificationTime.UtcDateTime);
                    break;
                case TarEntryType.SymbolicLink:
                    PathInRoot.Remove(target);
                    File.CreateSymbolicLink(target, e.LinkName);
                    Own(target, e, root_);
                    break;
                case TarEntryType.HardLink:
                {
                    var lp = PathInRoot.Components(e.LinkName) ?? throw new InvalidDataException($"hard link '{e.Name}' -> '{e.LinkName}' leaves the root");
                    if (lp.Count == 0) throw new InvalidDataException($"hard link '{e.Name}' to the root");
                    string linkParent = PathInRoot.ResolveDirectory(root, lp.Take(lp.Count - 1).ToList(), create: false);
                    string source = Path.Combine(linkParent, lp[^1]);
                    PathInRoot.Remove(target);
                    if (Native.Link(source, target) != 0)
                        throw new IOException($"hard link {e.Name} -> {e.LinkName}: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
                    break;
                }
                default:
                    // Device nodes and FIFOs: the Sentry serves /dev itself; nothing to create.
                    continue;
            }
            created.Add(target);
        }
        // Directory times last: creating their children changed them.
        for (int i = dirTimes.Count - 1; i >= 0; i--)
            if (Directory.Exists(dirTimes[i].Path)) Directory.SetLastWriteTimeUtc(dirTimes[i].Path, dirTimes[i].Time.UtcDateTime);
    }

    /// <summary>
    /// The next entry, or null at the end. Some writers (umoci, seen with critest's images) end
    /// a layer right after the last file's data, without its block padding and the two zero
    /// blocks; like containerd, take that as the end of the archive.
    /// </summary>
    private static TarEntry? NextEntry(TarReader reader)
    {
        try { return reader.GetNextEntry(); }
        catch (EndOfStreamException) { return null; }
    }

    private static void Own(string path, TarEntry e, bool asRoot)
    {
        if (asRoot && (e.Uid != 0 || e.Gid != 0)) Native.LChown(path, e.Uid, e.Gid);
    }
}
