using System.Collections.Concurrent;

namespace Sandbox.Gofer.Server;

/// <summary>A connection's fids. Lookups take a reference the caller must release.</summary>
internal sealed class FidTable
{
    /// <summary>Caps the fds one client can make us hold.</summary>
    public const int MaxFids = 16384;
    private readonly ConcurrentDictionary<uint, FidState> _fids = new();

    public FidState? Get(uint fid) => _fids.TryGetValue(fid, out var s) && s.TryAcquire() ? s : null;

    /// <summary>Adds a new fid; false (and the state released) when the number is taken or the table is full.</summary>
    public bool TryAdd(uint fid, FidState s, out int errno)
    {
        errno = 0;
        if (fid == P9.P9.NoFid) errno = (int)Linux.Errno.EINVAL;
        else if (_fids.Count >= MaxFids) errno = (int)Linux.Errno.EMFILE;
        else if (!_fids.TryAdd(fid, s)) errno = (int)Linux.Errno.EBADF;
        if (errno != 0) s.Release();
        return errno == 0;
    }

    /// <summary>Replaces fid's state (a walk onto itself); the old one is released.</summary>
    public void Replace(uint fid, FidState s)
    {
        if (_fids.TryGetValue(fid, out var old) && _fids.TryUpdate(fid, s, old)) old.Release();
        else if (!_fids.TryAdd(fid, s)) s.Release();
    }

    public FidState? Remove(uint fid) => _fids.TryRemove(fid, out var s) ? s : null;

    public void Clear()
    {
        foreach (var k in _fids.Keys) Remove(k)?.Release();
    }
}
