using System.Buffers;

namespace Sandbox.Netstack;

/// <summary>
/// IP fragment reassembly (RFC 791 section 3.2, RFC 815) for IPv4 and IPv6. Like Linux since
/// the FragmentSmack fixes (and RFC 5722 for IPv6), a fragment that overlaps data already held
/// with different bounds discards the whole datagram; exact duplicates are ignored. Datagrams
/// time out (30 s) and the bytes held by all of them are capped.
/// </summary>
internal sealed class Reassembler : ITimerTarget
{
    internal readonly record struct Key(Address Src, Address Dst, uint Id, byte Proto);

    private sealed class Datagram
    {
        public byte[] Data = ArrayPool<byte>.Shared.Rent(65536);
        public readonly List<(int Start, int End)> Have = new();  // sorted, disjoint
        public int Total = -1;   // known once the last fragment arrived
        public long Deadline;
        public int Bytes;
    }

    private readonly NetStack _stack;
    private readonly Dictionary<Key, Datagram> _pending = new();
    private int _heldBytes;

    public Reassembler(NetStack stack) => _stack = stack;

    public int PendingCount => _pending.Count;

    /// <summary>
    /// Adds a fragment (<paramref name="offset"/> in bytes). When the datagram is complete returns
    /// true with a pooled buffer holding it (return it to ArrayPool.Shared) and its length.
    /// </summary>
    public bool Add(in Key key, int offset, bool more, ReadOnlySpan<byte> data, out byte[] whole, out int length)
    {
        whole = null!; length = 0;
        _stack.Stats.FragmentsIn++;
        int end = offset + data.Length;
        // Non-final fragments carry multiples of 8 bytes (RFC 791; RFC 8200 4.5).
        if (end > 65535 || (more && (data.Length & 7) != 0) || (data.Length == 0 && more)) { Fail(key); return false; }
        if (!_pending.TryGetValue(key, out var d))
        {
            if (_heldBytes + data.Length > _stack.Options.MaxReassemblyBytes || _pending.Count >= 1024)
            {
                _stack.Stats.ReassemblyFailed++;
                return false;
            }
            d = new Datagram { Deadline = _stack.Now + _stack.Options.ReassemblyTimeoutUs };
            _pending[key] = d;
            _stack.ArmTimer(this, d.Deadline);
        }
        if (!more)
        {
            if ((d.Total >= 0 && d.Total != end) || (d.Have.Count > 0 && d.Have[^1].End > end)) { Fail(key); return false; }
            d.Total = end;
        }
        else if (d.Total >= 0 && end > d.Total) { Fail(key); return false; }

        // Find the insertion point; an exact duplicate is fine, any other overlap is not.
        int i = 0;
        while (i < d.Have.Count && d.Have[i].End <= offset) i++;
        if (i < d.Have.Count && d.Have[i].Start < end)
        {
            if (d.Have[i].Start == offset && d.Have[i].End == end) return false;
            Fail(key);
            return false;
        }
        if (_heldBytes + data.Length > _stack.Options.MaxReassemblyBytes) { Fail(key); return false; }
        data.CopyTo(d.Data.AsSpan(offset));
        d.Have.Insert(i, (offset, end));
        d.Bytes += data.Length;
        _heldBytes += data.Length;

        if (d.Total < 0 || d.Bytes != d.Total) return false;
        _pending.Remove(key);
        _heldBytes -= d.Bytes;
        whole = d.Data; length = d.Total;
        _stack.Stats.Reassembled++;
        return true;
    }

    private void Fail(in Key key)
    {
        _stack.Stats.ReassemblyFailed++;
        if (_pending.Remove(key, out var d))
        {
            _heldBytes -= d.Bytes;
            ArrayPool<byte>.Shared.Return(d.Data);
        }
    }

    long ITimerTarget.OnTimer(long now)
    {
        long next = long.MaxValue;
        List<Key>? dead = null;
        foreach (var (k, d) in _pending)
            if (d.Deadline <= now) (dead ??= new()).Add(k);
            else next = Math.Min(next, d.Deadline);
        if (dead != null) foreach (var k in dead) Fail(k);
        return next;
    }
}
