using System.Security.Cryptography;

namespace Sandbox.Shim.Images;

/// <summary>A read-only pass-through that hashes (sha256) every byte read: a layer's diff ID as it is unpacked.</summary>
internal sealed class DigestingStream(Stream inner) : Util.ReadOnlyStream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>"sha256:HEX" of what was read so far.</summary>
    public string Digest() => "sha256:" + Convert.ToHexStringLower(_hash.GetCurrentHash());

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        _hash.AppendData(buffer[..n]);
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _hash.Dispose();
        base.Dispose(disposing);
    }
}
