using System.Text.Json;
using Google.Protobuf;
using Sandbox.Shim.State;
using Sandbox.Shim.Util;

namespace Sandbox.Shim.Images;

/// <summary>
/// The image store under the image directory:
/// <c>blobs/sha256/HEX</c> (content-addressed manifests, configs and layers, digests verified),
/// <c>images/HEX.pb</c> (one record per image, named by its ID = config digest) and
/// <c>rootfs/HEX/</c> (the layers unpacked in order: the root filesystem containers run on).
/// </summary>
public sealed class ImageStore
{
    private readonly string _dir;
    private readonly RegistryClient _registry;
    private readonly object _lock = new();
    private readonly SemaphoreSlim _pulls = new(1, 1);
    private readonly Dictionary<string, ImageRecord> _images = new();

    public ImageStore(string dir, RegistryClient registry)
    {
        _dir = dir;
        _registry = registry;
        foreach (var d in new[] { BlobDir, ImagesDir, RootfsDir, TmpDir }) Directory.CreateDirectory(d);
        foreach (var stale in Directory.EnumerateFileSystemEntries(TmpDir)) PathInRoot.Remove(stale);
        foreach (var f in Directory.EnumerateFiles(ImagesDir, "*.pb"))
        {
            try
            {
                var r = ImageRecord.Parser.ParseFrom(File.ReadAllBytes(f));
                if (Directory.Exists(RootfsOf(r.Id))) _images[r.Id] = r;
            }
            catch (InvalidProtocolBufferException) { /* a torn record: the image is pulled again when needed */ }
        }
    }

    private string BlobDir => Path.Combine(_dir, "blobs", "sha256");
    private string ImagesDir => Path.Combine(_dir, "images");
    private string RootfsDir => Path.Combine(_dir, "rootfs");
    /// <summary>The directory holding every image's unpacked root filesystem (what microvm pods share with their VM).</summary>
    public string RootfsRoot => RootfsDir;
    private string TmpDir => Path.Combine(_dir, "tmp");
    public string Root => _dir;

    private static string Hex(string digest) => digest.StartsWith("sha256:", StringComparison.Ordinal) ? digest[7..] : digest;
    public string RootfsOf(string imageId) => Path.Combine(RootfsDir, Hex(imageId));
    private string BlobPath(string digest) => Path.Combine(BlobDir, Hex(digest));

    public IReadOnlyList<ImageRecord> List() { lock (_lock) return _images.Values.Select(i => i.Clone()).ToList(); }

    /// <summary>Finds an image by ID ("sha256:HEX" or HEX), tag reference or digest reference.</summary>
    public ImageRecord? Find(string reference)
    {
        lock (_lock)
        {
            string id = reference.StartsWith("sha256:", StringComparison.Ordinal) ? reference : "sha256:" + reference;
            if (_images.TryGetValue(id, out var byId)) return byId.Clone();
            if (!ImageReference.TryParse(reference, out var r, out _)) return null;
            string key = r!.Digest != null ? $"{r.Name}@{r.Digest}" : r.TagRef!;
            var hit = _images.Values.FirstOrDefault(i => r.Digest != null ? i.RepoDigests.Contains(key) : i.RepoTags.Contains(key));
            return hit?.Clone();
        }
    }

