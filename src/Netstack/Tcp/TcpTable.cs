using System.Buffers.Binary;

namespace Sandbox.Netstack;

/// <summary>
/// TCP demultiplexing: established flows by their 4-tuple, then listeners by port. Answers
/// segments nobody wants with a reset (RFC 9293 3.10.7.1).
/// </summary>
internal sealed class TcpTable
{
    internal readonly record struct FlowKey(Address Local, ushort LocalPort, Address Remote, ushort RemotePort);

    private readonly NetStack _stack;
    private readonly Dictionary<FlowKey, TcpEndpoint> _flows = new();
    private readonly uint[] _sackScratch = new uint[8];
    public readonly PortTable<TcpEndpoint> Ports;

    public TcpTable(NetStack stack) { _stack = stack; Ports = new PortTable<TcpEndpoint>(stack); }

    public int FlowCount => _flows.Count;

    private readonly ulong _secret0 = BitConverter.ToUInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)),
        _secret1 = BitConverter.ToUInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));

    /// <summary>A keyed hash of a flow (the F() of RFC 6528), secret per stack.</summary>
    public uint Hash(Address local, ushort lport, Address remote, ushort rport)
    {
        var h = new HashCode();
        h.Add(_secret0); h.Add(local); h.Add(lport); h.Add(remote); h.Add(rport); h.Add(_secret1);
        return (uint)h.ToHashCode();
    }

    public bool TryAddFlow(TcpEndpoint ep) =>
        _flows.TryAdd(new FlowKey(ep.LocalAddr, ep.LocalPort, ep.RemoteAddr, ep.RemotePort), ep);

    public bool FlowExists(Address local, ushort lport, Address remote, ushort rport) =>
        _flows.ContainsKey(new FlowKey(local, lport, remote, rport));

    public void RemoveFlow(TcpEndpoint ep)
    {
        var k = new FlowKey(ep.LocalAddr, ep.LocalPort, ep.RemoteAddr, ep.RemotePort);
        if (_flows.TryGetValue(k, out var cur) && ReferenceEquals(cur, ep)) _flows.Remove(k);
    }

    public void HandleSegment(Nic nic, Address src, Address dst, ReadOnlySpan<byte> p)
    {
        _stack.Stats.TcpSegmentsIn++;
        if (p.Length < TcpHeader.MinLength) { _stack.Stats.MalformedDropped++; return; }
        int off = TcpHeader.DataOffset(p);
        if (off < TcpHeader.MinLength || off > p.Length) { _stack.Stats.MalformedDropped++; return; }
        if (!_stack.RxChecksumVerified && !Checksum.Verify(Checksum.Add(Checksum.Pseudo(src, dst, Ipv4Header.ProtoTcp, p.Length), p)))
        {
            _stack.Stats.ChecksumErrors++;
            return;
        }
        var seg = new Segment
        {
            Seq = TcpHeader.Seq(p), Ack = TcpHeader.Ack(p), Flags = TcpHeader.Flags(p), Window = TcpHeader.Window(p),
            Data = p[off..],
            Options = TcpOptions.Parse(p[TcpHeader.MinLength..off], _sackScratch),
        };
        ushort sport = TcpHeader.SourcePort(p), dport = TcpHeader.DestinationPort(p);
        if (_flows.TryGetValue(new FlowKey(dst, dport, src, sport), out var ep))
        {
            // A new SYN beyond the old connection's sequence space may reopen a flow in
            // TIME_WAIT (RFC 1122 4.2.2.13), as Linux allows.
            if (!(ep.State == TcpState.TimeWait && (seg.Flags & (TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Rst)) == TcpFlags.Syn
                  && ep.ReuseTimeWait(seg.Seq)))
            {
                ep.OnSegment(ref seg);
                return;
            }
        }
        var l = FindListener(dst, dport);
        if (l != null) { l.OnListenSegment(nic, src, sport, dst, ref seg); return; }
        SendReset(src, sport, dst, dport, ref seg);
    }

    private TcpEndpoint? FindListener(Address dst, ushort port)
    {
        var list = Ports.On(port);
        if (list == null) return null;
        TcpEndpoint? wild = null;
        foreach (var ep in list)
        {
            if (ep.State != TcpState.Listen) continue;
            if (ep.LocalAddr == dst) return ep;
            if (!ep.LocalAddr.IsUnspecified) continue;
            if (dst.IsV6 ? ep.IsV6 : (!ep.IsV6 || !ep.V6Only)) wild ??= ep;
        }
        return wild;
    }

    /// <summary>The reset for a segment that has no connection (RFC 9293 3.10.7.1).</summary>
    public void SendReset(Address to, ushort toPort, Address from, ushort fromPort, ref Segment s)
    {
        if (s.Has(TcpFlags.Rst)) return;
        uint seq, ack = 0;
        var flags = TcpFlags.Rst;
        if (s.Has(TcpFlags.Ack)) seq = s.Ack;
        else { seq = 0; ack = s.Seq + (uint)s.SeqLength; flags |= TcpFlags.Ack; }
        SendControl(to, toPort, from, fromPort, seq, ack, flags, 0);
    }

    /// <summary>A bare segment that belongs to no endpoint (resets).</summary>
    public void SendControl(Address to, ushort toPort, Address from, ushort fromPort, uint seq, uint ack, TcpFlags flags, ushort window)
    {
        if (_stack.FindRoute(to, from, out var r) != 0) return;
        var buf = _stack.TxBuffer;
        var h = buf.AsSpan(NetStack.Headroom, TcpHeader.MinLength);
        TcpHeader.Write(h, fromPort, toPort, seq, ack, TcpHeader.MinLength, flags, window);
        TcpHeader.SetChecksum(h, r.Local, to);
        _stack.Stats.TcpSegmentsOut++;
        if ((flags & TcpFlags.Rst) != 0) _stack.Stats.TcpResetsSent++;
        _stack.SendIp(r, Ipv4Header.ProtoTcp, buf, TcpHeader.MinLength, dontFragment: !to.IsV6);
    }

    public void HandlePacketTooBig(Address ourAddr, ushort ourPort, Address theirAddr, ushort theirPort, int mtu)
    {
        if (_flows.TryGetValue(new FlowKey(ourAddr, ourPort, theirAddr, theirPort), out var ep)) ep.OnPacketTooBig(mtu);
    }

    public void HandleUnreachable(Address ourAddr, ushort ourPort, Address theirAddr, ushort theirPort, bool hard)
    {
        if (_flows.TryGetValue(new FlowKey(ourAddr, ourPort, theirAddr, theirPort), out var ep)) ep.OnUnreachable(hard);
    }
}
