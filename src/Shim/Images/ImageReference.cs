using System.Text.RegularExpressions;

namespace Sandbox.Shim.Images;

/// <summary>
/// An image reference normalized the way Docker and containerd do it: "busybox" is
/// docker.io/library/busybox:latest; a first component with a dot, a colon or "localhost"
/// names the registry; a reference has a tag, a digest, or both (then the digest wins).
/// </summary>
public sealed partial record ImageReference(string Registry, string Repository, string? Tag, string? Digest)
{
    public const string DockerHub = "docker.io";

    /// <summary>registry/repository — the name a tag or digest is attached to.</summary>
    public string Name => $"{Registry}/{Repository}";

    /// <summary>The tag reference (registry/repo:tag), or null for a digest-only reference.</summary>
    public string? TagRef => Tag == null ? null : $"{Name}:{Tag}";

    /// <summary>What the registry's manifest endpoint is asked for.</summary>
    public string ManifestReference => Digest ?? Tag!;

    public override string ToString() => Digest != null ? $"{Name}@{Digest}" : TagRef!;

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")]
    private static partial Regex PathComponent();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$")]
    private static partial Regex DigestPattern();

    [GeneratedRegex(@"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$")]
    private static partial Regex HostPattern();

    public static bool TryParse(string s, out ImageReference? reference, out string error)
    {
        reference = null;
        error = "";
        if (string.IsNullOrWhiteSpace(s)) { error = "empty image reference"; return false; }
        string rest = s;
        string? digest = null, tag = null;
        int at = rest.IndexOf('@');
        if (at >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
            if (!DigestPattern().IsMatch(digest)) { error = $"invalid digest '{digest}' in '{s}'"; return false; }
            if (digest.StartsWith("sha256:", StringComparison.Ordinal) && (digest.Length != 71 || !digest[7..].All(Uri.IsHexDigit)))
            { error = $"invalid sha256 digest '{digest}' in '{s}'"; return false; }
        }
        int slash = rest.LastIndexOf('/');
        int colon = rest.LastIndexOf(':');
        if (colon > slash)
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            if (!TagPattern().IsMatch(tag)) { error = $"invalid tag '{tag}' in '{s}'"; return false; }
        }
        string registry = DockerHub;
        string repo = rest;
        int first = rest.IndexOf('/');
        if (first > 0)
        {
            string head = rest[..first];
            if (head.Contains('.') || head.Contains(':') || head == "localhost" || head.Any(char.IsUpper))
            {
                registry = head;
                repo = rest[(first + 1)..];
                if (!HostPattern().IsMatch(registry)) { error = $"invalid registry '{registry}' in '{s}'"; return false; }
            }
        }
        if (registry is "index.docker.io" or "registry-1.docker.io") registry = DockerHub;
        if (registry == DockerHub && !repo.Contains('/')) repo = "library/" + repo;
        if (repo.Length == 0 || repo.Split('/').Any(c => !PathComponent().IsMatch(c)))
        { error = $"invalid repository name '{repo}' in '{s}' (lowercase letters, digits and separators only)"; return false; }
        if (tag == null && digest == null) tag = "latest";
        reference = new ImageReference(registry, repo, tag, digest);
        return true;
    }

    public static ImageReference Parse(string s)
        => TryParse(s, out var r, out var e) ? r! : throw new FormatException(e);
}