    /// <summary>Pulls an image (linux/amd64) and records it; returns its record.</summary>
    public async Task<ImageRecord> PullAsync(string reference, RegistryAuth auth, CancellationToken ct, IProgress<PullProgress>? progress = null)
    {
        if (!ImageReference.TryParse(reference, out var r, out string error)) throw new FormatException(error);
        await _pulls.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var (endpoint, top) = await _registry.ResolveAsync(r!, auth, ct).ConfigureAwait(false);
            var manifest = top;
            if (MediaTypes.IsIndex(top.MediaType))
            {
                string digest = ChoosePlatform(top.Body) ?? throw new RegistryException($"{r}: no linux/amd64 image in its index");
                manifest = await _registry.GetManifestAsync(endpoint, r!.Repository, digest, auth, ct).ConfigureAwait(false);
            }
            if (!MediaTypes.IsManifest(manifest.MediaType)) throw new RegistryException($"{r}: unsupported manifest type '{manifest.MediaType}'");
            SaveBlob(manifest.Digest, manifest.Body);

            using var doc = JsonDocument.Parse(manifest.Body);
            var configDesc = doc.RootElement.GetProperty("config");
            string configDigest = configDesc.GetProperty("digest").GetString()!;
            var layers = doc.RootElement.GetProperty("layers").EnumerateArray()
                .Select(l => (Digest: l.GetProperty("digest").GetString()!, Size: l.TryGetProperty("size", out var s) ? s.GetInt64() : 0,
                              MediaType: l.TryGetProperty("mediaType", out var m) ? m.GetString() ?? "" : "")).ToList();
            foreach (var l in layers) progress?.Report(new PullProgress(PullPhase.Waiting, l.Digest, 0, l.Size));

            await FetchBlobAsync(endpoint, r!.Repository, configDigest, auth, ct).ConfigureAwait(false);
            var fetched = new List<string>();
            foreach (var l in layers)
            {
                if (await FetchBlobAsync(endpoint, r.Repository, l.Digest, auth, ct, Throttled(progress, l.Digest, l.Size)).ConfigureAwait(false))
                {
                    fetched.Add(l.Digest);
                    progress?.Report(new PullProgress(PullPhase.Downloaded, l.Digest, l.Size, l.Size));
                }
                else progress?.Report(new PullProgress(PullPhase.Exists, l.Digest, l.Size, l.Size));
            }

            byte[] configJson = File.ReadAllBytes(BlobPath(configDigest));
            var diffIds = DiffIds(configJson);
            if (diffIds != null && diffIds.Count != layers.Count)
                throw new InvalidDataException($"{r}: the config lists {diffIds.Count} diff_ids for {layers.Count} layers");
            var record = ParseConfig(configJson, r.ToString());
            record.Id = configDigest;
            record.ManifestDigest = manifest.Digest;
            record.Layers.AddRange(layers.Select(l => l.Digest));
            record.Size = (ulong)(layers.Sum(l => l.Size) + configDesc.GetProperty("size").GetInt64());
            record.PulledAt = Clock.NowNs();

            string rootfs = RootfsOf(configDigest);
            if (!Directory.Exists(rootfs))
            {
                string tmp = Path.Combine(TmpDir, Hex(configDigest) + "-" + Guid.NewGuid().ToString("N")[..8]);
                Directory.CreateDirectory(tmp);
                try
                {
                    for (int i = 0; i < layers.Count; i++)
                    {
                        var l = layers[i];
                        progress?.Report(new PullProgress(PullPhase.Unpacking, l.Digest, l.Size, l.Size));
                        try { LayerUnpacker.Apply(BlobPath(l.Digest), tmp, diffIds?[i]); }
                        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
                        {
                            throw new InvalidDataException($"{r}: layer {l.Digest}: {e.Message}", e);
                        }
                        progress?.Report(new PullProgress(PullPhase.Unpacked, l.Digest, l.Size, l.Size));
                    }
                    File.SetUnixFileMode(tmp, (UnixFileMode)0b111_101_101);
                    Directory.Move(tmp, rootfs);
                }
                catch
                {
                    // Leave nothing of a failed image: the layers this pull brought that no image uses.
                    lock (_lock)
                    {
                        var keep = _images.Values.SelectMany(i => i.Layers).ToHashSet();
                        foreach (var d in fetched) if (!keep.Contains(d)) File.Delete(BlobPath(d));
                    }
                    throw;
                }
                finally { if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true); }
            }

