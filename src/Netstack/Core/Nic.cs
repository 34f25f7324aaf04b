namespace Sandbox.Netstack;

/// <summary>A network interface of the stack: one link, its addresses and neighbour cache.</summary>
public sealed class Nic : ITimerTarget
{
    private readonly NetStack _stack;
    internal readonly NeighborCache Neighbors = new();
    internal readonly List<(Address Addr, int Prefix)> Addresses = new();

    public int Id { get; }
    public string Name { get; }
    public ILinkEndpoint Link { get; }
    /// <summary>The interface MTU (SIOCSIFMTU / IFLA_MTU may lower or raise it within the link's bounds).</summary>
    public int Mtu { get; internal set; }
    public bool IsLoopback => !Link.NeedsResolution;

    /// <summary>
    /// IFF_UP: a down interface neither sends nor receives, and routes through it are unusable.
    /// </summary>
    public bool Up { get; internal set; } = true;

    /// <summary>The bridge this interface is a port of (IFLA_MASTER), or null.</summary>
    public Bridge? Master { get; internal set; }

    /// <summary>The bridge this interface is the device of, or null.</summary>
    public Bridge? AsBridge => Link as Bridge;

    /// <summary>Removed from the stack (a deleted bridge): sockets that still hold a route to it send nothing.</summary>
    internal bool Removed;

    internal Nic(NetStack stack, int id, string name, ILinkEndpoint link)
    {
        _stack = stack; Id = id; Name = name; Link = link; Mtu = link.Mtu;
    }

    public IReadOnlyList<(Address Addr, int Prefix)> AddressList => Addresses;

    internal bool HasAddress(Address a)
    {
        foreach (var (x, _) in Addresses) if (x == a) return true;
        return false;
    }

    /// <summary>True for a directed broadcast of one of our IPv4 subnets.</summary>
    internal bool IsSubnetBroadcast(Address a)
    {
        if (a.IsV6) return false;
        foreach (var (x, p) in Addresses)
            if (!x.IsV6 && p < 31 && a.InPrefix(x, p) && (a.V4 | ~(0xffffffffu << (32 - p))) == a.V4) return true;
        return false;
    }

    /// <summary>Our address on this NIC best suited as the source towards <paramref name="dst"/>.</summary>
    internal bool TryPickSource(Address dst, out Address src)
    {
        src = default;
        bool found = false;
        foreach (var (x, p) in Addresses)
        {
            if (x.IsV6 != dst.IsV6) continue;
            if (dst.IsV6 && x.IsLinkLocalV6 != dst.IsLinkLocalV6 && found) continue;
            if (!found || dst.InPrefix(x, p)) { src = x; found = true; if (dst.InPrefix(x, p)) break; }
        }
        return found;
    }

    long ITimerTarget.OnTimer(long now) => Neighbors.Tick(now, ip => _stack.Solicit(this, ip));
}
