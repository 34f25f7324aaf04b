using System.Buffers;

namespace Sandbox.Netstack;

/// <summary>
/// IP → link address cache of one NIC, shared by ARP (IPv4) and NDP (IPv6): entries being
/// resolved hold the frames waiting for them (a few, like Linux's unres_qlen), solicitations
/// are retried every second and given up after three tries, answers are kept for a while.
/// </summary>
internal sealed class NeighborCache
{
    public const long RetryUs = 1_000_000, ReachableUs = 60_000_000;
    public const int MaxTries = 3, MaxPending = 64;

    internal sealed class Entry
    {
        public MacAddress Mac;
        public bool Resolved;
        public long Deadline;          // expiry when resolved, next retry when not
        public int Tries;
        public readonly Queue<(byte[] Buf, int Len)> Pending = new();
    }

    private readonly Dictionary<Address, Entry> _entries = new();

    public int Count => _entries.Count;

    public bool TryGet(Address ip, long now, out MacAddress mac)
    {
        if (_entries.TryGetValue(ip, out var e) && e.Resolved && e.Deadline > now) { mac = e.Mac; return true; }
        mac = default;
        return false;
    }

    /// <summary>Queues a frame for an unresolved address; true when a solicitation should go out now.</summary>
    public bool Enqueue(Address ip, ReadOnlySpan<byte> frame, long now)
    {
        if (!_entries.TryGetValue(ip, out var e) || (e.Resolved && e.Deadline <= now))
        {
            e ??= new Entry();
            e.Resolved = false; e.Tries = 0; e.Deadline = now;
            _entries[ip] = e;
        }
        if (e.Pending.Count >= MaxPending)
        {
            var (old, _) = e.Pending.Dequeue();
            ArrayPool<byte>.Shared.Return(old);
        }
        var buf = ArrayPool<byte>.Shared.Rent(frame.Length);
        frame.CopyTo(buf);
        e.Pending.Enqueue((buf, frame.Length));
        if (e.Tries == 0) { e.Tries = 1; e.Deadline = now + RetryUs; return true; }
        return false;
    }

    /// <summary>Records an answer; returns the entry whose pending frames should now be sent.</summary>
    public Entry Update(Address ip, MacAddress mac, long now, bool create)
    {
        if (!_entries.TryGetValue(ip, out var e))
        {
            if (!create) return null!;
            _entries[ip] = e = new Entry();
        }
        e.Mac = mac; e.Resolved = true; e.Deadline = now + ReachableUs; e.Tries = 0;
        return e;
    }

    /// <summary>Forgets every entry (the interface went down: neigh_ifdown), dropping what waited.</summary>
    public void Clear()
    {
        foreach (var e in _entries.Values)
            foreach (var (b, _) in e.Pending) ArrayPool<byte>.Shared.Return(b);
        _entries.Clear();
    }

    /// <summary>Retries and expiries; calls <paramref name="solicit"/> for addresses to ask again.</summary>
    public long Tick(long now, Action<Address> solicit)
    {
        long next = long.MaxValue;
        List<Address>? dead = null;
        foreach (var (ip, e) in _entries)
        {
            if (e.Deadline > now) { if (!e.Resolved) next = Math.Min(next, e.Deadline); continue; }
            if (e.Resolved || e.Tries >= MaxTries) { (dead ??= new()).Add(ip); continue; }
            e.Tries++;
            e.Deadline = now + RetryUs;
            next = Math.Min(next, e.Deadline);
            solicit(ip);
        }
        if (dead != null)
            foreach (var ip in dead)
            {
                foreach (var (b, _) in _entries[ip].Pending) ArrayPool<byte>.Shared.Return(b);
                _entries.Remove(ip);
            }
        return next;
    }
}
