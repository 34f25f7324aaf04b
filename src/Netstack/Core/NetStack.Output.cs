using System.Buffers;
using Sandbox.Linux;

namespace Sandbox.Netstack;

public sealed partial class NetStack
{
    private ushort _ipId = (ushort)Random.Shared.Next();

    /// <summary>
    /// Sends a transport payload held at <c>buf[Headroom .. Headroom+length]</c>: writes the IP
    /// and Ethernet headers in front of it. IPv4 datagrams larger than the MTU are fragmented
    /// unless <paramref name="dontFragment"/>. Returns 0 or -errno.
    /// </summary>
    internal int SendIp(in Route r, byte proto, byte[] buf, int length, int ttl = -1, bool dontFragment = false, byte tos = 0,
        int gsoSegment = 0, int transportHeader = 0)
    {
        byte hops = (byte)(ttl < 0 ? Options.DefaultTtl : ttl);
        if (!r.Remote.IsV6)
        {
            int ipStart = Headroom - Ipv4Header.Length;
            if (gsoSegment > 0)
            {
                Ipv4Header.Write(buf.AsSpan(ipStart), Ipv4Header.Length + length, _ipId, Ipv4Header.FlagDontFragment, hops, proto, r.Local, r.Remote, tos);
                _ipId += (ushort)((length - transportHeader + gsoSegment - 1) / gsoSegment);
                var g = new GsoRequest(gsoSegment, EthernetHeader.Length + Ipv4Header.Length,
                    EthernetHeader.Length + Ipv4Header.Length + transportHeader, false);
                return EmitGso(r, EthernetHeader.TypeIpv4, buf, ipStart - EthernetHeader.Length, EthernetHeader.Length + Ipv4Header.Length + length, g);
            }
            if (Ipv4Header.Length + length > r.Nic.Mtu)
            {
                if (dontFragment) return -(int)Errno.EMSGSIZE;
                return FragmentV4(r, proto, buf, length, hops, tos);
            }
            Ipv4Header.Write(buf.AsSpan(ipStart), Ipv4Header.Length + length, _ipId++,
                dontFragment ? Ipv4Header.FlagDontFragment : (ushort)0, hops, proto, r.Local, r.Remote, tos);
            EmitFrame(r.Nic, r.NextHop, EthernetHeader.TypeIpv4, buf, ipStart - EthernetHeader.Length,
                EthernetHeader.Length + Ipv4Header.Length + length);
        }
        else
        {
            int ipStart = Headroom - Ipv6Header.Length;
            if (gsoSegment > 0)
            {
                Ipv6Header.Write(buf.AsSpan(ipStart), length, proto, hops, r.Local, r.Remote);
                var g = new GsoRequest(gsoSegment, EthernetHeader.Length + Ipv6Header.Length,
                    EthernetHeader.Length + Ipv6Header.Length + transportHeader, true);
                return EmitGso(r, EthernetHeader.TypeIpv6, buf, ipStart - EthernetHeader.Length, EthernetHeader.Length + Ipv6Header.Length + length, g);
            }
            if (Ipv6Header.Length + length > r.Nic.Mtu)
                return dontFragment ? -(int)Errno.EMSGSIZE : FragmentV6(r, proto, buf, length, hops);
            Ipv6Header.Write(buf.AsSpan(ipStart), length, proto, hops, r.Local, r.Remote);
            EmitFrame(r.Nic, r.NextHop, EthernetHeader.TypeIpv6, buf, ipStart - EthernetHeader.Length,
                EthernetHeader.Length + Ipv6Header.Length + length);
        }
        return 0;
    }

    private int FragmentV4(in Route r, byte proto, byte[] buf, int length, byte ttl, byte tos)
    {
        int chunk = (r.Nic.Mtu - Ipv4Header.Length) & ~7;
        if (chunk <= 0) return -(int)Errno.EMSGSIZE;
        ushort id = _ipId++;
        var frag = ArrayPool<byte>.Shared.Rent(Headroom + chunk);
        try
        {
            for (int off = 0; off < length; off += chunk)
            {
                int n = Math.Min(chunk, length - off);
                bool more = off + n < length;
                buf.AsSpan(Headroom + off, n).CopyTo(frag.AsSpan(Headroom));
                int ipStart = Headroom - Ipv4Header.Length;
                Ipv4Header.Write(frag.AsSpan(ipStart), Ipv4Header.Length + n, id,
                    (ushort)((more ? Ipv4Header.FlagMoreFragments : 0) | (off >> 3)), ttl, proto, r.Local, r.Remote, tos);
                EmitFrame(r.Nic, r.NextHop, EthernetHeader.TypeIpv4, frag, ipStart - EthernetHeader.Length,
                    EthernetHeader.Length + Ipv4Header.Length + n);
                Stats.FragmentsOut++;
            }
        }
        finally { ArrayPool<byte>.Shared.Return(frag); }
        return 0;
    }

