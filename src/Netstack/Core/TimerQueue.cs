namespace Sandbox.Netstack;

/// <summary>Something with deadlines; <see cref="OnTimer"/> runs when the earliest is due.</summary>
internal interface ITimerTarget
{
    /// <summary>Handles whatever is due and returns the next deadline (or long.MaxValue).</summary>
    long OnTimer(long now);
}

/// <summary>
/// Deadlines of all timer targets in one heap. Entries are never removed: a target re-armed
/// earlier gets a second entry and stale ones are recognised by comparing with the target's
/// current deadline (kept here, so targets need no bookkeeping of their own).
/// </summary>
internal sealed class TimerQueue
{
    private readonly PriorityQueue<ITimerTarget, long> _heap = new();
    private readonly Dictionary<ITimerTarget, long> _armed = new(ReferenceEqualityComparer.Instance);

    public void Arm(ITimerTarget t, long deadline)
    {
        if (deadline == long.MaxValue) return;
        if (_armed.TryGetValue(t, out long cur) && cur <= deadline) return;
        _armed[t] = deadline;
        _heap.Enqueue(t, deadline);
    }

    public void Cancel(ITimerTarget t) => _armed.Remove(t);

    public long NextDeadline
    {
        get
        {
            while (_heap.TryPeek(out var t, out long d))
            {
                if (_armed.TryGetValue(t, out long cur) && cur == d) return d;
                _heap.Dequeue();
            }
            return long.MaxValue;
        }
    }

    /// <summary>Runs every target whose deadline is at or before <paramref name="now"/>.</summary>
    public void Run(long now)
    {
        while (_heap.TryPeek(out var t, out long d) && d <= now)
        {
            _heap.Dequeue();
            if (!_armed.TryGetValue(t, out long cur) || cur != d) continue;
            _armed.Remove(t);
            long next = t.OnTimer(now);
            if (next != long.MaxValue) Arm(t, Math.Max(next, now + 1));
        }
    }
}
