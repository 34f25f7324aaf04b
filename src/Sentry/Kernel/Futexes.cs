using Sandbox.Linux;

namespace Sandbox.Sentry.Kernel;

/// <summary>
/// Futex wait queues keyed by address (private futexes of one address space for now). A
/// waiter re-checks the futex word under the queue lock, so a wake between the check and the
/// sleep is never lost.
/// </summary>
public sealed class Futexes
{
    private sealed class Waiter
    {
        public required Task Task;
        public uint Bitset;
        public volatile bool Woken;
    }

    private readonly Dictionary<(object Space, ulong Addr), List<Waiter>> _queues = new();

    /// <summary>
    /// Which futex an address names: private futexes by (address space, address); shared ones
    /// in MAP_SHARED memory by (memory-file backing, offset), so processes sharing the memory
    /// after fork meet on the same queue.
    /// </summary>
    public static (object, ulong) Key(Task t, ulong addr, bool isPrivate)
    {
        if (!isPrivate && t.MM.Find(addr) is { Shared: true } v)
            return (v.Backing, (ulong)(v.FileOffset + (long)(addr - v.Start)));
        return (t.MM, addr);
    }

    /// <summary>
    /// Blocks while *addr == expected: 0 when woken, -EAGAIN if the value differs, -ETIMEDOUT,
    /// -ERESTARTSYS when a signal interrupts (signal handling decides EINTR or restart), -EFAULT.
    /// </summary>
    public int Wait(Task t, ulong addr, uint expected, uint bitset, long timeoutNs, bool isPrivate = true)
    {
        var key = Key(t, addr, isPrivate);
        var w = new Waiter { Task = t, Bitset = bitset };
        lock (_queues)
        {
            int r = t.MM.Read(addr, out uint cur);
            if (r < 0) return r;
            if (cur != expected) return -(int)Errno.EAGAIN;
            if (!_queues.TryGetValue(key, out var q)) _queues[key] = q = new List<Waiter>();
            q.Add(w);
        }
        long deadline = timeoutNs < 0 ? -1 : Task.MonotonicNow() + timeoutNs;
        var res = t.BlockUntil(() => w.Woken, deadline);
        if (w.Woken) return 0;
        lock (_queues)
        {
            if (w.Woken) return 0;
            // It may have been requeued: look for it everywhere.
            foreach (var (k, q) in _queues)
                if (q.Remove(w)) { if (q.Count == 0) _queues.Remove(k); break; }
        }
        return res == BlockResult.Interrupted ? -(int)Errno.ERESTARTSYS : -(int)Errno.ETIMEDOUT;
    }

    /// <summary>
    /// FUTEX_CMP_REQUEUE / FUTEX_REQUEUE: wakes up to nWake waiters on addr and moves up to
    /// nRequeue of the rest to addr2. With <paramref name="expected"/> set, *addr must equal it.
    /// </summary>
    public int Requeue(Task t, ulong addr, ulong addr2, int nWake, int nRequeue, uint? expected, bool isPrivate = true)
    {
        var key = Key(t, addr, isPrivate);
        lock (_queues)
        {
            if (expected is { } e)
            {
                int r = t.MM.Read(addr, out uint cur);
                if (r < 0) return r;
                if (cur != e) return -(int)Errno.EAGAIN;
            }
            if (!_queues.TryGetValue(key, out var q)) return 0;
            int woken = 0, moved = 0;
            while (q.Count > 0 && woken < nWake) { q[0].Woken = true; q[0].Task.Wake(); q.RemoveAt(0); woken++; }
            if (q.Count > 0 && nRequeue > 0)
            {
                var key2 = Key(t, addr2, isPrivate);
                if (!_queues.TryGetValue(key2, out var q2)) _queues[key2] = q2 = new List<Waiter>();
                while (q.Count > 0 && moved < nRequeue) { q2.Add(q[0]); q.RemoveAt(0); moved++; }
            }
            if (q.Count == 0) _queues.Remove(key);
            return woken + moved;
        }
    }

    /// <summary>Runs <paramref name="update"/> on the futex word under the queue lock (FUTEX_WAKE_OP's atomic step).</summary>
    public int Update(Task t, ulong addr, Func<uint, uint> update, out uint old)
    {
        lock (_queues)
        {
            int r = t.MM.Read(addr, out old);
            if (r < 0) return r;
            return t.MM.Write(addr, update(old));
        }
    }

    /// <summary>Wakes up to n waiters whose bitset intersects; returns how many.</summary>
    public int Wake(Task t, ulong addr, int n, uint bitset, bool isPrivate = true)
    {
        var key = Key(t, addr, isPrivate);
        lock (_queues)
        {
            if (!_queues.TryGetValue(key, out var q)) return 0;
            int woken = 0;
            for (int i = 0; i < q.Count && woken < n;)
            {
                if ((q[i].Bitset & bitset) == 0) { i++; continue; }
                q[i].Woken = true;
                q[i].Task.Wake();
                q.RemoveAt(i);
                woken++;
            }
            if (q.Count == 0) _queues.Remove(key);
            return woken;
        }
    }
}
