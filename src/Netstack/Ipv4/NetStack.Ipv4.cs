using System.Buffers;
using System.Buffers.Binary;

namespace Sandbox.Netstack;

public sealed partial class NetStack
{
    private void HandleArp(Nic nic, ReadOnlySpan<byte> p)
    {
        if (!ArpPacket.TryRead(p, out ushort op, out var sha, out var spa, out var tpa) || sha.IsMulticast)
        {
            Stats.MalformedDropped++;
            return;
        }
        bool forUs = nic.HasAddress(tpa);
        // RFC 826 merge: update an existing entry; create one only when the packet targets us.
        var e = spa.IsUnspecified ? null : nic.Neighbors.Update(spa, sha, Now, forUs);
        ReleasePending(nic, e);
        if (op == ArpPacket.OpRequest && forUs)
        {
            var f = ControlBuffer;
            EthernetHeader.Write(f, sha, nic.Link.Mac, EthernetHeader.TypeArp);
            ArpPacket.Write(f[EthernetHeader.Length..], ArpPacket.OpReply, nic.Link.Mac, tpa, sha, spa);
            Stats.FramesOut++;
            nic.Link.Send(f[..(EthernetHeader.Length + ArpPacket.Length)]);
        }
    }

    private void HandleIpv4(Nic nic, ReadOnlySpan<byte> p)
    {
        if (!Ipv4Header.TryValidate(p, out int hl, out int total)) { Stats.MalformedDropped++; return; }
        Stats.Ipv4In++;
        var src = Ipv4Header.Source(p);
        var dst = Ipv4Header.Destination(p);
        bool broadcast = dst.IsBroadcast || nic.IsSubnetBroadcast(dst);
        if (!broadcast && !dst.IsMulticast && !IsLocalAddress(dst)) { Stats.NotForUs++; return; }
        if (src.IsMulticast || src.IsBroadcast) { Stats.MalformedDropped++; return; }
        byte proto = Ipv4Header.Protocol(p);
        ushort fo = Ipv4Header.FlagsOffset(p);
        var payload = p[hl..total];
        if ((fo & (Ipv4Header.FlagMoreFragments | Ipv4Header.OffsetMask)) != 0)
        {
            var key = new Reassembler.Key(src, dst, Ipv4Header.Id(p), proto);
            if (!Reassembly.Add(key, (fo & Ipv4Header.OffsetMask) * 8, (fo & Ipv4Header.FlagMoreFragments) != 0,
                    payload, out var whole, out int len))
                return;
            try { DeliverTransport(nic, src, dst, proto, whole.AsSpan(0, len), p[..hl], broadcast || dst.IsMulticast); }
            finally { ArrayPool<byte>.Shared.Return(whole); }
            return;
        }
        DeliverTransport(nic, src, dst, proto, payload, p[..Math.Min(total, hl + 8)], broadcast || dst.IsMulticast);
    }

    /// <summary>Hands a transport payload to TCP, UDP or ICMP. <paramref name="head"/> is the start of the IP packet (for ICMP errors).</summary>
    private void DeliverTransport(Nic nic, Address src, Address dst, byte proto, ReadOnlySpan<byte> payload,
        ReadOnlySpan<byte> head, bool multi)
    {
        switch (proto)
        {
            case Ipv4Header.ProtoTcp:
                if (!multi) Tcp.HandleSegment(nic, src, dst, payload);
                break;
            case Ipv4Header.ProtoUdp:
                if (!Udp.HandleDatagram(src, dst, payload) && !multi)
                    SendUnreachable(nic, src, dst, head, payload);
                break;
            case Ipv4Header.ProtoIcmp when !src.IsV6:
                HandleIcmpv4(nic, src, dst, payload, multi, head);
                break;
            case Ipv6Header.ProtoIcmpv6 when src.IsV6:
                HandleIcmpv6(nic, src, dst, payload, head);
                break;
            default:
                if (!multi && !src.IsV6) SendIcmpv4Error(nic, src, dst, 3, 2, head, payload); // protocol unreachable
                break;
        }
    }

