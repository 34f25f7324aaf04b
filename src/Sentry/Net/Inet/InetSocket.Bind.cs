using System.Buffers.Binary;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Netstack;

namespace Sandbox.Sentry.Net.Inet;

public abstract partial class InetSocket
{
    /// <summary>
    /// inet_bind / inet6_bind address checks: AF_INET also takes AF_UNSPEC with INADDR_ANY (an
    /// old compatibility case in inet_bind_sk).
    /// </summary>
    protected long ParseBindAddress(ReadOnlySpan<byte> addr, out SockAddr a)
    {
        a = default;
        if (!V6 && addr.Length >= InetAbi.SockaddrInSize && InetAddress.IsUnspec(addr))
        {
            if (BinaryPrimitives.ReadUInt32BigEndian(addr.Slice(4)) != 0) return -(long)Errno.EAFNOSUPPORT;
            a = new SockAddr(Address.AnyV4, BinaryPrimitives.ReadUInt16BigEndian(addr.Slice(2)));
            return 0;
        }
        long r = ParseAddress(addr, out a);
        // inet6_bind: a v4-mapped address on an IPV6_V6ONLY socket is EINVAL (the stack says ENETUNREACH).
        if (r == 0 && a.Addr.IsV4Mapped && Endpoint.V6Only) return -(long)Errno.EINVAL;
        return r;
    }
}
