using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Memory;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Kernel.Ipc;

/// <summary>An IPC namespace's System V shared memory (shmget(2), shmctl(2)), with its limits.</summary>
public sealed class SharedMemory
{
    private readonly MemoryFile _file;

    public SharedMemory(MemoryFile file, ulong shmmax, ulong shmall, int shmmni)
    {
        _file = file;
        ShmMax = shmmax;
        ShmAll = shmall;
        Registry.Limit = Math.Min(shmmni, SysV.IdMultiplier);
    }

    public IpcRegistry<ShmSegment> Registry { get; } = new();
    public ulong ShmMax { get; }
    public ulong ShmAll { get; }
    /// <summary>Pages of all segments (shm_tot), against SHMALL.</summary>
    public ulong TotalPages { get; private set; }

    public long Get(int key, ulong size, int flags, Credentials c, int tgid)
    {
        lock (Registry.Lock)
        {
            return Registry.Get(key, flags, c,
                existing => existing == null
                    ? (size < SysV.SHMMIN || size > ShmMax ? -(long)Errno.EINVAL : 0)
                    : (existing.Size < size ? -(long)Errno.EINVAL : 0),
                () => Create(key, size, flags, c, tgid));
        }
    }

    private long Create(int key, ulong size, int flags, Credentials c, int tgid)
    {
        ulong pages = Layout.PageRoundUp(size) / Layout.PageSize;
        if (pages == 0 || TotalPages + pages < TotalPages || TotalPages + pages > ShmAll) return -(long)Errno.ENOSPC;
        if (Registry.Count >= Registry.Limit) return -(long)Errno.ENOSPC;
        ulong bytes = pages * Layout.PageSize;
        if (bytes > (ulong)MemoryFile.Capacity) return -(long)Errno.ENOMEM;
        long off = _file.Allocate(bytes);
        if (off < 0) return off;
        var backing = new Backing(off, bytes) { Refs = 1, SharedAcrossSpaces = true };
        var seg = new ShmSegment(this, key, (uint)flags, c, size, backing, tgid);
        backing.Owner = seg;
        long id = Registry.Add(seg);
        if (id < 0) { _file.Release(off, bytes); return id; }
        TotalPages += pages;
        return id;
    }

    /// <summary>Frees a removed segment's memory once nothing maps it (called under the lock).</summary>
    internal void Destroy(ShmSegment seg)
    {
        Registry.Remove(seg);
        TotalPages -= seg.Pages;
        if (seg.Backing.DecRef()) _file.Release(seg.Backing.Offset, seg.Backing.Length);
    }

    /// <summary>Resident bytes of all segments (SHM_INFO's shm_rss).</summary>
    public ulong ResidentBytes()
    {
        ulong n = 0;
        foreach (var s in Registry.All) if (!s.Destroyed) n += _file.PopulatedBytes(s.Backing.Offset, s.Backing.Length);
        return n;
    }

    public ulong ResidentBytes(ShmSegment s) => s.Destroyed ? 0 : _file.PopulatedBytes(s.Backing.Offset, s.Backing.Length);
}
