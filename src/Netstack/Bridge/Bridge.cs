using System.Runtime.InteropServices;

namespace Sandbox.Netstack;

/// <summary>
/// A Linux-style bridge (net/bridge): a learning switch between stack interfaces (its ports)
/// and the link of its own interface. A frame that arrives on a port teaches the forwarding
/// database which port its source MAC is behind; it goes out the port its destination is behind
/// (never back out of the port it came in on), or to every other port when the destination is
/// unknown, broadcast or multicast; what is for the bridge's MAC, broadcast or multicast also
/// goes up the bridge's own interface. Frames the stack sends on the bridge interface go out the
/// port the database names, or every port. Without STP a port forwards as soon as it is up.
/// A forwarded frame keeps the offload header it came with (a host super-segment or partial
/// checksum stays one for the output link's host to finish, as the kernel's bridge keeps GSO).
/// Runs under the stack's lock; nothing is allocated per frame (the database grows only when a
/// new MAC is learnt, up to <see cref="MaxEntries"/>).
/// </summary>
public sealed class Bridge : ILinkEndpoint
{
    /// <summary>br->ageing_time: 300 s (BR_DEFAULT_AGEING_TIME).</summary>
    public const long AgeingUs = 300_000_000;
    /// <summary>A bound on the database, so a flood of made-up source MACs cannot grow it without end.</summary>
    public const int MaxEntries = 4096;

    private readonly NetStack _stack;
    private readonly List<Nic> _ports = new();
    private readonly Dictionary<ulong, FdbEntry> _fdb = new();

    private struct FdbEntry
    {
        public Nic Port;
        public long SeenUs;
    }

    internal Bridge(NetStack stack)
    {
        _stack = stack;
        // eth_hw_addr_random: a random unicast, locally administered address.
        Span<byte> b = stackalloc byte[6];
        Random.Shared.NextBytes(b);
        b[0] = (byte)((b[0] & 0xfe) | 0x02);
        Mac = MacAddress.Read(b);
    }

    /// <summary>The bridge's own interface.</summary>
    public Nic Device { get; internal set; } = null!;

    public IReadOnlyList<Nic> Ports => _ports;

    /// <summary>The MTU was set by hand: ports no longer adjust it (br_mtu_auto_adjust).</summary>
    internal bool MtuSet;

    public int Mtu => 1500;
    public MacAddress Mac { get; }
    public bool NeedsResolution => true;

    /// <summary>Carrier: some port is up (NO-CARRIER otherwise).</summary>
    public bool HasCarrier
    {
        get
        {
            foreach (var p in _ports) if (p.Up) return true;
            return false;
        }
    }

    /// <summary>The learnt (not aged) entries, for `bridge fdb`-style listings and tests.</summary>
    public IEnumerable<(MacAddress Mac, Nic Port)> Fdb()
    {
        long now = _stack.Now;
        foreach (var (mac, e) in _fdb)
            if (now - e.SeenUs < AgeingUs) yield return (new MacAddress(mac), e.Port);
    }

    internal void AddPort(Nic port)
    {
        _ports.Add(port);
        port.Master = this;
        AdjustMtu();
    }

    internal void RemovePort(Nic port)
    {
        _ports.Remove(port);
        port.Master = null;
        Flush(port);
        AdjustMtu();
    }

    private void AdjustMtu()
    {
        if (MtuSet || _ports.Count == 0) return;
        int min = int.MaxValue;
        foreach (var p in _ports) min = Math.Min(min, p.Mtu);
        Device.Mtu = min;
    }

    /// <summary>Forgets what was learnt on <paramref name="port"/> (all ports when null).</summary>
    internal void Flush(Nic? port)
    {
        if (port == null) { _fdb.Clear(); return; }
        foreach (var (mac, e) in _fdb)
            if (e.Port == port) _fdb.Remove(mac);
    }

    /// <summary>Sends a frame the stack wrote on the bridge interface.</summary>
    public void Send(ReadOnlySpan<byte> frame)
    {
        if (!Device.Up || frame.Length < EthernetHeader.Length) return;
        var dst = EthernetHeader.Destination(frame);
        if (!dst.IsMulticast && Lookup(dst, out var port))
        {
            if (port.Up) port.Link.Send(frame);
            return;
        }
        Flood(frame, null);
    }

    /// <summary>A frame that arrived on <paramref name="port"/> (br_handle_frame).</summary>
    internal void Input(Nic port, ReadOnlySpan<byte> frame)
    {
        if (!port.Up || !Device.Up) { _stack.Stats.NotForUs++; return; }
        var src = EthernetHeader.Source(frame);
        var dst = EthernetHeader.Destination(frame);
        if (!src.IsMulticast && src != MacAddress.Zero) Learn(src, port);
        var offload = port.Link.ReceivedOffload;
        if (dst.IsMulticast)
        {
            Flood(frame, port, offload);
            _stack.HandleFrame(Device, frame);
            return;
        }
        if (dst == Mac) { _stack.HandleFrame(Device, frame); return; }
        if (Lookup(dst, out var to))
        {
            if (to != port && to.Up) to.Link.SendForwarded(frame, offload);
            return;
        }
        Flood(frame, port, offload);
    }

    private void Flood(ReadOnlySpan<byte> frame, Nic? except, ReadOnlySpan<byte> offload = default)
    {
        foreach (var p in _ports)
            if (p != except && p.Up) p.Link.SendForwarded(frame, offload);
    }

    private bool Lookup(MacAddress mac, out Nic port)
    {
        if (_fdb.TryGetValue(mac.Value, out var e) && _stack.Now - e.SeenUs < AgeingUs) { port = e.Port; return true; }
        port = null!;
        return false;
    }

    private void Learn(MacAddress mac, Nic port)
    {
        if (_fdb.Count >= MaxEntries && !_fdb.ContainsKey(mac.Value))
        {
            long now = _stack.Now;
            foreach (var (m, e) in _fdb)
                if (now - e.SeenUs >= AgeingUs) _fdb.Remove(m);
            if (_fdb.Count >= MaxEntries) return;
        }
        ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(_fdb, mac.Value, out _);
        entry.Port = port;
        entry.SeenUs = _stack.Now;
    }
}
