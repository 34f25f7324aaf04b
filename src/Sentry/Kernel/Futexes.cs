using Sandbox.Linux;

namespace Sandbox.Sentry.Kernel;

/// <summary>
/// Futex wait queues keyed by address (private futexes of one address space for now). A
/// waiter re-checks the futex word under the queue lock, so a wake between the check and the
/// sleep is never lost.
/// </summary>
public sealed class Futexes
{
    private sealed class Waiter { public uint Bitset; public bool Woken; }

    private readonly Dictionary<(object Mm, ulong Addr), List<Waiter>> _queues = new();

    /// <summary>Blocks while *addr == expected. 0 when woken, -EAGAIN, -ETIMEDOUT, -EFAULT.</summary>
    public int Wait(Task t, ulong addr, uint expected, uint bitset, long timeoutNs)
    {
        var key = ((object)t.MM, addr);
        var w = new Waiter { Bitset = bitset };
        lock (_queues)
        {
            int r = t.MM.Read(addr, out uint cur);
            if (r < 0) return r;
            if (cur != expected) return -(int)Errno.EAGAIN;
            if (!_queues.TryGetValue(key, out var q)) _queues[key] = q = new List<Waiter>();
            q.Add(w);
            long deadline = timeoutNs < 0 ? long.MaxValue : Environment.TickCount64 + (timeoutNs + 999_999) / 1_000_000;
            while (!w.Woken)
            {
                long left = deadline == long.MaxValue ? Timeout.Infinite : deadline - Environment.TickCount64;
                if (left <= 0 && deadline != long.MaxValue) break;
                Monitor.Wait(_queues, left == Timeout.Infinite ? Timeout.Infinite : (int)Math.Min(left, int.MaxValue));
            }
            if (w.Woken) return 0;
            q.Remove(w);
            if (q.Count == 0) _queues.Remove(key);
            return -(int)Errno.ETIMEDOUT;
        }
    }

    /// <summary>
    /// FUTEX_CMP_REQUEUE / FUTEX_REQUEUE: wakes up to nWake waiters on addr and moves up to
    /// nRequeue of the rest to addr2. With <paramref name="expected"/> set, *addr must equal it.
    /// </summary>
    public int Requeue(Task t, ulong addr, ulong addr2, int nWake, int nRequeue, uint? expected)
    {
        var key = ((object)t.MM, addr);
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
            while (q.Count > 0 && woken < nWake) { q[0].Woken = true; q.RemoveAt(0); woken++; }
            if (q.Count > 0 && nRequeue > 0)
            {
                var key2 = ((object)t.MM, addr2);
                if (!_queues.TryGetValue(key2, out var q2)) _queues[key2] = q2 = new List<Waiter>();
                while (q.Count > 0 && moved < nRequeue) { q2.Add(q[0]); q.RemoveAt(0); moved++; }
            }
            if (q.Count == 0) _queues.Remove(key);
            if (woken > 0) Monitor.PulseAll(_queues);
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
    public int Wake(Task t, ulong addr, int n, uint bitset)
    {
        var key = ((object)t.MM, addr);
        lock (_queues)
        {
            if (!_queues.TryGetValue(key, out var q)) return 0;
            int woken = 0;
            for (int i = 0; i < q.Count && woken < n;)
            {
                if ((q[i].Bitset & bitset) == 0) { i++; continue; }
                q[i].Woken = true;
                q.RemoveAt(i);
                woken++;
            }
            if (q.Count == 0) _queues.Remove(key);
            if (woken > 0) Monitor.PulseAll(_queues);
            return woken;
        }
    }
}
