using Sandbox.Linux;

namespace Sandbox.Netstack;

/// <summary>
/// Configuration changes as the application makes them (rtnetlink, the SIOCS* ioctls): link
/// state and MTU, addresses with their prefix routes, routes, bridges. Each returns 0 or -errno
/// with the error Linux gives for the same request.
/// </summary>
public sealed partial class NetStack
{
    public Nic? FindNic(int index)
    {
        foreach (var n in _nics) if (n.Id == index) return n;
        return null;
    }

    public Nic? FindNic(string name)
    {
        foreach (var n in _nics) if (n.Name == name) return n;
        return null;
    }

    /// <summary>
    /// IFF_UP on or off. Going down drops the interface's routes, as fib_disable_ip does; coming
    /// up adds its addresses' prefix routes again (fib_add_ifaddr on NETDEV_UP).
    /// </summary>
    public void SetUp(Nic nic, bool up)
    {
        lock (Sync)
        {
            if (nic.Up == up || nic.Removed) return;
            nic.Up = up;
            if (!up)
            {
                _routes.RemoveAll(r => r.Nic == nic);
                nic.Neighbors.Clear();
                nic.AsBridge?.Flush(null);
                nic.Master?.Flush(nic);
            }
            else foreach (var (a, p) in nic.Addresses) AddPrefixRoute(nic, a, p);
        }
    }

    /// <summary>dev_set_mtu: EINVAL outside what the device takes (a host link: at most its own MTU).</summary>
    public int SetMtu(Nic nic, int mtu)
    {
        lock (Sync)
        {
            int max = nic.Link is Bridge ? 65535 : nic.Link.Mtu;
            if (mtu < (nic.IsLoopback ? 0 : 68) || mtu > max) return -(int)Errno.EINVAL;
            nic.Mtu = mtu;
            if (nic.Link is Bridge b) b.MtuSet = true;
            return 0;
        }
    }

    /// <summary>
    /// Adds an address (RTM_NEWADDR, SIOCSIFADDR) with the route to its prefix. EEXIST when the
    /// interface has it already, unless <paramref name="replace"/> (then its prefix changes).
    /// </summary>
    public int AddInterfaceAddress(Nic nic, Address a, int prefix, bool replace)
    {
        lock (Sync)
        {
            if (prefix < 0 || prefix > (a.IsV6 ? 128 : 32)) return -(int)Errno.EINVAL;
            int i = nic.Addresses.FindIndex(x => x.Addr == a);
            if (i >= 0)
            {
                if (!replace) return -(int)Errno.EEXIST;
                var old = nic.Addresses[i];
                nic.Addresses.RemoveAt(i);
                RemovePrefixRoute(nic, old.Addr, old.Prefix);
            }
            nic.Addresses.Add((a, prefix));
            AddPrefixRoute(nic, a, prefix);
            return 0;
        }
    }

    /// <summary>
    /// Removes an address (RTM_DELADDR) and its prefix route when no other address of the
    /// interface is in that prefix. <paramref name="prefix"/> below 0 matches any prefix.
    /// </summary>
    public int RemoveInterfaceAddress(Nic nic, Address a, int prefix)
    {
        lock (Sync)
        {
            int i = nic.Addresses.FindIndex(x => x.Addr == a && (prefix < 0 || x.Prefix == prefix));
            if (i < 0) return -(int)Errno.EADDRNOTAVAIL;
            var old = nic.Addresses[i];
            nic.Addresses.RemoveAt(i);
            RemovePrefixRoute(nic, old.Addr, old.Prefix);
            return 0;
        }
    }

    private void AddPrefixRoute(Nic nic, Address a, int prefix)
    {
        if (nic.IsLoopback || !nic.Up || prefix >= (a.IsV6 ? 128 : 32)) return;
        var net = a.Masked(prefix);
        foreach (var r in _routes)
            if (r.Nic == nic && r.Destination == net && r.Prefix == prefix && r.Gateway.IsUnspecified) return;
        AddRoute(net, prefix, a.IsV6 ? Address.AnyV6 : Address.AnyV4, nic);
    }

    private void RemovePrefixRoute(Nic nic, Address a, int prefix)
    {
        var net = a.Masked(prefix);
        foreach (var (x, p) in nic.Addresses)
            if (p == prefix && x.IsV6 == a.IsV6 && x.Masked(p) == net) return;
        _routes.RemoveAll(r => r.Nic == nic && r.Destination == net && r.Prefix == prefix && r.Gateway.IsUnspecified);
    }

