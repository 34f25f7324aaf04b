using Sandbox.Linux;

namespace Sandbox.Sentry.Vfs;

/// <summary>A task's file descriptor table: fd → (description, close-on-exec).</summary>
public sealed class FdTable
{
    private FileDescription?[] _files = new FileDescription?[64];
    private bool[] _cloexec = new bool[64];
    private readonly object _lock = new();

    /// <summary>RLIMIT_NOFILE's soft value, consulted on every allocation.</summary>
    public Func<ulong> Limit { get; set; } = () => 1024;

    public FileDescription? Get(int fd)
    {
        var f = _files;
        return (uint)fd < (uint)f.Length ? f[fd] : null;
    }

    public bool GetCloexec(int fd) { lock (_lock) return (uint)fd < (uint)_cloexec.Length && _cloexec[fd]; }

    public int SetCloexec(int fd, bool on)
    {
        lock (_lock)
        {
            if (Get(fd) == null) return -(int)Errno.EBADF;
            _cloexec[fd] = on;
            return 0;
        }
    }

    private void Grow(int min)
    {
        int n = _files.Length;
        while (n <= min) n *= 2;
        Array.Resize(ref _files, n);
        Array.Resize(ref _cloexec, n);
    }

    /// <summary>Installs at the lowest free fd ≥ <paramref name="minFd"/>. Takes over one reference. fd or -EMFILE.</summary>
    public int Install(FileDescription file, bool cloexec, int minFd = 0)
    {
        lock (_lock)
        {
            ulong limit = Limit();
            for (int fd = minFd; (ulong)fd < limit; fd++)
            {
                if (fd >= _files.Length) Grow(fd);
                if (_files[fd] != null) continue;
                _files[fd] = file;
                _cloexec[fd] = cloexec;
                return fd;
            }
        }
        file.DecRef();
        return -(int)Errno.EMFILE;
    }

    /// <summary>Puts <paramref name="file"/> at exactly <paramref name="fd"/>, closing what was there (dup2).</summary>
    public int InstallAt(int fd, FileDescription file, bool cloexec)
    {
        FileDescription? old;
        lock (_lock)
        {
            if (fd < 0 || (ulong)fd >= Limit()) { file.DecRef(); return -(int)Errno.EBADF; }
            if (fd >= _files.Length) Grow(fd);
            old = _files[fd];
            _files[fd] = file;
            _cloexec[fd] = cloexec;
        }
        if (old != null) { RecordLockTable.Closed(this, old); old.DecRef(); }
        return fd;
    }

    public int Close(int fd)
    {
        FileDescription? f;
        lock (_lock)
        {
            f = Get(fd);
            if (f == null) return -(int)Errno.EBADF;
            _files[fd] = null;
            _cloexec[fd] = false;
        }
        RecordLockTable.Closed(this, f);
        f.DecRef();
        return 0;
    }

    public void CloseAll()
    {
        for (int fd = 0; fd < _files.Length; fd++) if (_files[fd] != null) Close(fd);
    }

    public int HighestFd()
    {
        lock (_lock)
        {
            for (int fd = _files.Length - 1; fd >= 0; fd--) if (_files[fd] != null) return fd;
            return -1;
        }
    }

    private int _users = 1;

    /// <summary>Tasks sharing this table (CLONE_FILES).</summary>
    public void AddUser() => Interlocked.Increment(ref _users);

    public void Release()
    {
        if (Interlocked.Decrement(ref _users) == 0) CloseAll();
    }

    /// <summary>fork's copy: the same descriptions, one more reference each, same close-on-exec flags.</summary>
    public FdTable Fork()
    {
        lock (_lock)
        {
            var c = new FdTable { Limit = Limit };
            c._files = (FileDescription?[])_files.Clone();
            c._cloexec = (bool[])_cloexec.Clone();
            foreach (var f in c._files) f?.IncRef();
            return c;
        }
    }

    /// <summary>execve: closes every close-on-exec descriptor.</summary>
    public void CloseOnExec()
    {
        for (int fd = 0; fd < _files.Length; fd++)
            if (_files[fd] != null && _cloexec[fd]) Close(fd);
    }

    public int Count { get { lock (_lock) return _files.Count(f => f != null); } }
}
