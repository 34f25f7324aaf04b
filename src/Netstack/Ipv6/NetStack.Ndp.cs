using System.Buffers.Binary;

namespace Sandbox.Netstack;

/// <summary>Neighbour Discovery address resolution (RFC 4861 section 7).</summary>
public sealed partial class NetStack
{
    private const byte OptSourceLinkAddr = 1, OptTargetLinkAddr = 2;

    internal void SendNeighborSolicitation(Nic nic, Address src, Address target)
    {
        var dst = target.SolicitedNode;
        var m = _ctlBuffer.AsSpan(Headroom, 32);
        m.Clear();
        m[0] = 135;
        target.WriteTo(m[8..]);
        m[24] = OptSourceLinkAddr; m[25] = 1;
        nic.Link.Mac.WriteTo(m[26..]);
        SendNdp(nic, src, dst, m);
    }

    private void SendNdp(Nic nic, Address src, Address dst, Span<byte> m)
    {
        BinaryPrimitives.WriteUInt16BigEndian(m[2..],
            Checksum.Finish(Checksum.Add(Checksum.Pseudo(src, dst, Ipv6Header.ProtoIcmpv6, m.Length), m)));
        // NDP messages carry hop limit 255 so receivers know they were not forwarded (RFC 4861 7.1).
        SendIp(new Route(nic, src, dst, dst), Ipv6Header.ProtoIcmpv6, _ctlBuffer, m.Length, 255);
    }

    /// <summary>Finds a link-layer address option of the given type in NDP options.</summary>
    private static bool TryLinkAddrOption(ReadOnlySpan<byte> opts, byte type, out MacAddress mac)
    {
        mac = default;
        while (opts.Length >= 8)
        {
            int len = opts[1] * 8;
            if (len == 0 || len > opts.Length) return false;
            if (opts[0] == type && len >= 8) { mac = MacAddress.Read(opts[2..]); return true; }
            opts = opts[len..];
        }
        return false;
    }

    private void HandleNeighborSolicitation(Nic nic, Address src, ReadOnlySpan<byte> m)
    {
        if (m.Length < 24 || m[1] != 0) return;
        var target = Address.FromV6(m[8..]);
        if (!nic.HasAddress(target)) return;
        bool haveMac = TryLinkAddrOption(m[24..], OptSourceLinkAddr, out var mac);
        if (src.IsUnspecified) return; // duplicate address detection probe: we never claim tentatively
        if (haveMac) ReleasePending(nic, nic.Neighbors.Update(src, mac, Now, true));
        var a = _ctlBuffer.AsSpan(Headroom, 32);
        a.Clear();
        a[0] = 136;
        a[4] = 0x60; // solicited + override
        target.WriteTo(a[8..]);
        a[24] = OptTargetLinkAddr; a[25] = 1;
        nic.Link.Mac.WriteTo(a[26..]);
        if (!haveMac && !nic.Neighbors.TryGet(src, Now, out _)) return;
        SendNdp(nic, target, src, a);
    }

    private void HandleNeighborAdvertisement(Nic nic, ReadOnlySpan<byte> m)
    {
        if (m.Length < 24 || m[1] != 0) return;
        var target = Address.FromV6(m[8..]);
        if (TryLinkAddrOption(m[24..], OptTargetLinkAddr, out var mac))
            ReleasePending(nic, nic.Neighbors.Update(target, mac, Now, false));
    }
}
