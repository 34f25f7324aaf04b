using System.Buffers.Binary;
using System.Text;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using static Sandbox.Linux.Abi.InotifyMask;

namespace Sandbox.Sentry.Vfs.Inotify;

/// <summary>One inotify instance (inotify_init1): its watches and its queue of events.</summary>
public sealed class InotifyFile : FileDescription
{
    /// <summary>/proc/sys/fs/inotify/max_queued_events.</summary>
    public const int MaxQueued = 16384;

    private readonly record struct Event(int Wd, uint Mask, uint Cookie, byte[]? Name)
    {
        /// <summary>The record's size: the name is NUL-padded to a multiple of 16 (fs/notify/inotify/inotify_user.c).</summary>
        public int Size => EventSize + NameLen;
        public int NameLen => Name == null ? 0 : (Name.Length + 1 + EventSize - 1) / EventSize * EventSize;
    }

    private readonly LinkedList<Event> _queue = new();
    private readonly Dictionary<int, Watch> _watches = new();
    private int _nextWd = 1;
    private int _pendingBytes;

    public object Lock { get; } = new();
    public WaitQueue Queue { get; } = new();

    /// <summary>Adds or updates the watch on <paramref name="inode"/>; wd or -errno.</summary>
    public int AddWatch(Inode inode, uint mask)
    {
        lock (Fsnotify.Lock)
        {
            var existing = inode.Watches?.Find(w => w.Owner == this);
            if (existing != null)
            {
                if ((mask & IN_MASK_CREATE) != 0) return -(int)Errno.EEXIST;
                uint bits = mask & (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK);
                existing.Mask = (mask & IN_MASK_ADD) != 0 ? existing.Mask | bits : bits;
                return existing.Wd;
            }
            var w = new Watch(this, _nextWd++, inode, mask & (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK));
            lock (Lock) _watches[w.Wd] = w;
            (inode.Watches ??= new List<Watch>()).Add(w);
            Fsnotify.Added();
            return w.Wd;
        }
    }

    public int RemoveWatch(int wd)
    {
        Watch? w;
        lock (Fsnotify.Lock)
        {
            lock (Lock) if (!_watches.TryGetValue(wd, out w)) return -(int)Errno.EINVAL;
            Fsnotify.Detach(w);
        }
        return 0;
    }

    /// <summary>The watch is gone (removed, its inode deleted, or oneshot): IN_IGNORED follows. Fsnotify.Lock held.</summary>
    internal void Forget(Watch w)
    {
        lock (Lock) _watches.Remove(w.Wd);
        Enqueue(w.Wd, IN_IGNORED, 0, null);
    }

    internal void Enqueue(int wd, uint mask, uint cookie, string? name)
    {
        byte[]? nameBytes = name == null ? null : Encoding.UTF8.GetBytes(name);
        lock (Lock)
        {
            // An event identical to the last unread one is merged into it (inotify_merge).
            if (_queue.Last is { } last && last.Value.Wd == wd && last.Value.Mask == mask && last.Value.Cookie == cookie
                && (last.Value.Name == null ? nameBytes == null : nameBytes != null && last.Value.Name.AsSpan().SequenceEqual(nameBytes)))
                return;
            if (_queue.Count >= MaxQueued)
            {
                if (_queue.Count == MaxQueued && _queue.Last!.Value.Mask != IN_Q_OVERFLOW) Add(new Event(-1, IN_Q_OVERFLOW, 0, null));
                return;
            }
            Add(new Event(wd, mask, cookie, nameBytes));
        }
        Queue.Notify();
    }

    private void Add(Event e) { _queue.AddLast(e); _pendingBytes += e.Size; }

    public override long Read(Span<byte> dst, long offset)
    {
        var t = Task.Current;
        while (true)
        {
            lock (Lock)
            {
                if (_queue.Count > 0)
                {
                    int written = 0;
                    while (_queue.First is { } node && node.Value.Size <= dst.Length - written)
                    {
                        var e = node.Value;
                        var rec = dst.Slice(written, e.Size);
                        rec.Clear();
                        BinaryPrimitives.WriteInt32LittleEndian(rec, e.Wd);
                        BinaryPrimitives.WriteUInt32LittleEndian(rec[4..], e.Mask);
                        BinaryPrimitives.WriteUInt32LittleEndian(rec[8..], e.Cookie);
                        BinaryPrimitives.WriteUInt32LittleEndian(rec[12..], (uint)e.NameLen);
                        e.Name?.CopyTo(rec[EventSize..]);
                        written += e.Size;
                        _pendingBytes -= e.Size;
                        _queue.RemoveFirst();
                    }
                    return written > 0 ? written : -(long)Errno.EINVAL; // the next event does not fit
                }
                if (NonBlocking || t == null) return -(long)Errno.EAGAIN;
            }
            if (t.BlockUntil(() => { lock (Lock) return _queue.Count > 0; }, -1, Queue) == BlockResult.Interrupted)
                return -(long)Errno.ERESTARTSYS;
        }
    }

    public override long Write(ReadOnlySpan<byte> src, long offset) => -(long)Errno.EINVAL;

    public override short Readiness(short events)
    {
        lock (Lock) return (short)(_queue.Count > 0 ? events & (Poll.POLLIN | Poll.POLLRDNORM) : 0);
    }

    public override WaitQueue? ReadinessQueue => Queue;

    public override long Available() { lock (Lock) return _pendingBytes; }

    public override long Ioctl(Task task, uint cmd, ulong arg)
        => cmd == Sandbox.Linux.Abi.Ioctl.FIONREAD ? task.MM.Write(arg, (int)Available()) : -(long)Errno.ENOTTY;

    public override int Stat(out Stat st)
    {
        st = new Stat { Mode = 0x180 /* 0600, no type: an anonymous inode */, Nlink = 1, Blksize = 4096 };
        return 0;
    }

    protected override void Release()
    {
        lock (Fsnotify.Lock)
        {
            List<Watch> all;
            lock (Lock) all = _watches.Values.ToList();
            foreach (var w in all) Fsnotify.Detach(w, quiet: true);
        }
    }
}

/// <summary>A watch: an inode, the events wanted, and the instance that gets them.</summary>
public sealed class Watch
{
    public Watch(InotifyFile owner, int wd, Inode inode, uint mask) { Owner = owner; Wd = wd; Inode = inode; Mask = mask; }
    public InotifyFile Owner { get; }
    public int Wd { get; }
    public Inode Inode { get; }
    public uint Mask { get; set; }
}
