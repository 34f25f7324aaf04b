using System.Buffers;
using Sandbox.Linux;

namespace Sandbox.Netstack;

/// <summary>
/// One TCP/IP stack instance. Every entry point takes <see cref="Sync"/>: the stack is
/// single-threaded inside, driven by API calls, by <see cref="DeliverFrame"/> from whoever
/// owns a link, and by <see cref="RunTimers"/> (a dispatcher, or a test with a manual clock).
/// </summary>
public sealed partial class NetStack
{
    /// <summary>Room reserved in front of transport headers for Ethernet + the largest IP header.</summary>
    internal const int Headroom = EthernetHeader.Length + Ipv6Header.Length;

    private readonly List<Nic> _nics = new();
    private readonly List<RouteEntry> _routes = new();
    internal readonly TimerQueue Timers = new();
    internal readonly byte[] TxBuffer = new byte[Headroom + 65536];
    private readonly byte[] _ctlBuffer = new byte[Headroom + 1500];
    private LoopbackEndpoint? _loopback;
    private Nic? _loopbackNic;
    private bool _flushing, _settling;
    private int _lastNicId;

    public object Sync { get; } = new();
    public IClock Clock { get; }
    public StackOptions Options { get; }
    public StackStats Stats { get; } = new();

    public NetStack(IClock? clock = null, StackOptions? options = null)
    {
        Clock = clock ?? new MonotonicClock();
        Options = options ?? new StackOptions();
        Reassembly = new Reassembler(this);
        Tcp = new TcpTable(this);
        Udp = new UdpTable(this);
    }

    internal long Now => Clock.NowUs;
    internal Reassembler Reassembly { get; }
    internal TcpTable Tcp { get; }
    internal UdpTable Udp { get; }
    internal IcmpTable Icmp { get; } = new();

    public IReadOnlyList<Nic> Nics => _nics;
    public IReadOnlyList<RouteEntry> Routes => _routes;

    public Nic AddNic(ILinkEndpoint link, string name)
    {
        lock (Sync)
        {
            // Indexes are never reused (dev_new_index), also after a bridge is deleted.
            var nic = new Nic(this, ++_lastNicId, name, link);
            _nics.Add(nic);
            if (link is LoopbackEndpoint lo) { _loopback = lo; _loopbackNic = nic; }
            else if (link.Mac != MacAddress.Zero)
            {
                // IPv6 link-local address from the modified EUI-64 (RFC 4291 appendix A).
                ulong m = link.Mac.Value;
                ulong iid = ((m >> 24) << 40) | (0xfffeUL << 24) | (m & 0xffffff);
                iid ^= 0x0200_0000_0000_0000UL;
                nic.Addresses.Add((Address.FromV6(0xfe80_0000_0000_0000UL, iid), 64));
            }
            return nic;
        }
    }

    /// <summary>Adds the loopback interface with 127.0.0.1/8 and ::1/128.</summary>
    public Nic AddLoopback()
    {
        var nic = AddNic(new LoopbackEndpoint(), "lo");
        AddAddress(nic, Address.LoopbackV4, 8);
        AddAddress(nic, Address.LoopbackV6, 128);
        return nic;
    }

    public void AddAddress(Nic nic, Address addr, int prefix)
    {
        lock (Sync) nic.Addresses.Add((addr, prefix));
    }

    public void AddRoute(Address destination, int prefix, Address gateway, Nic nic)
    {
        lock (Sync)
        {
            _routes.Add(new RouteEntry(destination, prefix, gateway, nic));
            _routes.Sort((a, b) => b.Prefix.CompareTo(a.Prefix));
        }
    }

    internal bool IsLocalAddress(Address a)
    {
        foreach (var n in _nics) if (n.HasAddress(a)) return true;
        return false;
    }

    /// <summary>Finds how to reach <paramref name="remote"/>; 0 or -errno.</summary>
    internal int FindRoute(Address remote, Address local, out Route route)
    {
        route = default;
        if (remote.IsLoopback || IsLocalAddress(remote))
        {
            if (_loopbackNic == null || !_loopbackNic.Up) return -(int)Errno.ENETUNREACH;
            var src = !local.IsUnspecified ? local
                : remote.IsLoopback ? (remote.IsV6 ? Address.LoopbackV6 : Address.LoopbackV4) : remote;
            route = new Route(_loopbackNic, src, remote, remote);
            return 0;
        }
        foreach (var nic in _nics)
        {
            if (nic.IsLoopback || !nic.Up) continue;
            foreach (var (a, p) in nic.Addresses)
                if (a.IsV6 == remote.IsV6 && (remote.InPrefix(a, p) || (remote.IsMulticast && remote.IsV6) || remote.IsBroadcast)
                    && (local.IsUnspecified || nic.HasAddress(local)))
                {
                    if (!nic.TryPickSource(remote, out var s)) continue;
                    route = new Route(nic, local.IsUnspecified ? s : local, remote, remote);
                    return 0;
                }
        }
        foreach (var r in _routes)
        {
            if (!remote.InPrefix(r.Destination, r.Prefix) || !r.Nic.Up) continue;
            if (!local.IsUnspecified && !r.Nic.HasAddress(local)) continue;
            var hop = r.Gateway.IsUnspecified ? remote : r.Gateway;
            if (!r.Nic.TryPickSource(hop, out var s)) continue;
            route = new Route(r.Nic, local.IsUnspecified ? s : local, remote, hop);
            return 0;
        }
        return -(int)Errno.ENETUNREACH;
    }

