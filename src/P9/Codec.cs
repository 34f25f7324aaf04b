using System.Buffers.Binary;

namespace Sandbox.P9;

/// <summary>
/// Frames and unframes 9P2000.L messages: size[4] type[1] tag[2] body. Decoding is strict: the
/// size field must equal the frame length and lie within msize, every field must fit, and the
/// body must be consumed exactly. Any violation throws <see cref="P9FormatException"/>.
/// </summary>
public static class Codec
{
    /// <summary>Encodes <paramref name="m"/> with <paramref name="tag"/>; returns the frame length.</summary>
    public static int Encode(Message m, ushort tag, Span<byte> buffer)
    {
        var w = new WireWriter(buffer);
        w.SkipHeader();
        m.WriteBody(ref w);
        w.PatchHeader(m.Type, tag);
        return w.Length;
    }

    public static byte[] Encode(Message m, ushort tag)
    {
        var tmp = new byte[P9.MaxMsize];
        int n = Encode(m, tag, tmp);
        return tmp[..n];
    }

    /// <summary>Reads the header of a frame's first 7 bytes; checks the size against msize.</summary>
    public static (int Size, MessageType Type, ushort Tag) ParseHeader(ReadOnlySpan<byte> header, uint msize)
    {
        if (header.Length < P9.HeaderSize) throw new P9FormatException("frame shorter than its header");
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (size < P9.HeaderSize) throw new P9FormatException($"frame size {size} is below the header size");
        if (size > msize) throw new P9FormatException($"frame size {size} exceeds msize {msize}");
        return ((int)size, (MessageType)header[4], BinaryPrimitives.ReadUInt16LittleEndian(header[5..]));
    }

    /// <summary>True for message types this codec knows (T and R forms).</summary>
    public static bool IsKnown(MessageType t) => Enum.IsDefined(t) && t != MessageType.Tlerror;

    /// <summary>
    /// Decodes one whole frame. Payloads (Twrite, Rread, Rreaddir data) alias
    /// <paramref name="frame"/>; copy them before the buffer is reused.
    /// </summary>
    public static (ushort Tag, Message Message) Decode(ReadOnlyMemory<byte> frame, uint msize = P9.MaxMsize)
    {
        var span = frame.Span;
        var (size, type, tag) = ParseHeader(span, msize);
        if (size != frame.Length) throw new P9FormatException($"size field {size} but the frame has {frame.Length} bytes");
        var body = frame[P9.HeaderSize..];
        var r = new WireReader(body.Span);
        Message m = type switch
        {
            MessageType.Tversion => Tversion.Read(ref r),
            MessageType.Rversion => Rversion.Read(ref r),
            MessageType.Tauth => Tauth.Read(ref r),
            MessageType.Rauth => Rauth.Read(ref r),
            MessageType.Tattach => Tattach.Read(ref r),
            MessageType.Rattach => Rattach.Read(ref r),
            MessageType.Tflush => Tflush.Read(ref r),
            MessageType.Rflush => new Rflush(),
            MessageType.Rlerror => Rlerror.Read(ref r),
            MessageType.Twalk => Twalk.Read(ref r),
            MessageType.Rwalk => Rwalk.Read(ref r),
            MessageType.Tlopen => Tlopen.Read(ref r),
            MessageType.Rlopen => Rlopen.Read(ref r),
            MessageType.Tlcreate => Tlcreate.Read(ref r),
            MessageType.Rlcreate => Rlcreate.Read(ref r),
            MessageType.Tread => Tread.Read(ref r),
            MessageType.Rread => Rread.Read(ref r, body),
            MessageType.Twrite => Twrite.Read(ref r, body),
            MessageType.Rwrite => Rwrite.Read(ref r),
            MessageType.Tclunk => Tclunk.Read(ref r),
            MessageType.Rclunk => new Rclunk(),
            MessageType.Tremove => Tremove.Read(ref r),
            MessageType.Rremove => new Rremove(),
            MessageType.Tfsync => Tfsync.Read(ref r),
            MessageType.Rfsync => new Rfsync(),
            MessageType.Tgetattr => Tgetattr.Read(ref r),
            MessageType.Rgetattr => Rgetattr.Read(ref r),
            MessageType.Tsetattr => Tsetattr.Read(ref r),
            MessageType.Rsetattr => new Rsetattr(),
            MessageType.Tstatfs => Tstatfs.Read(ref r),
            MessageType.Rstatfs => Rstatfs.Read(ref r),
            MessageType.Treaddir => Treaddir.Read(ref r),
            MessageType.Rreaddir => Rreaddir.Read(ref r, body),
            MessageType.Tmkdir => Tmkdir.Read(ref r),
            MessageType.Rmkdir => Rmkdir.Read(ref r),
            MessageType.Tmknod => Tmknod.Read(ref r),
            MessageType.Rmknod => Rmknod.Read(ref r),
            MessageType.Tsymlink => Tsymlink.Read(ref r),
            MessageType.Rsymlink => Rsymlink.Read(ref r),
            MessageType.Tlink => Tlink.Read(ref r),
            MessageType.Rlink => new Rlink(),
            MessageType.Treadlink => Treadlink.Read(ref r),
            MessageType.Rreadlink => Rreadlink.Read(ref r),
            MessageType.Trename => Trename.Read(ref r),
            MessageType.Rrename => new Rrename(),
            MessageType.Trenameat => Trenameat.Read(ref r),
            MessageType.Rrenameat => new Rrenameat(),
            MessageType.Tunlinkat => Tunlinkat.Read(ref r),
            MessageType.Runlinkat => new Runlinkat(),
            MessageType.Txattrwalk => Txattrwalk.Read(ref r),
            MessageType.Rxattrwalk => Rxattrwalk.Read(ref r),
            MessageType.Txattrcreate => Txattrcreate.Read(ref r),
            MessageType.Rxattrcreate => new Rxattrcreate(),
            MessageType.Tlock => Tlock.Read(ref r),
            MessageType.Rlock => Rlock.Read(ref r),
            MessageType.Tgetlock => Tgetlock.Read(ref r),
            MessageType.Rgetlock => Rgetlock.Read(ref r),
            _ => throw new P9FormatException($"unknown message type {(byte)type}"),
        };
        r.End();
        return (tag, m);
    }
}
