using System.Buffers.Binary;
using System.Text;

namespace Sandbox.Linux.Control;

/// <summary>
/// The pod Sentry's control protocol on the wire (docs/cri.md, "The pod Sentry"): every
/// message is one frame, a little-endian u32 body length, then the body: u16 protocol
/// version, u16 field count, and each field as a u32 length and that many bytes of UTF-8.
/// The first field names the request ("create", "start", ...) or the reply ("ok", "error",
/// "exit"). File descriptors travel with the frame's first byte (SCM_RIGHTS).
/// </summary>
public static class ControlFrame
{
    public const ushort Version = 1;
    /// <summary>Largest body accepted: a request is a command line, far smaller.</summary>
    public const int MaxBody = 1 << 20;
    public const int MaxFields = 8192;

    public static byte[] Encode(IReadOnlyList<string> fields)
    {
        if (fields.Count > MaxFields) throw new ArgumentException($"more than {MaxFields} fields");
        int body = 4;
        foreach (var f in fields) body += 4 + Encoding.UTF8.GetByteCount(f);
        if (body > MaxBody) throw new ArgumentException($"a control message over {MaxBody} bytes");
        var buf = new byte[4 + body];
        BinaryPrimitives.WriteUInt32LittleEndian(buf, (uint)body);
        BinaryPrimitives.WriteUInt16LittleEndian(buf.AsSpan(4), Version);
        BinaryPrimitives.WriteUInt16LittleEndian(buf.AsSpan(6), (ushort)fields.Count);
        int at = 8;
        foreach (var f in fields)
        {
            int n = Encoding.UTF8.GetBytes(f, buf.AsSpan(at + 4));
            BinaryPrimitives.WriteUInt32LittleEndian(buf.AsSpan(at), (uint)n);
            at += 4 + n;
        }
        return buf;
    }

    /// <summary>Decodes a body (the bytes after the length). Null and why for anything malformed.</summary>
    public static List<string>? Decode(ReadOnlySpan<byte> body, out string error)
    {
        error = "";
        if (body.Length < 4) { error = "a message shorter than its header"; return null; }
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(body);
        if (version != Version) { error = $"protocol version {version} (this pod speaks {Version})"; return null; }
        int count = BinaryPrimitives.ReadUInt16LittleEndian(body[2..]);
        if (count == 0) { error = "a message with no fields"; return null; }
        var fields = new List<string>(Math.Min(count, 64));
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        int at = 4;
        for (int i = 0; i < count; i++)
        {
            if (body.Length - at < 4) { error = $"field {i} runs past the message"; return null; }
            uint n = BinaryPrimitives.ReadUInt32LittleEndian(body[at..]);
            at += 4;
            if (n > (uint)(body.Length - at)) { error = $"field {i} runs past the message"; return null; }
            try { fields.Add(strict.GetString(body.Slice(at, (int)n))); }
            catch (DecoderFallbackException) { error = $"field {i} is not UTF-8"; return null; }
            at += (int)n;
        }
        if (at != body.Length) { error = "bytes after the last field"; return null; }
        return fields;
    }
}
