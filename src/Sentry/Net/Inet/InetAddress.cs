using System.Buffers.Binary;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Netstack;

namespace Sandbox.Sentry.Net.Inet;

/// <summary>struct sockaddr_in (ip(7)) and sockaddr_in6 (ipv6(7)) to and from the stack's <see cref="SockAddr"/>.</summary>
public static class InetAddress
{
    /// <summary>
    /// Parses an address of the socket's family: EINVAL when too short (16 bytes for AF_INET,
    /// 24 for AF_INET6 as SIN6_LEN_RFC2133 allows), EAFNOSUPPORT for another family.
    /// </summary>
    public static int Parse(ReadOnlySpan<byte> b, bool v6, out SockAddr addr)
    {
        addr = default;
        if (b.Length < (v6 ? InetAbi.SockaddrIn6MinSize : InetAbi.SockaddrInSize)) return -(int)Errno.EINVAL;
        int family = BinaryPrimitives.ReadUInt16LittleEndian(b);
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(2));
        if (!v6)
        {
            if (family != SocketDomain.AF_INET) return -(int)Errno.EAFNOSUPPORT;
            addr = new SockAddr(Address.FromV4(b.Slice(4, 4)), port);
            return 0;
        }
        if (family != SocketDomain.AF_INET6) return -(int)Errno.EAFNOSUPPORT;
        addr = new SockAddr(Address.FromV6(b.Slice(8, 16)), port);
        return 0;
    }

    /// <summary>Writes the address in its family's form; returns the length (16 or 28).</summary>
    public static int Write(Span<byte> dst, SockAddr a, bool v6)
    {
        int len = v6 ? InetAbi.SockaddrIn6Size : InetAbi.SockaddrInSize;
        dst.Slice(0, len).Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(dst, (ushort)(v6 ? SocketDomain.AF_INET6 : SocketDomain.AF_INET));
        BinaryPrimitives.WriteUInt16BigEndian(dst.Slice(2), a.Port);
        var addr = v6 ? a.Addr.MappedV6 : a.Addr;
        if (v6) addr.WriteTo(dst.Slice(8, 16));
        else addr.WriteTo(dst.Slice(4, 4));
        return len;
    }

    public static bool IsUnspec(ReadOnlySpan<byte> b) =>
        b.Length >= 2 && BinaryPrimitives.ReadUInt16LittleEndian(b) == SocketDomain.AF_UNSPEC;
}