    /// <summary>A TCP super-segment: only sent when the next hop is already resolved (TCP retransmits otherwise).</summary>
    private int EmitGso(in Route r, ushort type, byte[] buf, int start, int length, in GsoRequest g)
    {
        if (!r.Nic.Up) return 0;
        if (!r.Nic.Neighbors.TryGet(r.NextHop, Now, out var dst)) return -(int)Errno.EAGAIN;
        var frame = buf.AsSpan(start, length);
        EthernetHeader.Write(frame, dst, r.Nic.Link.Mac, type);
        Stats.FramesOut++;
        r.Nic.Link.SendGso(frame, g);
        return 0;
    }

    private uint _ip6Id = (uint)Random.Shared.Next();

    /// <summary>IPv6 fragmentation by the source (RFC 8200 section 4.5).</summary>
    private int FragmentV6(in Route r, byte proto, byte[] buf, int length, byte hops)
    {
        const int fragHeader = 8;
        int chunk = (r.Nic.Mtu - Ipv6Header.Length - fragHeader) & ~7;
        if (chunk <= 0) return -(int)Errno.EMSGSIZE;
        uint id = _ip6Id++;
        var frag = ArrayPool<byte>.Shared.Rent(Headroom + fragHeader + chunk);
        try
        {
            for (int off = 0; off < length; off += chunk)
            {
                int n = Math.Min(chunk, length - off);
                bool more = off + n < length;
                var f = frag.AsSpan(Headroom);
                f[0] = proto; f[1] = 0;
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(f[2..], (ushort)(off | (more ? 1 : 0)));
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(f[4..], id);
                buf.AsSpan(Headroom + off, n).CopyTo(f[fragHeader..]);
                int ipStart = Headroom - Ipv6Header.Length;
                Ipv6Header.Write(frag.AsSpan(ipStart), fragHeader + n, Ipv6Header.Fragment, hops, r.Local, r.Remote);
                EmitFrame(r.Nic, r.NextHop, EthernetHeader.TypeIpv6, frag, ipStart - EthernetHeader.Length,
                    EthernetHeader.Length + Ipv6Header.Length + fragHeader + n);
                Stats.FragmentsOut++;
            }
        }
        finally { ArrayPool<byte>.Shared.Return(frag); }
        return 0;
    }

    /// <summary>Adds the Ethernet header and sends, or parks the frame until the next hop is resolved.</summary>
    internal void EmitFrame(Nic nic, Address nextHop, ushort type, byte[] buf, int start, int length)
    {
        if (!nic.Up) return;  // a down interface drops what is sent through it
        var frame = buf.AsSpan(start, length);
        MacAddress dst;
        if (!nic.Link.NeedsResolution) dst = MacAddress.Zero;
        else if (nextHop.IsMulticast) dst = nextHop.IsV6 ? MacAddress.ForV6Multicast(nextHop) : MacAddress.ForV4Multicast(nextHop);
        else if (nextHop.IsBroadcast || nic.IsSubnetBroadcast(nextHop)) dst = MacAddress.Broadcast;
        else if (!nic.Neighbors.TryGet(nextHop, Now, out dst))
        {
            EthernetHeader.Write(frame, MacAddress.Zero, nic.Link.Mac, type);
            if (nic.Neighbors.Enqueue(nextHop, frame, Now))
            {
                Solicit(nic, nextHop);
                ArmTimer(nic, Now + NeighborCache.RetryUs);
            }
            return;
        }
        EthernetHeader.Write(frame, dst, nic.Link.Mac, type);
        Stats.FramesOut++;
        nic.Link.Send(frame);
    }

    /// <summary>Sends an ARP request or an NDP neighbour solicitation for <paramref name="ip"/>.</summary>
    internal void Solicit(Nic nic, Address ip)
    {
        if (!nic.Up || !nic.TryPickSource(ip, out var src)) return;
        if (!ip.IsV6)
        {
            var f = ControlBuffer;
            EthernetHeader.Write(f, MacAddress.Broadcast, nic.Link.Mac, EthernetHeader.TypeArp);
            ArpPacket.Write(f[EthernetHeader.Length..], ArpPacket.OpRequest, nic.Link.Mac, src, MacAddress.Zero, ip);
            Stats.FramesOut++;
            nic.Link.Send(f[..(EthernetHeader.Length + ArpPacket.Length)]);
        }
        else SendNeighborSolicitation(nic, src, ip);
    }

    /// <summary>Sends the frames that waited for a neighbour now resolved.</summary>
    private void ReleasePending(Nic nic, NeighborCache.Entry? e)
    {
        if (e == null) return;
        while (e.Pending.TryDequeue(out var p))
        {
            if (!nic.Up) { ArrayPool<byte>.Shared.Return(p.Buf); continue; }
            e.Mac.WriteTo(p.Buf);
            Stats.FramesOut++;
            nic.Link.Send(p.Buf.AsSpan(0, p.Len));
            ArrayPool<byte>.Shared.Return(p.Buf);
        }
    }
}
