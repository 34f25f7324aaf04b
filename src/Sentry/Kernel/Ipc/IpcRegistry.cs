using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Kernel.Ipc;

/// <summary>
/// One kind of System V IPC object in one IPC namespace: ids (seq * 32768 + index, the index
/// handed out cyclically as ipc/util.c does, so a removed id is not at once valid again) and
/// the key index. Callers hold <see cref="Lock"/>.
/// </summary>
public sealed class IpcRegistry<T> where T : IpcObject
{
    private readonly Dictionary<int, T> _byIndex = new();
    private readonly Dictionary<int, T> _byKey = new();
    private int _lastIndex = -1;
    private int _seq;

    public object Lock { get; } = new();
    /// <summary>The most objects there may be (SHMMNI, SEMMNI, MSGMNI).</summary>
    public int Limit { get; set; }

    public int Count => _byIndex.Count;
    public IEnumerable<T> All => _byIndex.Values.OrderBy(o => o.Index);
    /// <summary>The highest index in use, 0 when none (what the INFO commands return).</summary>
    public int MaxIndex => _byIndex.Count == 0 ? 0 : _byIndex.Keys.Max();

    public T? ByIndex(int index) => _byIndex.GetValueOrDefault(index);

    /// <summary>The object with this id; null (EINVAL) for a negative, stale or unknown id.</summary>
    public T? ById(int id)
    {
        if (id < 0) return null;
        var o = _byIndex.GetValueOrDefault(id % SysV.IdMultiplier);
        return o != null && o.Id == id ? o : null;
    }

    /// <summary>
    /// The ipcget() flow of shmget/semget/msgget: IPC_PRIVATE or an unknown key with
    /// IPC_CREAT makes one; a known key is EEXIST under IPC_CREAT|IPC_EXCL, then
    /// <paramref name="check"/> (size/nsems), then the permissions of flags' mode bits.
    /// </summary>
    public long Get(int key, int flags, Credentials c, Func<T?, long> check, Func<long> create)
    {
        if (key != SysV.PRIVATE && _byKey.TryGetValue(key, out var o))
        {
            if ((flags & SysV.CREAT) != 0 && (flags & SysV.EXCL) != 0) return -(long)Errno.EEXIST;
            long r = check(o);
            if (r < 0) return r;
            return o.Permits(c, flags) ? o.Id : -(long)Errno.EACCES;
        }
        if (key != SysV.PRIVATE && (flags & SysV.CREAT) == 0) return -(long)Errno.ENOENT;
        long v = check(null);
        if (v < 0) return v;
        return create();
    }

    /// <summary>Gives the object an id and makes it findable; -ENOSPC when the namespace is full.</summary>
    public long Add(T o)
    {
        int idx = -1;
        for (int n = 1; n <= Limit && idx < 0; n++)
        {
            int cand = (_lastIndex + n) % Limit;
            if (!_byIndex.ContainsKey(cand)) idx = cand;
        }
        if (idx < 0) return -(long)Errno.ENOSPC;
        if (idx <= _lastIndex && ++_seq > 65535) _seq = 0; // the index wrapped: a new generation
        _lastIndex = idx;
        o.Id = _seq * SysV.IdMultiplier + idx;
        _byIndex[idx] = o;
        if (o.Key != SysV.PRIVATE) _byKey[o.Key] = o;
        return o.Id;
    }

    /// <summary>Takes the key away (IPC_RMID of a segment still attached): the id stays valid.</summary>
    public void ForgetKey(T o)
    {
        if (o.Key != SysV.PRIVATE && _byKey.TryGetValue(o.Key, out var k) && k == o) _byKey.Remove(o.Key);
        o.Key = SysV.PRIVATE;
    }

    public void Remove(T o)
    {
        if (o.Key != SysV.PRIVATE && _byKey.TryGetValue(o.Key, out var k) && k == o) _byKey.Remove(o.Key);
        if (_byIndex.TryGetValue(o.Index, out var i) && i == o) _byIndex.Remove(o.Index);
        o.Removed = true;
    }
}
