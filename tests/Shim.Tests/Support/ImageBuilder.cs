using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sandbox.Shim.Tests.Support;

/// <summary>Builds image layers (gzip tars) and pushes blobs and manifests with the registry's HTTP API.</summary>
public static class ImageBuilder
{
    public const string HostBusybox = "/bin/busybox";
    public static readonly string[] Applets = { "sh", "echo", "cat", "ls", "sleep", "true", "false", "env", "hostname", "pwd", "id" };

    public sealed record Blob(string Digest, byte[] Data, string MediaType)
    {
        public JsonObject Descriptor() => new() { ["mediaType"] = MediaType, ["digest"] = Digest, ["size"] = Data.Length };
    }

    public static Blob MakeBlob(byte[] data, string mediaType)
        => new("sha256:" + Convert.ToHexStringLower(SHA256.HashData(data)), data, mediaType);

    /// <summary>A gzip tar layer from entries built by <paramref name="fill"/>.</summary>
    public static Blob Layer(Action<TarWriter> fill, string mediaType = "application/vnd.oci.image.layer.v1.tar+gzip")
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gz, TarEntryFormat.Pax, leaveOpen: true))
            fill(tar);
        return MakeBlob(ms.ToArray(), mediaType);
    }

    /// <summary>A zstd tar layer (compressed with ZstdSharp); also returns the tar's digest (its diff ID).</summary>
    public static (Blob Layer, string DiffId) ZstdLayer(Action<TarWriter> fill)
    {
        var tarBytes = new MemoryStream();
        using (var tar = new TarWriter(tarBytes, TarEntryFormat.Pax, leaveOpen: true))
            fill(tar);
        byte[] plain = tarBytes.ToArray();
        using var compressor = new ZstdSharp.Compressor(3);
        return (MakeBlob(compressor.Wrap(plain).ToArray(), "application/vnd.oci.image.layer.v1.tar+zstd"),
                "sha256:" + Convert.ToHexStringLower(SHA256.HashData(plain)));
    }

    public static void Dir(TarWriter t, string name, int mode = 0b111_101_101)
        => t.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name) { Mode = (UnixFileMode)mode, ModificationTime = DateTimeOffset.UnixEpoch.AddDays(1) });

    public static void File(TarWriter t, string name, byte[] content, int mode = 0b110_100_100)
        => t.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { Mode = (UnixFileMode)mode, DataStream = new MemoryStream(content), ModificationTime = DateTimeOffset.UnixEpoch.AddDays(1) });

    public static void Symlink(TarWriter t, string name, string target)
        => t.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target, Mode = (UnixFileMode)0b111_111_111 });

    /// <summary>Layer 1: /bin/busybox from the host's busybox-static with applet symlinks, /etc, /tmp.</summary>
    public static Blob BusyboxLayer() => Layer(t =>
    {
        Dir(t, "bin/");
        File(t, "bin/busybox", System.IO.File.ReadAllBytes(HostBusybox), 0b111_101_101);
        foreach (var a in Applets) Symlink(t, "bin/" + a, "busybox");
        Dir(t, "etc/");
        File(t, "etc/removed-by-layer2", Encoding.UTF8.GetBytes("lower\n"));
        Dir(t, "etc/opaque/");
        File(t, "etc/opaque/old", Encoding.UTF8.GetBytes("old\n"));
        Dir(t, "tmp/", 0b111_111_111 | 0x200);
    });

    /// <summary>Layer 2: a file, a whiteout and an opaque directory.</summary>
    public static Blob SecondLayer() => Layer(t =>
    {
        Dir(t, "etc/");
        File(t, "etc/hello.txt", Encoding.UTF8.GetBytes("hello from layer 2\n"));
        File(t, "etc/.wh.removed-by-layer2", Array.Empty<byte>());
        Dir(t, "etc/opaque/");
        File(t, "etc/opaque/.wh..wh..opq", Array.Empty<byte>());
        File(t, "etc/opaque/new", Encoding.UTF8.GetBytes("new\n"));
    });

    public static Blob Config(string arch = "amd64", string[]? cmd = null, string[]? env = null, string? workdir = null, string[]? diffIds = null, string? user = null)
    {
        var cfg = new JsonObject
        {
            ["architecture"] = arch,
            ["os"] = "linux",
            ["config"] = new JsonObject
            {
                ["Env"] = new JsonArray((env ?? new[] { "PATH=/bin", "IMAGE_VAR=from-image" }).Select(e => (JsonNode)JsonValue.Create(e)!).ToArray()),
                ["Cmd"] = new JsonArray((cmd ?? new[] { "sh" }).Select(e => (JsonNode)JsonValue.Create(e)!).ToArray()),
                ["WorkingDir"] = workdir ?? "/",
            },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray((diffIds ?? Array.Empty<string>()).Select(e => (JsonNode)JsonValue.Create(e)!).ToArray()) },
        };
        if (user != null) cfg["config"]!["User"] = user;
        return MakeBlob(Encoding.UTF8.GetBytes(cfg.ToJsonString()), "application/vnd.oci.image.config.v1+json");
    }

    public static Blob Manifest(Blob config, IEnumerable<Blob> layers, bool docker = false)
    {
        string mt = docker ? "application/vnd.docker.distribution.manifest.v2+json" : "application/vnd.oci.image.manifest.v1+json";
        var cfgDesc = config.Descriptor();
        if (docker) cfgDesc["mediaType"] = "application/vnd.docker.container.image.v1+json";
        var m = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = mt,
            ["config"] = cfgDesc,
            ["layers"] = new JsonArray(layers.Select(l =>
            {
                var d = l.Descriptor();
                if (docker) d["mediaType"] = "application/vnd.docker.image.rootfs.diff.tar.gzip";
                return (JsonNode)d;
            }).ToArray()),
        };
        return MakeBlob(Encoding.UTF8.GetBytes(m.ToJsonString()), mt);
    }

    public static Blob Index(params (Blob Manifest, string Arch)[] entries)
    {
        var idx = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.index.v1+json",
            ["manifests"] = new JsonArray(entries.Select(e =>
            {
                var d = e.Manifest.Descriptor();
                d["platform"] = new JsonObject { ["architecture"] = e.Arch, ["os"] = "linux" };
                return (JsonNode)d;
            }).ToArray()),
        };
        return MakeBlob(Encoding.UTF8.GetBytes(idx.ToJsonString()), "application/vnd.oci.image.index.v1+json");
    }

    // ---- the registry's push API ----

    public static async Task PushBlobAsync(HttpClient http, Uri registry, string repo, Blob blob)
    {
        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri(registry, $"/v2/{repo}/blobs/{blob.Digest}")));
        if (head.StatusCode == HttpStatusCode.OK) return;
        using var start = await http.PostAsync(new Uri(registry, $"/v2/{repo}/blobs/uploads/"), null);
        if (start.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"upload start: {start.StatusCode}");
        var loc = start.Headers.Location!;
        if (!loc.IsAbsoluteUri) loc = new Uri(registry, loc);
        var put = new UriBuilder(loc);
        put.Query = (put.Query.Length > 1 ? put.Query[1..] + "&" : "") + "digest=" + Uri.EscapeDataString(blob.Digest);
        var content = new ByteArrayContent(blob.Data);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var done = await http.PutAsync(put.Uri, content);
        if (done.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"blob upload: {done.StatusCode} {await done.Content.ReadAsStringAsync()}");
    }

    public static async Task PushManifestAsync(HttpClient http, Uri registry, string repo, string reference, Blob manifest)
    {
        var content = new ByteArrayContent(manifest.Data);
        content.Headers.ContentType = new MediaTypeHeaderValue(manifest.MediaType);
        using var resp = await http.PutAsync(new Uri(registry, $"/v2/{repo}/manifests/{reference}"), content);
        if (resp.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"manifest push {repo}:{reference}: {resp.StatusCode} {await resp.Content.ReadAsStringAsync()}");
    }

    /// <summary>Pushes an image (config, layers, manifest) under a tag; returns the manifest.</summary>
    public static async Task<Blob> PushImageAsync(HttpClient http, Uri registry, string repo, string? tag, Blob config, Blob[] layers, bool docker = false)
    {
        foreach (var b in layers.Append(config)) await PushBlobAsync(http, registry, repo, b);
        var m = Manifest(config, layers, docker);
        await PushManifestAsync(http, registry, repo, tag ?? m.Digest, m);
        return m;
    }
}
