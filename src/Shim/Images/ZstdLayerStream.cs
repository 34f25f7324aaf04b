using ZstdSharp;

namespace Sandbox.Shim.Images;

/// <summary>
/// A zstd-compressed layer (RFC 8878), decompressed with ZstdSharp. Bad or truncated
/// compressed data reads as InvalidDataException, as GZipStream reports it: a truncated frame
/// must not pass for the end of the tar (LayerUnpacker takes EndOfStreamException as that).
/// </summary>
internal sealed class ZstdLayerStream(Stream compressed) : Util.ReadOnlyStream
{
    private readonly DecompressionStream _inner = new(compressed, leaveOpen: true);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try { return _inner.Read(buffer); }
        catch (ZstdException e) { throw new InvalidDataException($"corrupt zstd data: {e.Message}", e); }
        catch (EndOfStreamException e) { throw new InvalidDataException("zstd data ends inside a frame", e); }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }
}
