using Sandbox.Linux.Abi;
using Sandbox.Sentry.Memory;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Kernel.Ipc;

/// <summary>
/// A System V shared memory segment: a range of the memory file of its own that shmat maps
/// MAP_SHARED. The segment holds one reference on its backing; every VMA piece that maps it
/// holds one more, so shm_nattch is the backing's references less the segment's own.
/// </summary>
public sealed class ShmSegment : IpcObject, IBackingOwner
{
    private readonly SharedMemory _shm;

    public ShmSegment(SharedMemory shm, int key, uint mode, Credentials c, ulong size, Backing backing, int cpid) : base(key, mode, c)
    {
        _shm = shm;
        Size = size;
        Backing = backing;
        Cpid = cpid;
        Ctime = Now();
    }

    public ulong Size { get; }
    public Backing Backing { get; }
    public long Atime, Dtime, Ctime;
    public int Cpid, Lpid;
    /// <summary>The backing went back to the memory file (removed and no longer attached).</summary>
    public bool Destroyed;
    /// <summary>Extra references shmat holds while it maps the segment outside the namespace's lock.</summary>
    private int _pins;

    public ulong Pages => Layout.PageRoundUp(Size) / Layout.PageSize;

    /// <summary>Attachments: VMA pieces mapping it (what Linux counts as well: a split attachment counts twice).</summary>
    public ulong Nattch => Destroyed ? 0 : (ulong)Math.Max(0, Volatile.Read(ref Backing.Refs) - 1 - _pins);

    /// <summary>Keeps the memory while shmat maps it (under the namespace's lock).</summary>
    public void Pin() { _pins++; Backing.AddRef(); }

    public void Unpin()
    {
        lock (_shm.Registry.Lock)
        {
            _pins--;
            Backing.DecRef();
            DestroyIfUnused();
        }
    }

    public void PieceDropped()
    {
        lock (_shm.Registry.Lock)
        {
            Dtime = Now();
            if (Task.Current is { } t) Lpid = t.Tgid;
            DestroyIfUnused();
        }
    }

    /// <summary>IPC_RMID: gone now when nothing maps it, else when the last attachment goes (SHM_DEST).</summary>
    public void MarkForRemoval()
    {
        Mode |= SysV.SHM_DEST;
        _shm.Registry.ForgetKey(this);
        DestroyIfUnused();
    }

    private void DestroyIfUnused()
    {
        if (Destroyed || (Mode & SysV.SHM_DEST) == 0 || Nattch != 0 || _pins != 0) return;
        Destroyed = true;
        _shm.Destroy(this);
    }

    public ShmidDs Stat() => new()
    {
        Perm = Perm, Segsz = Size, Atime = Atime, Dtime = Dtime, Ctime = Ctime, Cpid = Cpid, Lpid = Lpid, Nattch = Nattch,
    };
}
