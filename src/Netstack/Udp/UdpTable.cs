namespace Sandbox.Netstack;

/// <summary>UDP demultiplexing: datagrams go to the most specific matching socket.</summary>
internal sealed class UdpTable
{
    private readonly NetStack _stack;
    public readonly PortTable<UdpEndpoint> Ports;

    public UdpTable(NetStack stack) { _stack = stack; Ports = new PortTable<UdpEndpoint>(stack); }

    /// <summary>Delivers a datagram; false when no socket wanted it (the caller sends port unreachable).</summary>
    public bool HandleDatagram(Address src, Address dst, ReadOnlySpan<byte> d)
    {
        if (d.Length < UdpHeader.Length) { _stack.Stats.MalformedDropped++; return true; }
        int len = UdpHeader.DatagramLength(d);
        if (len < UdpHeader.Length || len > d.Length) { _stack.Stats.MalformedDropped++; return true; }
        d = d[..len];
        bool zeroSum = d[6] == 0 && d[7] == 0;
        if (zeroSum ? src.IsV6 : !_stack.RxChecksumVerified && !Checksum.Verify(Checksum.Add(Checksum.Pseudo(src, dst, Ipv4Header.ProtoUdp, len), d)))
        {
            _stack.Stats.ChecksumErrors++;
            return true;
        }
        var ep = Lookup(src, UdpHeader.SourcePort(d), dst, UdpHeader.DestinationPort(d));
        if (ep == null) { _stack.Stats.UdpNoPort++; return false; }
        _stack.Stats.UdpIn++;
        ep.Enqueue(new SockAddr(src, UdpHeader.SourcePort(d)), d[UdpHeader.Length..]);
        return true;
    }

    private UdpEndpoint? Lookup(Address src, ushort sport, Address dst, ushort dport)
    {
        var list = Ports.On(dport);
        if (list == null) return null;
        UdpEndpoint? best = null;
        int bestScore = -1;
        foreach (var ep in list)
        {
            int score = ep.Match(src, sport, dst);
            if (score > bestScore) { best = ep; bestScore = score; }
        }
        return bestScore >= 0 ? best : null;
    }

    public void HandleUnreachable(Address ourAddr, ushort ourPort, Address theirAddr, ushort theirPort, bool hard)
    {
        if (!hard) return;
        var list = Ports.On(ourPort);
        if (list == null) return;
        foreach (var ep in list) ep.OnUnreachable(theirAddr, theirPort);
    }
}
