using System.Buffers;
using System.Buffers.Binary;

namespace Sandbox.Netstack;

public sealed partial class NetStack
{
    private void HandleIpv6(Nic nic, ReadOnlySpan<byte> p)
    {
        if (p.Length < Ipv6Header.Length || p[0] >> 4 != 6) { Stats.MalformedDropped++; return; }
        int plen = Ipv6Header.PayloadLength(p);
        if (Ipv6Header.Length + plen > p.Length) { Stats.MalformedDropped++; return; }
        Stats.Ipv6In++;
        var src = Ipv6Header.Source(p);
        var dst = Ipv6Header.Destination(p);
        if (src.IsMulticast) { Stats.MalformedDropped++; return; }
        bool multi = dst.IsMulticast;
        if (multi ? !IsOurMulticast(nic, dst) : !IsLocalAddress(dst)) { Stats.NotForUs++; return; }

        // Walk extension headers (RFC 8200 4.1); a fragment header starts reassembly.
        byte next = Ipv6Header.NextHeader(p);
        int off = Ipv6Header.Length, end = Ipv6Header.Length + plen;
        var head = p[..Math.Min(end, Ipv6Header.Length)];
        while (true)
        {
            if (next is Ipv6Header.HopByHop or Ipv6Header.Routing or Ipv6Header.DestOptions)
            {
                if (off + 8 > end) { Stats.MalformedDropped++; return; }
                next = p[off];
                off += (p[off + 1] + 1) * 8;
                if (off > end) { Stats.MalformedDropped++; return; }
                continue;
            }
            if (next == Ipv6Header.Fragment)
            {
                if (off + 8 > end) { Stats.MalformedDropped++; return; }
                byte inner = p[off];
                ushort fo = BinaryPrimitives.ReadUInt16BigEndian(p[(off + 2)..]);
                uint id = BinaryPrimitives.ReadUInt32BigEndian(p[(off + 4)..]);
                var data = p[(off + 8)..end];
                if ((fo & 0xfff9) == 0) { next = inner; off += 8; continue; } // atomic fragment (RFC 6946)
                var key = new Reassembler.Key(src, dst, id, inner);
                if (!Reassembly.Add(key, fo & 0xfff8, (fo & 1) != 0, data, out var whole, out int len)) return;
                try { DeliverTransport(nic, src, dst, inner, whole.AsSpan(0, len), head, multi); }
                finally { ArrayPool<byte>.Shared.Return(whole); }
                return;
            }
            break;
        }
        if (next == Ipv6Header.NoNext) return;
        DeliverTransport(nic, src, dst, next, p[off..end], head, multi);
    }

    private bool IsOurMulticast(Nic nic, Address dst)
    {
        if (dst == Address.AllNodesV6) return true;
        foreach (var (a, _) in nic.Addresses) if (a.IsV6 && a.SolicitedNode == dst) return true;
        return false;
    }

    private void HandleIcmpv6(Nic nic, Address src, Address dst, ReadOnlySpan<byte> m, ReadOnlySpan<byte> head)
    {
        if (m.Length < 4 || !Checksum.Verify(Checksum.Add(Checksum.Pseudo(src, dst, Ipv6Header.ProtoIcmpv6, m.Length), m)))
        {
            Stats.ChecksumErrors++;
            return;
        }
        if (Icmp.Any) Icmp.Deliver(src, dst, head[..Math.Min(head.Length, Ipv6Header.Length)], m);
        switch (m[0])
        {
            case 128 when !dst.IsMulticast: // echo request (RFC 4443 4.1)
            {
                if (m.Length < 8 || FindRoute(src, dst, out var r) != 0 || m.Length > 65535 - Headroom) return;
                var buf = ArrayPool<byte>.Shared.Rent(Headroom + m.Length);
                try
                {
                    var reply = buf.AsSpan(Headroom, m.Length);
                    m.CopyTo(reply);
                    reply[0] = 129; reply[2] = reply[3] = 0;
                    BinaryPrimitives.WriteUInt16BigEndian(reply[2..],
                        Checksum.Finish(Checksum.Add(Checksum.Pseudo(r.Local, src, Ipv6Header.ProtoIcmpv6, m.Length), reply)));
                    Stats.IcmpEchoReplies++;
                    SendIp(r, Ipv6Header.ProtoIcmpv6, buf, m.Length);
                }
                finally { ArrayPool<byte>.Shared.Return(buf); }
                break;
            }
            case 2 when m.Length >= 8 + Ipv6Header.Length + 4 && Ipv6Header.NextHeader(m[8..]) == Ipv4Header.ProtoTcp:
            {
                // Packet Too Big (RFC 4443 3.2, RFC 8201 path MTU discovery).
                var inner = m[8..];
                var t = inner[Ipv6Header.Length..];
                Tcp.HandlePacketTooBig(Ipv6Header.Source(inner), BinaryPrimitives.ReadUInt16BigEndian(t),
                    Ipv6Header.Destination(inner), BinaryPrimitives.ReadUInt16BigEndian(t[2..]),
                    (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(m[4..]), 65535));
                break;
            }
            case 135: HandleNeighborSolicitation(nic, src, m); break;
            case 136: HandleNeighborAdvertisement(nic, m); break;
            case 1 when m.Length >= 8 + Ipv6Header.Length + 4: // destination unreachable
            {
                var inner = m[8..];
                if (Ipv6Header.NextHeader(inner) is var proto && (proto == Ipv4Header.ProtoUdp || proto == Ipv4Header.ProtoTcp))
                {
                    var t = inner[Ipv6Header.Length..];
                    ushort sp = BinaryPrimitives.ReadUInt16BigEndian(t), dp = BinaryPrimitives.ReadUInt16BigEndian(t[2..]);
                    bool hard = m[1] is 1 or 4;
                    if (proto == Ipv4Header.ProtoUdp) Udp.HandleUnreachable(Ipv6Header.Source(inner), sp, Ipv6Header.Destination(inner), dp, hard);
                    else Tcp.HandleUnreachable(Ipv6Header.Source(inner), sp, Ipv6Header.Destination(inner), dp, hard);
                }
                break;
            }
        }
    }

    /// <summary>An ICMPv6 error quoting as much of the offending packet as fits in 1280 bytes (RFC 4443 2.4).</summary>
    internal void SendIcmpv6Error(Nic nic, Address to, Address from, byte type, byte code, ReadOnlySpan<byte> head, ReadOnlySpan<byte> payload)
    {
        if (to.IsUnspecified || FindRoute(to, IsLocalAddress(from) ? from : default, out var r) != 0) return;
        var m = _ctlBuffer.AsSpan(Headroom);
        m[..8].Clear();
        m[0] = type; m[1] = code;
        int room = 1280 - Ipv6Header.Length - 8;
        int h = Math.Min(head.Length, room);
        head[..h].CopyTo(m[8..]);
        int d = Math.Min(payload.Length, room - h);
        payload[..d].CopyTo(m[(8 + h)..]);
        int n = 8 + h + d;
        BinaryPrimitives.WriteUInt16BigEndian(m[2..],
            Checksum.Finish(Checksum.Add(Checksum.Pseudo(r.Local, to, Ipv6Header.ProtoIcmpv6, n), m[..n])));
        Stats.IcmpUnreachSent++;
        SendIp(r, Ipv6Header.ProtoIcmpv6, _ctlBuffer, n);
    }
}
