namespace Sandbox.Sentry.Vfs;

/// <summary>
/// flock(2) locks: whole-file, advisory, held by open file descriptions (so dup'd and
/// inherited fds share one lock) on an inode, and dropped when the description's last fd closes.
/// </summary>
public static class FlockTable
{
    private sealed class State
    {
        public readonly Dictionary<FileDescription, bool> Holders = new(ReferenceEqualityComparer.Instance); // value: exclusive
        public readonly Kernel.WaitQueue Queue = new();
    }

    private static readonly Dictionary<(ulong Dev, ulong Ino), State> _locks = new();
    private static readonly Dictionary<FileDescription, (ulong, ulong)> _byFile = new(ReferenceEqualityComparer.Instance);

    /// <summary>Whether <paramref name="f"/> could take the lock now (no other description holds a conflicting one). Caller holds the table.</summary>
    private static bool Free(State s, FileDescription f, bool exclusive)
    {
        foreach (var (holder, ex) in s.Holders)
            if (holder != f && (exclusive || ex)) return false;
        return true;
    }

    /// <summary>Takes or converts the lock: 0, or -EWOULDBLOCK (the caller blocks and retries unless LOCK_NB).</summary>
    public static int TryLock(FileDescription f, (ulong, ulong) key, bool exclusive, out Kernel.WaitQueue queue)
    {
        lock (_locks)
        {
            if (!_locks.TryGetValue(key, out var s)) _locks[key] = s = new State();
            queue = s.Queue;
            if (!Free(s, f, exclusive)) return -(int)Linux.Errno.EAGAIN;
            s.Holders[f] = exclusive;
            _byFile[f] = key;
            f.HoldsFlock = true;
            return 0;
        }
    }

    public static bool CanLock(FileDescription f, (ulong, ulong) key, bool exclusive)
    {
        lock (_locks) return !_locks.TryGetValue(key, out var s) || Free(s, f, exclusive);
    }

    public static void Unlock(FileDescription f)
    {
        Kernel.WaitQueue? q = null;
        lock (_locks)
        {
            if (!_byFile.Remove(f, out var key) || !_locks.TryGetValue(key, out var s)) return;
            s.Holders.Remove(f);
            q = s.Queue;
            if (s.Holders.Count == 0) _locks.Remove(key);
        }
        q.Notify();
    }
}
