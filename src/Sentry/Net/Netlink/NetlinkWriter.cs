using System.Buffers.Binary;
using Sandbox.Linux.Abi;

namespace Sandbox.Sentry.Net.Netlink;

/// <summary>Builds netlink messages (nlmsghdr, a family header, then attributes), each padded to 4 bytes (NLMSG_ALIGN).</summary>
internal sealed class NetlinkWriter
{
    private byte[] _buf = new byte[1024];
    public int Length { get; private set; }

    public ReadOnlySpan<byte> Written => _buf.AsSpan(0, Length);

    public void Clear() => Length = 0;

    private Span<byte> Grow(int n)
    {
        int need = Length + ((n + 3) & ~3);
        if (need > _buf.Length) Array.Resize(ref _buf, Math.Max(need, _buf.Length * 2));
        var s = _buf.AsSpan(Length, (n + 3) & ~3);
        s.Clear();
        Length = need;
        return s[..n];
    }

    /// <summary>Starts a message; returns where it starts, for <see cref="End"/>.</summary>
    public int Begin(ushort type, ushort flags, uint seq, uint pid)
    {
        int at = Length;
        var h = Grow(NetlinkAbi.HeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], seq);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], pid);
        return at;
    }

    /// <summary>Room for a fixed family header (ifinfomsg, ifaddrmsg, rtmsg, an error's payload).</summary>
    public Span<byte> Body(int size) => Grow(size);

    public void End(int start) => BinaryPrimitives.WriteUInt32LittleEndian(_buf.AsSpan(start), (uint)(Length - start));

    /// <summary>struct rtattr (or nlattr): 4-byte header, then the value, padded.</summary>
    public void Attr(ushort type, ReadOnlySpan<byte> value)
    {
        var a = Grow(4 + value.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(a, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(a[2..], type);
        value.CopyTo(a[4..]);
    }

    public void AttrU32(ushort type, uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        Attr(type, b);
    }

    public void AttrU8(ushort type, byte v) => Attr(type, stackalloc byte[] { v });

    /// <summary>A NUL-terminated string attribute.</summary>
    public void AttrString(ushort type, string s)
    {
        Span<byte> b = stackalloc byte[s.Length + 1];
        System.Text.Encoding.ASCII.GetBytes(s, b);
        b[^1] = 0;
        Attr(type, b);
    }
}