    private void SendUnreachable(Nic nic, Address src, Address dst, ReadOnlySpan<byte> head, ReadOnlySpan<byte> payload)
    {
        if (src.IsV6) SendIcmpv6Error(nic, src, dst, 1, 4, head, payload);     // port unreachable
        else SendIcmpv4Error(nic, src, dst, 3, 3, head, payload);
    }

    private void HandleIcmpv4(Nic nic, Address src, Address dst, ReadOnlySpan<byte> m, bool multi, ReadOnlySpan<byte> head)
    {
        if (m.Length < 8 || !Checksum.Verify(Checksum.Add(0, m))) { Stats.ChecksumErrors++; return; }
        if (Icmp.Any) Icmp.Deliver(src, dst, head[..Math.Min(head.Length, (head[0] & 0xf) * 4)], m);
        byte type = m[0];
        if (type == 8 && !multi && m.Length <= 65535 - Headroom) // echo request (RFC 792)
        {
            if (FindRoute(src, dst, out var r) != 0) return;
            var buf = ArrayPool<byte>.Shared.Rent(Headroom + m.Length);
            try
            {
                var reply = buf.AsSpan(Headroom, m.Length);
                m.CopyTo(reply);
                reply[0] = 0; reply[2] = reply[3] = 0;
                BinaryPrimitives.WriteUInt16BigEndian(reply[2..], Checksum.Compute(reply));
                Stats.IcmpEchoReplies++;
                SendIp(r, Ipv4Header.ProtoIcmp, buf, m.Length);
            }
            finally { ArrayPool<byte>.Shared.Return(buf); }
        }
        else if (type == 3 && m.Length >= 8 + Ipv4Header.Length + 8)
        {
            // Destination unreachable about one of our packets: tell the transport (RFC 1122 4.2.3.9).
            var inner = m[8..];
            if (inner[0] >> 4 != 4) return;
            int ihl = (inner[0] & 0xf) * 4;
            if (ihl < 20 || inner.Length < ihl + 8) return;
            var origDst = Ipv4Header.Destination(inner);
            var origSrc = Ipv4Header.Source(inner);
            ushort sp = BinaryPrimitives.ReadUInt16BigEndian(inner[ihl..]);
            ushort dp = BinaryPrimitives.ReadUInt16BigEndian(inner[(ihl + 2)..]);
            bool hard = m[1] is 2 or 3;
            if (m[1] == 4 && Ipv4Header.Protocol(inner) == Ipv4Header.ProtoTcp)
            {
                // Fragmentation needed: path MTU discovery (RFC 1191), next-hop MTU in bytes 6-7.
                Tcp.HandlePacketTooBig(origSrc, sp, origDst, dp, BinaryPrimitives.ReadUInt16BigEndian(m[6..]));
                return;
            }
            if (Ipv4Header.Protocol(inner) == Ipv4Header.ProtoUdp) Udp.HandleUnreachable(origSrc, sp, origDst, dp, hard);
            else if (Ipv4Header.Protocol(inner) == Ipv4Header.ProtoTcp) Tcp.HandleUnreachable(origSrc, sp, origDst, dp, hard);
        }
    }

    /// <summary>An ICMP error quoting the offending datagram's header and first 8 payload bytes (RFC 792).</summary>
    internal void SendIcmpv4Error(Nic nic, Address to, Address from, byte type, byte code, ReadOnlySpan<byte> head, ReadOnlySpan<byte> payload)
    {
        if (to.IsUnspecified || FindRoute(to, IsLocalAddress(from) ? from : default, out var r) != 0) return;
        var buf = _ctlBuffer;
        int quoteHead = Math.Min(head.Length, 60);
        int hl = (head[0] & 0xf) * 4;
        int quoteData = Math.Min(payload.Length, 8);
        var m = buf.AsSpan(Headroom);
        m[..8].Clear();
        m[0] = type; m[1] = code;
        head[..Math.Min(hl, quoteHead)].CopyTo(m[8..]);
        int n = 8 + Math.Min(hl, quoteHead);
        payload[..quoteData].CopyTo(m[n..]);
        n += quoteData;
        BinaryPrimitives.WriteUInt16BigEndian(m[2..], Checksum.Compute(m[..n]));
        Stats.IcmpUnreachSent++;
        SendIp(r, Ipv4Header.ProtoIcmp, buf, n);
    }
}
