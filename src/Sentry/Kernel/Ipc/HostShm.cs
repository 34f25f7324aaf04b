using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Linux.Native;
using Sandbox.Sentry.Memory;

namespace Sandbox.Sentry.Kernel.Ipc;

/// <summary>
/// Host System V segments the application attached (IPC namespace "host"): the Sentry attaches
/// each once itself, for copy-in and copy-out, while any application mapping of it remains;
/// the platform attaches it in the application's address space. The host's shm_nattch so
/// counts the Sentry's own attachment too.
/// </summary>
public sealed class HostShm
{
    private readonly object _lock = new();
    private readonly Dictionary<int, HostSegment> _views = new();

    /// <summary>The Sentry's view of host segment <paramref name="id"/>, pinned for one shmat; -errno when the host refuses.</summary>
    public long Pin(int id, ulong size, out HostSegment? seg)
    {
        lock (_lock)
        {
            if (!_views.TryGetValue(id, out seg))
            {
                long at = Sys.Syscall(30 /* shmat */, id, 0, 0);
                if (at < 0 && at > -4096) { seg = null; return at; }
                ulong len = Layout.PageRoundUp(size);
                var b = new Backing(0, len) { Refs = 1, SharedAcrossSpaces = true, HostShmId = id, HostView = (nint)at };
                seg = new HostSegment(this, id, size, b);
                b.Owner = seg;
                _views[id] = seg;
            }
            seg.Pins++;
            seg.Backing.AddRef();
            return 0;
        }
    }

    public void Unpin(HostSegment seg)
    {
        lock (_lock)
        {
            seg.Pins--;
            seg.Backing.DecRef();
            ReleaseIfUnused(seg);
        }
    }

    internal void Dropped(HostSegment seg)
    {
        lock (_lock) ReleaseIfUnused(seg);
    }

    private void ReleaseIfUnused(HostSegment seg)
    {
        if (seg.Released || seg.Pins != 0 || Volatile.Read(ref seg.Backing.Refs) > 1) return;
        seg.Released = true;
        _views.Remove(seg.Id);
        seg.Backing.DecRef();
        Sys.Syscall(67 /* shmdt */, seg.Backing.HostView);
    }
}

/// <summary>One host segment the application has attached.</summary>
public sealed class HostSegment : IBackingOwner
{
    private readonly HostShm _owner;

    internal HostSegment(HostShm owner, int id, ulong size, Backing backing) { _owner = owner; Id = id; Size = size; Backing = backing; }

    public int Id { get; }
    public ulong Size { get; }
    public Backing Backing { get; }
    internal int Pins;
    internal bool Released;

    public void PieceDropped() => _owner.Dropped(this);
}