    /// <summary>
    /// The route lookup of `ip route get` (caller holds <see cref="Sync"/>): the interface, our
    /// source address and the next hop towards <paramref name="remote"/>; 0 or -errno.
    /// </summary>
    public int Lookup(Address remote, out Nic nic, out Address source, out Address nextHop)
    {
        int r = FindRoute(remote, default, out var route);
        nic = route.Nic; source = route.Local; nextHop = route.NextHop;
        return r;
    }

    /// <summary>Hands a received frame to the stack. Never throws on hostile input.</summary>
    /// <param name="settle">False while more frames of a batch follow: acknowledgements and
    /// output are then coalesced until <see cref="Settle"/> (or a later settling call).</param>
    /// <param name="checksumVerified">The link vouches for the transport checksum (a host
    /// packet socket reporting a partial or already-checked checksum): it is not verified again.</param>
    public void DeliverFrame(Nic nic, ReadOnlySpan<byte> frame, bool settle = true, bool checksumVerified = false)
    {
        lock (Sync)
        {
            RxChecksumVerified = checksumVerified;
            HandleFrame(nic, frame);
            RxChecksumVerified = false;
            if (settle) SettleLocked();
        }
    }

    /// <summary>True while handling a frame whose transport checksum the link already checked.</summary>
    internal bool RxChecksumVerified;

    /// <summary>Sends what received frames made due (ACKs, window updates, new data).</summary>
    public void Settle()
    {
        lock (Sync) SettleLocked();
    }

    private readonly List<TcpEndpoint> _dirty = new();

    /// <summary>Queues an endpoint for <see cref="TcpEndpoint.Flush"/> when the current operation ends.</summary>
    internal void MarkDirty(TcpEndpoint ep)
    {
        if (ep.InDirtyList) return;
        ep.InDirtyList = true;
        _dirty.Add(ep);
    }

    internal void SettleLocked()
    {
        if (_settling) return;
        _settling = true;
        try
        {
        do
        {
            for (int i = 0; i < _dirty.Count; i++)
            {
                var ep = _dirty[i];
                ep.InDirtyList = false;
                ep.Flush();
            }
            _dirty.Clear();
            FlushLoopback();
        } while (_dirty.Count > 0);
        foreach (var n in _nics) n.Link.Flush();
        }
        finally { _settling = false; }
    }

    internal void HandleFrame(Nic nic, ReadOnlySpan<byte> frame)
    {
        Stats.FramesIn++;
        try
        {
            if (frame.Length < EthernetHeader.Length) { Stats.MalformedDropped++; return; }
            if (nic.Master != null) { nic.Master.Input(nic, frame); return; }
            if (!nic.Up) { Stats.NotForUs++; return; }
            if (!nic.IsLoopback)
            {
                var dst = EthernetHeader.Destination(frame);
                if (dst != nic.Link.Mac && !dst.IsMulticast) { Stats.NotForUs++; return; }
            }
            var payload = frame[EthernetHeader.Length..];
            switch (EthernetHeader.Type(frame))
            {
                case EthernetHeader.TypeIpv4: HandleIpv4(nic, payload); break;
                case EthernetHeader.TypeIpv6: HandleIpv6(nic, payload); break;
                case EthernetHeader.TypeArp: HandleArp(nic, payload); break;
                default: Stats.NotForUs++; break;
            }
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentOutOfRangeException or ArgumentException)
        {
            // A parser bound check we missed: drop the packet, never the stack.
            Stats.MalformedDropped++;
        }
        catch (Exception)
        {
            // A bug must not take the Sentry down with it; tests assert this stays zero.
            Stats.InternalErrors++;
        }
    }

    /// <summary>Processes frames sent to ourselves, after (never inside) the operation that sent them.</summary>
    private void FlushLoopback()
    {
        if (_loopback == null || _flushing) return;
        _flushing = true;
        try
        {
            while (_loopback.TryDequeue(out var buf, out int len))
            {
                HandleFrame(_loopbackNic!, buf.AsSpan(0, len));
                ArrayPool<byte>.Shared.Return(buf);
            }
        }
        finally { _flushing = false; }
    }

    /// <summary>When <see cref="RunTimers"/> next has work, in clock microseconds (long.MaxValue: none).</summary>
    public long NextDeadlineUs { get { lock (Sync) return Timers.NextDeadline; } }

    public void RunTimers()
    {
        lock (Sync)
        {
            Timers.Run(Now);
            SettleLocked();
        }
    }

    internal void ArmTimer(ITimerTarget t, long deadline) => Timers.Arm(t, deadline);

    /// <summary>Wakes threads blocked in <see cref="Waiter"/>-style waits on this stack.</summary>
    internal void PulseWaiters() => Monitor.PulseAll(Sync);

    internal Span<byte> ControlBuffer => _ctlBuffer;
}