            lock (_lock)
            {
                if (_images.TryGetValue(record.Id, out var existing))
                {
                    record.RepoTags.AddRange(existing.RepoTags);
                    record.RepoDigests.AddRange(existing.RepoDigests);
                }
                if (r.TagRef is { } tagRef)
                {
                    foreach (var other in _images.Values.Where(i => i.Id != record.Id && i.RepoTags.Contains(tagRef)).ToList())
                    {
                        other.RepoTags.Remove(tagRef);   // the tag moved to this image
                        Save(other);
                    }
                    if (!record.RepoTags.Contains(tagRef)) record.RepoTags.Add(tagRef);
                }
                string repoDigest = $"{r.Name}@{manifest.Digest}";
                if (!record.RepoDigests.Contains(repoDigest)) record.RepoDigests.Add(repoDigest);
                if (r.Digest != null && r.Digest != manifest.Digest && !record.RepoDigests.Contains($"{r.Name}@{r.Digest}"))
                    record.RepoDigests.Add($"{r.Name}@{r.Digest}"); // pulled by index digest
                _images[record.Id] = record;
                Save(record);
                progress?.Report(new PullProgress(PullPhase.Done, record.Id, (long)record.Size, (long)record.Size));
                return record.Clone();
            }
        }
        finally { _pulls.Release(); }
    }

    /// <summary>Removes an image with all its tags; false if no such image. Throws if in use.</summary>
    public bool Remove(string reference, Func<string, bool> inUse)
    {
        ImageRecord? img;
        lock (_lock)
        {
            img = Find(reference);
            if (img == null) return false;
            if (inUse(img.Id)) throw new InvalidOperationException($"image {img.Id} is in use by a container");
            _images.Remove(img.Id);
            File.Delete(Path.Combine(ImagesDir, Hex(img.Id) + ".pb"));
        }
        string rootfs = RootfsOf(img.Id);
        if (Directory.Exists(rootfs))
        {
            // Move away first so a half-deleted tree is never mistaken for an image.
            string trash = Path.Combine(TmpDir, "rm-" + Hex(img.Id));
            Directory.Move(rootfs, trash);
            Directory.Delete(trash, recursive: true);
        }
        lock (_lock)
        {
            var keep = _images.Values.SelectMany(i => i.Layers.Append(i.Id).Append(i.ManifestDigest)).ToHashSet();
            foreach (var b in img.Layers.Append(img.Id).Append(img.ManifestDigest))
                if (!keep.Contains(b) && File.Exists(BlobPath(b))) File.Delete(BlobPath(b));
        }
        return true;
    }

    /// <summary>Bytes and inodes the store uses on disk.</summary>
    public (ulong Bytes, ulong Inodes) Usage()
    {
        ulong bytes = 0, inodes = 0;
        var opts = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true };
        foreach (var fsi in new DirectoryInfo(_dir).EnumerateFileSystemInfos("*", opts))
        {
            inodes++;
            if (fsi is FileInfo fi && fi.LinkTarget == null) bytes += (ulong)fi.Length;
        }
        return (bytes, inodes);
    }

    /// <summary>Fetches a blob into the store unless it is there; true if it was fetched.</summary>
    private async Task<bool> FetchBlobAsync(string endpoint, string repo, string digest, RegistryAuth auth, CancellationToken ct, Action<long>? received = null)
    {
        if (!digest.StartsWith("sha256:", StringComparison.Ordinal) || digest.Length != 71 || !digest[7..].All(Uri.IsHexDigit))
            throw new RegistryException($"unsupported or malformed digest '{digest}'");
        if (File.Exists(BlobPath(digest))) return false;
        await _registry.GetBlobAsync(endpoint, repo, digest, BlobPath(digest), auth, ct, received).ConfigureAwait(false);
        return true;
    }

    /// <summary>A byte counter that reports Downloading at most every 100 ms, so a display never slows the download.</summary>
    private static Action<long>? Throttled(IProgress<PullProgress>? progress, string digest, long total)
    {
        if (progress == null) return null;
        long interval = System.Diagnostics.Stopwatch.Frequency / 10, last = 0;
        return bytes =>
        {
            long now = System.Diagnostics.Stopwatch.GetTimestamp();
            if (last != 0 && now - last < interval) return;
            last = now;
            progress.Report(new PullProgress(PullPhase.Downloading, digest, bytes, total));
        };
    }

    /// <summary>The config's rootfs.diff_ids (the layers' uncompressed digests), or null where it lists none.</summary>
    internal static List<string>? DiffIds(byte[] config)
    {
        using var doc = JsonDocument.Parse(config);
        if (!doc.RootElement.TryGetProperty("rootfs", out var rootfs) || rootfs.ValueKind != JsonValueKind.Object
            || !rootfs.TryGetProperty("diff_ids", out var ids) || ids.ValueKind != JsonValueKind.Array || ids.GetArrayLength() == 0)
            return null;
        return ids.EnumerateArray().Select(e => e.GetString() ?? "").ToList();
    }

    private void SaveBlob(string digest, byte[] body)
    {
        if (!File.Exists(BlobPath(digest))) AtomicFile.Write(BlobPath(digest), body);
    }

    private void Save(ImageRecord r) => AtomicFile.Write(Path.Combine(ImagesDir, Hex(r.Id) + ".pb"), r.ToByteArray());

    /// <summary>The manifest for linux/amd64 in an OCI index or Docker manifest list.</summary>
    internal static string? ChoosePlatform(byte[] index)
    {
        using var doc = JsonDocument.Parse(index);
        foreach (var m in doc.RootElement.GetProperty("manifests").EnumerateArray())
        {
            if (!m.TryGetProperty("platform", out var p)) continue;
            if (p.TryGetProperty("os", out var os) && os.GetString() == "linux"
                && p.TryGetProperty("architecture", out var arch) && arch.GetString() == "amd64")
                return m.GetProperty("digest").GetString();
        }
        return null;
    }

    /// <summary>The fields of an image config (OCI or Docker) that containers start from.</summary>
    internal static ImageRecord ParseConfig(byte[] json, string what)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        if (root.TryGetProperty("architecture", out var arch) && arch.GetString() is { } a && a != "amd64")
            throw new RegistryException($"{what}: image is for {a}, not amd64");
        if (root.TryGetProperty("os", out var os) && os.GetString() is { } o && o != "linux")
            throw new RegistryException($"{what}: image is for {o}, not linux");
        var rec = new ImageRecord();
        if (root.TryGetProperty("config", out var c) && c.ValueKind == JsonValueKind.Object)
        {
            static IEnumerable<string> Strings(JsonElement e, string name)
                => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(x => x.GetString() ?? "") : Array.Empty<string>();
            rec.Entrypoint.AddRange(Strings(c, "Entrypoint"));
            rec.Cmd.AddRange(Strings(c, "Cmd"));
            rec.Env.AddRange(Strings(c, "Env"));
            if (c.TryGetProperty("WorkingDir", out var wd) && wd.ValueKind == JsonValueKind.String) rec.WorkingDir = wd.GetString()!;
            if (c.TryGetProperty("User", out var u) && u.ValueKind == JsonValueKind.String) rec.User = u.GetString()!;
            if (c.TryGetProperty("StopSignal", out var ss) && ss.ValueKind == JsonValueKind.String) rec.StopSignal = ss.GetString()!;
            if (c.TryGetProperty("Labels", out var labels) && labels.ValueKind == JsonValueKind.Object)
                foreach (var l in labels.EnumerateObject()) rec.Labels[l.Name] = l.Value.GetString() ?? "";
        }
        return rec;
    }
}
