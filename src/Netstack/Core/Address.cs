using System.Buffers.Binary;
using System.Net;

namespace Sandbox.Netstack;

/// <summary>
/// An IPv4 or IPv6 address as a value: 16 bytes in network order (IPv4 in the low 4 bytes,
/// upper bytes zero) and a family flag, so flow keys and route lookups never allocate.
/// </summary>
public readonly struct Address : IEquatable<Address>
{
    private readonly ulong _hi, _lo; // big-endian halves
    public readonly bool IsV6;

    private Address(ulong hi, ulong lo, bool v6) { _hi = hi; _lo = lo; IsV6 = v6; }

    public static readonly Address AnyV4 = new(0, 0, false);
    public static readonly Address AnyV6 = new(0, 0, true);
    public static readonly Address BroadcastV4 = FromV4(0xffffffff);
    public static readonly Address LoopbackV4 = FromV4(0x7f000001);
    public static readonly Address LoopbackV6 = new(0, 1, true);
    public static readonly Address AllNodesV6 = new(0xff02_0000_0000_0000, 1, true);

    public static Address FromV4(uint hostOrder) => new(0, hostOrder, false);
    public uint V4 => (uint)_lo;

    public static Address FromV4(ReadOnlySpan<byte> b) => FromV4(BinaryPrimitives.ReadUInt32BigEndian(b));
    public static Address FromV6(ReadOnlySpan<byte> b) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(b), BinaryPrimitives.ReadUInt64BigEndian(b[8..]), true);
    public static Address FromV6(ulong hi, ulong lo) => new(hi, lo, true);
    public ulong Hi => _hi;
    public ulong Lo => _lo;

    public int Length => IsV6 ? 16 : 4;

    public void WriteTo(Span<byte> dst)
    {
        if (IsV6)
        {
            BinaryPrimitives.WriteUInt64BigEndian(dst, _hi);
            BinaryPrimitives.WriteUInt64BigEndian(dst[8..], _lo);
        }
        else BinaryPrimitives.WriteUInt32BigEndian(dst, V4);
    }

    public bool IsUnspecified => _hi == 0 && _lo == 0;
    public bool IsLoopback => IsV6 ? (_hi == 0 && _lo == 1) : (V4 >> 24) == 127;
    public bool IsMulticast => IsV6 ? (_hi >> 56) == 0xff : (V4 >> 28) == 0xe;
    public bool IsBroadcast => !IsV6 && V4 == 0xffffffff;
    public bool IsLinkLocalV6 => IsV6 && (_hi >> 54) == (0xfe80UL >> 6);

    /// <summary>An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as its IPv4 address, else itself.</summary>
    public Address Unmapped => IsV6 && _hi == 0 && (_lo >> 32) == 0xffff ? FromV4((uint)_lo) : this;
    public bool IsV4Mapped => IsV6 && _hi == 0 && (_lo >> 32) == 0xffff;
    public Address MappedV6 => IsV6 ? this : new(0, 0xffff_0000_0000UL | V4, true);

    /// <summary>The solicited-node multicast address (RFC 4291 2.7.1) of an IPv6 address.</summary>
    public Address SolicitedNode => new(0xff02_0000_0000_0000, 0x0000_0001_ff00_0000UL | (_lo & 0xffffff), true);

    public bool InPrefix(Address prefix, int bits)
    {
        if (IsV6 != prefix.IsV6) return false;
        if (!IsV6)
        {
            if (bits == 0) return true;
            uint mask = bits >= 32 ? 0xffffffff : ~(0xffffffffu >> bits);
            return (V4 & mask) == (prefix.V4 & mask);
        }
        if (bits <= 64)
        {
            ulong m = bits == 0 ? 0 : ~0UL << (64 - bits);
            return (_hi & m) == (prefix._hi & m);
        }
        ulong m2 = bits >= 128 ? ~0UL : ~0UL << (128 - bits);
        return _hi == prefix._hi && (_lo & m2) == (prefix._lo & m2);
    }

    /// <summary>The address with the bits past the first <paramref name="bits"/> cleared (the network of a prefix).</summary>
    public Address Masked(int bits)
    {
        if (!IsV6) return FromV4(bits <= 0 ? 0 : bits >= 32 ? V4 : V4 & ~(0xffffffffu >> bits));
        ulong hm = bits <= 0 ? 0 : bits >= 64 ? ~0UL : ~0UL << (64 - bits);
        ulong lm = bits <= 64 ? 0 : bits >= 128 ? ~0UL : ~0UL << (128 - bits);
        return FromV6(_hi & hm, _lo & lm);
    }

    public bool Equals(Address o) => _hi == o._hi && _lo == o._lo && IsV6 == o.IsV6;
    public override bool Equals(object? obj) => obj is Address a && Equals(a);
    public override int GetHashCode() => HashCode.Combine(_hi, _lo, IsV6);
    public static bool operator ==(Address a, Address b) => a.Equals(b);
    public static bool operator !=(Address a, Address b) => !a.Equals(b);

    public static Address Parse(string s) => From(IPAddress.Parse(s));

    public static Address From(IPAddress ip)
    {
        Span<byte> b = stackalloc byte[16];
        ip.TryWriteBytes(b, out int n);
        return n == 4 ? FromV4(b) : FromV6(b);
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> b = stackalloc byte[16];
        WriteTo(b);
        return new IPAddress(b[..Length]);
    }

    public override string ToString() => ToIPAddress().ToString();
}

/// <summary>An address and port (a transport endpoint's name).</summary>
public readonly record struct SockAddr(Address Addr, ushort Port)
{
    public override string ToString() => Addr.IsV6 ? $"[{Addr}]:{Port}" : $"{Addr}:{Port}";
}
