using System.Buffers.Binary;

namespace Sandbox.Netstack;

/// <summary>
/// The attributes of a netlink message (struct rtattr / nlattr: length, type, value, each padded
/// to 4 bytes; rtnetlink(7)), with the type's NLA_F_NESTED and NLA_F_NET_BYTEORDER bits masked.
/// Parsing stops at the first malformed one.
/// </summary>
public static class NetlinkAttributes
{
    public static List<(ushort Type, byte[] Value)> Parse(ReadOnlySpan<byte> b)
    {
        var list = new List<(ushort, byte[])>();
        while (b.Length >= 4)
        {
            int len = BinaryPrimitives.ReadUInt16LittleEndian(b);
            if (len < 4 || len > b.Length) break;
            list.Add(((ushort)(BinaryPrimitives.ReadUInt16LittleEndian(b[2..]) & 0x3fff), b[4..len].ToArray()));
            int step = (len + 3) & ~3;
            if (step >= b.Length) break;
            b = b[step..];
        }
        return list;
    }
}
