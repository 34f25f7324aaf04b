using Sandbox.Linux;

namespace Sandbox.Netstack;

/// <summary>Bound ports of one transport protocol and the bind conflict rules (bind(2), socket(7)).</summary>
internal sealed class PortTable<T> where T : SocketEndpoint
{
    private readonly Dictionary<ushort, List<T>> _ports = new();
    private readonly NetStack _stack;
    private int _nextEphemeral;

    public PortTable(NetStack stack)
    {
        _stack = stack;
        _nextEphemeral = Random.Shared.Next(stack.Options.EphemeralLow, stack.Options.EphemeralHigh + 1);
    }

    public List<T>? On(ushort port) => _ports.TryGetValue(port, out var l) ? l : null;

    private static bool Overlaps(SocketEndpoint a, Address addrA, SocketEndpoint b)
    {
        var addrB = b.LocalAddr;
        // Families a socket can receive: an IPv6 wildcard socket without V6ONLY also takes IPv4.
        bool aV4 = !addrA.IsV6 && (!a.IsV6 || !addrA.IsUnspecified || !a.V6Only);
        bool aV6 = a.IsV6 && (addrA.IsV6 || addrA.IsUnspecified);
        bool bV4 = !addrB.IsV6 && (!b.IsV6 || !addrB.IsUnspecified || !b.V6Only);
        bool bV6 = b.IsV6 && (addrB.IsV6 || addrB.IsUnspecified);
        if (a.IsV6 && addrA.IsUnspecified) { aV4 = !a.V6Only; aV6 = true; }
        if (b.IsV6 && addrB.IsUnspecified) { bV4 = !b.V6Only; bV6 = true; }
        if (!((aV4 && bV4) || (aV6 && bV6))) return false;
        return addrA.IsUnspecified || addrB.IsUnspecified || addrA == addrB;
    }

    /// <summary>Binds <paramref name="ep"/> to addr:port (0 picks an ephemeral port). Returns 0 or -errno.</summary>
    public int Bind(T ep, Address addr, ushort port, Func<T, bool>? ignore = null)
    {
        if (port == 0)
        {
            int lo = _stack.Options.EphemeralLow, hi = _stack.Options.EphemeralHigh, span = hi - lo + 1;
            for (int i = 0; i < span; i++)
            {
                ushort p = (ushort)(lo + (_nextEphemeral - lo + i) % span);
                if (Conflicts(ep, addr, p, ignore, ephemeral: true)) continue;
                _nextEphemeral = p + 1;
                Add(ep, addr, p);
                return 0;
            }
            return -(int)Errno.EADDRINUSE;
        }
        if (Conflicts(ep, addr, port, ignore, ephemeral: false)) return -(int)Errno.EADDRINUSE;
        Add(ep, addr, port);
        return 0;
    }

    private bool Conflicts(T ep, Address addr, ushort port, Func<T, bool>? ignore, bool ephemeral)
    {
        if (!_ports.TryGetValue(port, out var list)) return false;
        foreach (var o in list)
        {
            if (ReferenceEquals(o, ep) || (ignore != null && ignore(o))) continue;
            if (!Overlaps(ep, addr, o)) continue;
            if (ephemeral) return true;
            if (ep.ReusePort && o.ReusePort) continue;
            if (ep.ReuseAddress && o.ReuseAddress) continue;
            return true;
        }
        return false;
    }

    private void Add(T ep, Address addr, ushort port)
    {
        if (!_ports.TryGetValue(port, out var list)) _ports[port] = list = new List<T>(1);
        list.Add(ep);
        ep.LocalAddr = addr;
        ep.LocalPort = port;
    }

    public void Release(T ep)
    {
        if (ep.LocalPort == 0 || !_ports.TryGetValue(ep.LocalPort, out var list)) return;
        list.Remove(ep);
        if (list.Count == 0) _ports.Remove(ep.LocalPort);
    }
}
