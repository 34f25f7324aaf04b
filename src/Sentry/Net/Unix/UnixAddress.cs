using System.Buffers.Binary;
using System.Text;
using Sandbox.Linux;
using Sandbox.Linux.Abi;

namespace Sandbox.Sentry.Net.Unix;

/// <summary>
/// A bound AF_UNIX name (unix(7)): a filesystem path, or an abstract name (sun_path starting with
/// NUL, all addrlen bytes significant). <see cref="Raw"/> is the sockaddr_un getsockname reports,
/// of exactly the reported length.
/// </summary>
public sealed class UnixAddress
{
    private UnixAddress(byte[] raw, string? path) { Raw = raw; Path = path; }

    public byte[] Raw { get; }
    /// <summary>The path for a pathname socket; null for an abstract one.</summary>
    public string? Path { get; }
    public bool IsAbstract => Path == null;
    /// <summary>The abstract name (without the leading NUL) as a dictionary key.</summary>
    public string AbstractKey => Encoding.Latin1.GetString(Raw, SocketAbi.SunPathOffset + 1, Raw.Length - SocketAbi.SunPathOffset - 1);

    /// <summary>
    /// unix_validate_addr + unix_mkname: family AF_UNIX, more than sun_family and at most a
    /// sockaddr_un. A path ends at its first NUL and is reported as strlen + 1 bytes past sun_family.
    /// </summary>
    public static long Parse(ReadOnlySpan<byte> addr, out UnixAddress? result)
    {
        result = null;
        if (addr.Length <= SocketAbi.SunPathOffset || addr.Length > SocketAbi.SockaddrUnSize) return -(long)Errno.EINVAL;
        if (BinaryPrimitives.ReadUInt16LittleEndian(addr) != SocketDomain.AF_UNIX) return -(long)Errno.EINVAL;
        var sun = addr.Slice(SocketAbi.SunPathOffset);
        if (sun[0] == 0)
        {
            result = new UnixAddress(addr.ToArray(), null);
            return 0;
        }
        int len = sun.IndexOf((byte)0);
        if (len < 0) len = sun.Length;
        var raw = new byte[SocketAbi.SunPathOffset + len + 1];
        addr.Slice(0, SocketAbi.SunPathOffset + len).CopyTo(raw);
        result = new UnixAddress(raw, Encoding.UTF8.GetString(sun.Slice(0, len)));
        return 0;
    }

    private static int _autobind = Random.Shared.Next(0xfffff);

    /// <summary>An autobind name: a NUL and five hex digits (unix_autobind).</summary>
    public static UnixAddress Auto()
    {
        int n = Interlocked.Increment(ref _autobind) & 0xfffff;
        var raw = new byte[SocketAbi.SunPathOffset + 6];
        BinaryPrimitives.WriteUInt16LittleEndian(raw, SocketDomain.AF_UNIX);
        Encoding.ASCII.GetBytes(n.ToString("x5")).CopyTo(raw, SocketAbi.SunPathOffset + 1);
        return new UnixAddress(raw, null);
    }

    /// <summary>An unnamed socket's address: only sun_family.</summary>
    public static int WriteUnnamed(Span<byte> dst)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(dst, SocketDomain.AF_UNIX);
        return SocketAbi.SunPathOffset;
    }

    public int WriteTo(Span<byte> dst)
    {
        Raw.CopyTo(dst);
        return Raw.Length;
    }
}
