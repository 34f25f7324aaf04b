using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Sandbox.Shim.Config;

namespace Sandbox.Shim.Images;

/// <summary>A manifest as served: raw bytes (digests are over them), media type and digest.</summary>
public sealed record FetchedManifest(byte[] Body, string MediaType, string Digest);

public sealed class RegistryException(string message, bool notFound = false) : Exception(message)
{
    public bool NotFound { get; } = notFound;
}

/// <summary>
/// Speaks the OCI distribution API (GET manifests and blobs) to a registry or its configured
/// mirrors, with anonymous, basic or bearer-token authentication.
/// </summary>
public sealed class RegistryClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly CriConfig _config;

    public RegistryClient(CriConfig config, HttpMessageHandler? handler = null)
    {
        _config = config;
        _http = handler != null ? new HttpClient(handler) : new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = true, ConnectTimeout = TimeSpan.FromSeconds(10) });
        _http.Timeout = TimeSpan.FromMinutes(10);
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("sandbox-cri/0.1");
    }

    /// <summary>Where to ask for images of <paramref name="registry"/>: its mirrors in order, then itself.</summary>
    public IReadOnlyList<string> Endpoints(string registry)
    {
        var list = new List<string>();
        if (_config.RegistryMirrors.TryGetValue(registry, out var mirrors)) list.AddRange(mirrors.Select(m => m.TrimEnd('/')));
        string host = registry == ImageReference.DockerHub ? "registry-1.docker.io" : registry;
        bool plain = _config.InsecureRegistries.Contains(registry) || registry.StartsWith("localhost", StringComparison.Ordinal)
            || registry.StartsWith("127.", StringComparison.Ordinal) || registry.StartsWith("[::1]", StringComparison.Ordinal);
        list.Add((plain ? "http://" : "https://") + host);
        return list;
    }

    /// <summary>Finds the first endpoint that serves the manifest; later requests of this pull go there.</summary>
    public async Task<(string Endpoint, FetchedManifest Manifest)> ResolveAsync(ImageReference r, RegistryAuth auth, CancellationToken ct)
    {
        var errors = new List<string>();
        bool allNotFound = true;
        foreach (var ep in Endpoints(r.Registry))
        {
            try { return (ep, await GetManifestAsync(ep, r.Repository, r.ManifestReference, auth, ct).ConfigureAwait(false)); }
            catch (RegistryException e) { errors.Add($"{ep}: {e.Message}"); allNotFound &= e.NotFound; }
            catch (HttpRequestException e) { errors.Add($"{ep}: {e.Message}"); allNotFound = false; }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested) { errors.Add($"{ep}: timed out"); allNotFound = false; }
        }
        throw new RegistryException($"pulling {r}: {string.Join("; ", errors)}", allNotFound);
    }

    public async Task<FetchedManifest> GetManifestAsync(string endpoint, string repo, string reference, RegistryAuth auth, CancellationToken ct)
    {
        using var resp = await SendAsync(() =>
        {
            var req = new HttpRequestMessage(HttpMethod.Get, $"{endpoint}/v2/{repo}/manifests/{reference}");
            foreach (var t in MediaTypes.ManifestAccept) req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(t));
            return req;
        }, endpoint, repo, auth, ct).ConfigureAwait(false);
        if (resp.StatusCode == HttpStatusCode.NotFound) throw new RegistryException($"manifest {repo}:{reference} not found", notFound: true);
        if (!resp.IsSuccessStatusCode) throw new RegistryException($"manifest {repo}:{reference}: HTTP {(int)resp.StatusCode} {resp.ReasonPhrase}", notFound: false);
        var body = await resp.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        string digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
        if (reference.StartsWith("sha256:", StringComparison.Ordinal) && reference != digest)
            throw new RegistryException($"manifest {repo}@{reference}: content has digest {digest}");
        string mediaType = resp.Content.Headers.ContentType?.MediaType ?? "";
        // The media type in the document itself wins over a generic Content-Type.
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("mediaType", out var mt) && mt.GetString() is { Length: > 0 } m) mediaType = m;
            else if (!MediaTypes.IsIndex(mediaType) && !MediaTypes.IsManifest(mediaType))
                mediaType = doc.RootElement.TryGetProperty("manifests", out _) ? MediaTypes.OciIndex : MediaTypes.OciManifest;
            if (doc.RootElement.TryGetProperty("schemaVersion", out var sv) && sv.GetInt32() == 1)
                throw new RegistryException($"manifest {repo}:{reference} is Docker schema 1, which is not supported");
        }
        catch (JsonException e) { throw new RegistryException($"manifest {repo}:{reference}: not JSON ({e.Message})"); }
        return new FetchedManifest(body, mediaType, digest);
    }

    /// <summary>
    /// Downloads a blob into <paramref name="dest"/>, verifying its digest (sha256);
    /// <paramref name="received"/> is told the bytes so far after every read.
    /// </summary>
    public async Task GetBlobAsync(string endpoint, string repo, string digest, string dest, RegistryAuth auth, CancellationToken ct, Action<long>? received = null)
    {
        if (!digest.StartsWith("sha256:", StringComparison.Ordinal)) throw new RegistryException($"blob {digest}: only sha256 digests are supported");
        using var resp = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, $"{endpoint}/v2/{repo}/blobs/{digest}"), endpoint, repo, auth, ct).ConfigureAwait(false);
        if (!resp.IsSuccessStatusCode) throw new RegistryException($"blob {repo}@{digest}: HTTP {(int)resp.StatusCode} {resp.ReasonPhrase}", resp.StatusCode == HttpStatusCode.NotFound);
        string tmp = dest + ".part-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            await using (var src = await resp.Content.ReadAsStreamAsync(ct).ConfigureAwait(false))
            await using (var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            {
                var buf = new byte[81920];
                int n;
                long total = 0;
                while ((n = await src.ReadAsync(buf, ct).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buf, 0, n);
                    await file.WriteAsync(buf.AsMemory(0, n), ct).ConfigureAwait(false);
                    received?.Invoke(total += n);
                }
                string got = "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
                if (got != digest) throw new RegistryException($"blob {repo}@{digest}: content has digest {got}");
            }
            File.Move(tmp, dest, overwrite: true);
        }
        finally { if (File.Exists(tmp)) File.Delete(tmp); }
    }

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> make, string endpoint, string repo, RegistryAuth auth, CancellationToken ct)
    {
        string key = endpoint + "/" + repo;
        for (int attempt = 0; ; attempt++)
        {
            var req = make();
            req.Headers.Authorization = auth.HeaderFor(key);
            var resp = await _http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            if (resp.StatusCode == HttpStatusCode.Unauthorized && attempt < 2 && await auth.AnswerChallengeAsync(_http, key, resp, ct).ConfigureAwait(false))
            {
                resp.Dispose();
                continue;
            }
            if (resp.StatusCode == HttpStatusCode.Unauthorized)
            {
                resp.Dispose();
                throw new RegistryException($"{endpoint}/v2/{repo}: unauthorized (credentials missing or refused)");
            }
            return resp;
        }
    }

    public void Dispose() => _http.Dispose();
}