    /// <summary>
    /// RTM_NEWROUTE (fib_table_insert): without NLM_F_CREATE a missing route is ENOENT; an
    /// existing one for the destination is EEXIST with NLM_F_EXCL or when identical, replaced
    /// with NLM_F_REPLACE, else added beside it. A gateway must be on a connected subnet
    /// (ENETUNREACH); the device must be up (ENETDOWN).
    /// </summary>
    public int AddRoute(Address dst, int prefix, Address gateway, Nic? nic, bool create, bool exclusive, bool replace)
    {
        lock (Sync)
        {
            if (prefix < 0 || prefix > (dst.IsV6 ? 128 : 32) || dst.Masked(prefix) != dst) return -(int)Errno.EINVAL;
            if (!gateway.IsUnspecified)
            {
                if (gateway.IsV6 != dst.IsV6) return -(int)Errno.EINVAL;
                Nic? via = null;
                foreach (var n in _nics)
                {
                    if ((nic != null && n != nic) || !n.Up || n.IsLoopback) continue;
                    foreach (var (a, p) in n.Addresses)
                        if (a.IsV6 == gateway.IsV6 && gateway.InPrefix(a, p)) { via = n; break; }
                    if (via != null) break;
                }
                if (via == null) return nic != null && !nic.Up ? -(int)Errno.ENETDOWN : -(int)Errno.ENETUNREACH;
                nic = via;
            }
            else if (nic == null) return -(int)Errno.ENODEV;
            if (!nic.Up) return -(int)Errno.ENETDOWN;
            int i = _routes.FindIndex(r => r.Destination == dst && r.Prefix == prefix);
            if (i < 0 && !create) return -(int)Errno.ENOENT;
            if (i >= 0)
            {
                if (exclusive) return -(int)Errno.EEXIST;
                if (replace) { _routes[i] = new RouteEntry(dst, prefix, gateway, nic, Static: true); return 0; }
                foreach (var r in _routes)
                    if (r.Destination == dst && r.Prefix == prefix && r.Gateway == gateway && r.Nic == nic) return -(int)Errno.EEXIST;
            }
            _routes.Add(new RouteEntry(dst, prefix, gateway, nic, Static: true));
            _routes.Sort((a, b) => b.Prefix.CompareTo(a.Prefix));
            return 0;
        }
    }

    /// <summary>RTM_DELROUTE: the first route matching what was given (gateway, device); ESRCH when none.</summary>
    public int DeleteRoute(Address dst, int prefix, Address? gateway, Nic? nic)
    {
        lock (Sync)
        {
            int i = _routes.FindIndex(r => r.Destination == dst && r.Prefix == prefix
                && (gateway == null || r.Gateway == gateway.Value) && (nic == null || r.Nic == nic));
            if (i < 0) return -(int)Errno.ESRCH;
            _routes.RemoveAt(i);
            return 0;
        }
    }

    /// <summary>Makes a bridge device (down, a random locally administered MAC); EEXIST when the name is taken.</summary>
    public int AddBridge(string name, out Nic? nic)
    {
        lock (Sync)
        {
            nic = null;
            if (FindNic(name) != null) return -(int)Errno.EEXIST;
            var b = new Bridge(this);
            nic = AddNic(b, name);
            nic.Up = false;
            b.Device = nic;
            return 0;
        }
    }

    /// <summary>Deletes a bridge device: its ports are released, its routes and addresses go.</summary>
    public void RemoveBridge(Nic nic)
    {
        lock (Sync)
        {
            var b = nic.AsBridge ?? throw new ArgumentException("not a bridge", nameof(nic));
            foreach (var p in b.Ports.ToArray()) b.RemovePort(p);
            SetUp(nic, false);
            nic.Removed = true;
            _routes.RemoveAll(r => r.Nic == nic);
            _nics.Remove(nic);
        }
    }

    /// <summary>br_add_if: EINVAL for loopback, ELOOP for a bridge, EBUSY for a port already.</summary>
    public int AddBridgePort(Nic bridge, Nic port)
    {
        lock (Sync)
        {
            var b = bridge.AsBridge ?? throw new ArgumentException("not a bridge", nameof(bridge));
            if (port.IsLoopback) return -(int)Errno.EINVAL;
            if (port.AsBridge != null) return -(int)Errno.ELOOP;
            if (port.Master != null) return -(int)Errno.EBUSY;
            b.AddPort(port);
            return 0;
        }
    }

    /// <summary>br_del_if: EINVAL when the interface is not a port of this bridge.</summary>
    public int RemoveBridgePort(Nic bridge, Nic port)
    {
        lock (Sync)
        {
            var b = bridge.AsBridge ?? throw new ArgumentException("not a bridge", nameof(bridge));
            if (port.Master != b) return -(int)Errno.EINVAL;
            b.RemovePort(port);
            return 0;
        }
    }
}
