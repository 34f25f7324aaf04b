namespace Sandbox.Sentry.Vfs;

/// <summary>
/// fcntl(2) record locks: byte ranges of an inode, read (shared) or write (exclusive).
/// Classic POSIX locks belong to a process's descriptor table (the kernel's files_struct):
/// a fork's child holds none of its parent's, and closing any descriptor of the inode drops
/// them all. Open-file-description (OFD) locks belong to the description and go with its
/// last close. The two kinds conflict like locks of any two owners.
/// </summary>
public static class RecordLockTable
{
    public const short F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2;

    /// <summary>One held range; End is inclusive (long.MaxValue: to the end of the file, and beyond).</summary>
    public sealed record Held(object Owner, int Pid, short Type, long Start, long End);

    private sealed class State
    {
        public readonly List<Held> Locks = new();
        public readonly Kernel.WaitQueue Queue = new();
    }

    private static readonly Dictionary<(ulong Dev, ulong Ino), State> _inodes = new();
    // POSIX owners blocked in F_SETLKW, and the owner each waits for (deadlock detection).
    private static readonly Dictionary<object, object> _waitsFor = new(ReferenceEqualityComparer.Instance);
    private static int _count;

    /// <summary>Whether any record lock exists at all (closes skip the table when none does).</summary>
    public static bool Any => Volatile.Read(ref _count) > 0;

    private static bool Overlaps(Held l, long start, long end) => l.Start <= end && start <= l.End;

    private static Held? Conflict(State s, object owner, short type, long start, long end)
    {
        foreach (var l in s.Locks)
            if (l.Owner != owner && Overlaps(l, start, end) && (type == F_WRLCK || l.Type == F_WRLCK)) return l;
        return null;
    }

    /// <summary>F_GETLK: the first lock of another owner that would block this one, or null.</summary>
    public static Held? Test((ulong, ulong) key, object owner, short type, long start, long end)
    {
        lock (_inodes) return _inodes.TryGetValue(key, out var s) ? Conflict(s, owner, type, start, end) : null;
    }

    /// <summary>
    /// F_SETLK: sets, converts or (F_UNLCK) removes the owner's locks over [start, end],
    /// splitting and merging its existing ranges. 0, or -EAGAIN with the queue to wait on.
    /// </summary>
    public static int Set((ulong, ulong) key, object owner, int pid, short type, long start, long end, out Kernel.WaitQueue? queue, out Held? blocker)
    {
        blocker = null;
        bool changed = false;
        lock (_inodes)
        {
            if (!_inodes.TryGetValue(key, out var s))
            {
                queue = null;
                if (type == F_UNLCK) return 0;
                _inodes[key] = s = new State();
            }
            queue = s.Queue;
            if (type != F_UNLCK && (blocker = Conflict(s, owner, type, start, end)) != null) return -(int)Linux.Errno.EAGAIN;
            long newStart = start, newEnd = end;
            int before = s.Locks.Count;
            for (int i = s.Locks.Count - 1; i >= 0; i--)
            {
                var l = s.Locks[i];
                if (l.Owner != owner) continue;
                bool adjacent = (l.End != long.MaxValue && l.End + 1 == start) || (end != long.MaxValue && end + 1 == l.Start);
                if (l.Type == type && (Overlaps(l, start, end) || adjacent))
                {
                    // Same kind, touching: one range covers both.
                    newStart = Math.Min(newStart, l.Start);
                    newEnd = Math.Max(newEnd, l.End);
                    s.Locks.RemoveAt(i);
                    changed = true;
                }
                else if (Overlaps(l, start, end))
                {
                    // The new range (or the unlock) cuts this one; what lies outside stays.
                    s.Locks.RemoveAt(i);
                    if (l.Start < start) s.Locks.Add(l with { End = start - 1 });
                    if (l.End > end) s.Locks.Add(l with { Start = end + 1 });
                    changed = true;
                }
            }
            if (type != F_UNLCK) s.Locks.Add(new Held(owner, pid, type, newStart, newEnd));
            Counted(key, s, before);
        }
        if (changed) queue.Notify();
        return 0;
    }

    /// <summary>
    /// Before an F_SETLKW waits on <paramref name="blocker"/>: would it wait, through a chain of
    /// blocked POSIX owners, for itself? (EDEADLK, as the kernel's posix_locks_deadlock.)
    /// Otherwise records that <paramref name="owner"/> waits, until <see cref="DoneWaiting"/>.
    /// </summary>
    public static bool WouldDeadlock(object owner, Held blocker)
    {
        lock (_inodes)
        {
            object? o = blocker.Owner;
            for (int i = 0; i < 10 && o != null; i++)
            {
                if (o == owner) return true;
                o = _waitsFor.TryGetValue(o, out var next) ? next : null;
            }
            _waitsFor[owner] = blocker.Owner;
            return false;
        }
    }

    public static void DoneWaiting(object owner)
    {
        lock (_inodes) _waitsFor.Remove(owner);
    }

    /// <summary>Drops every lock <paramref name="owner"/> holds on the inode (a close, or an OFD's last close).</summary>
    public static void Release((ulong, ulong) key, object owner)
    {
        State? s;
        lock (_inodes)
        {
            if (!_inodes.TryGetValue(key, out s)) return;
            int before = s.Locks.Count;
            if (s.Locks.RemoveAll(l => l.Owner == owner) == 0) return;
            Counted(key, s, before);
        }
        s.Queue.Notify();
    }

    /// <summary>Keeps the total count (and drops an inode's empty state). Caller holds the table.</summary>
    private static void Counted((ulong, ulong) key, State s, int before)
    {
        _count += s.Locks.Count - before;
        if (s.Locks.Count == 0) _inodes.Remove(key);
    }

    /// <summary>The inode key of an open file, if it has one.</summary>
    public static bool KeyOf(FileDescription f, out (ulong, ulong) key)
    {
        key = default;
        if (f.Stat(out var st) < 0) return false;
        key = (st.Dev, st.Ino);
        return true;
    }

    /// <summary>A descriptor table closed one of its fds: its POSIX locks on that inode go (fcntl(2)).</summary>
    public static void Closed(FdTable owner, FileDescription f)
    {
        if (Any && KeyOf(f, out var key)) Release(key, owner);
    }
}
