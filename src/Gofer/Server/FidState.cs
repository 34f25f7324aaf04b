using Sandbox.P9;

namespace Sandbox.Gofer.Server;

/// <summary>
/// What a fid names: an O_PATH fd of the file, its path from the tree root (for ".." and
/// Tremove), and once opened, an fd with real access. Reference-counted so that a Tclunk racing
/// with a Tread on the same fid never lets the read use a closed (and reused) fd number.
/// </summary>
internal sealed class FidState
{
    private int _refs = 1;
    private readonly List<int> _retired = [];

    public int PathFd;
    public volatile int OpenFd = -1;
    public uint OpenFlags;
    public string[] Path;
    public Qid Qid;
    public uint Mode;
    /// <summary>Set for an xattr fid: the value being read (Txattrwalk) or written (Txattrcreate).</summary>
    public XattrBuffer? Xattr;

    public FidState(int pathFd, string[] path, Qid qid, uint mode)
    {
        PathFd = pathFd; Path = path; Qid = qid; Mode = mode;
    }

    public bool TryAcquire()
    {
        while (true)
        {
            int c = Volatile.Read(ref _refs);
            if (c == 0) return false;
            if (Interlocked.CompareExchange(ref _refs, c + 1, c) == c) return true;
        }
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _refs) != 0) return;
        if (PathFd >= 0) Host.Close(PathFd);
        if (OpenFd >= 0) Host.Close(OpenFd);
        lock (_retired) foreach (int fd in _retired) Host.Close(fd);
    }

    /// <summary>Keeps an fd other threads may still use until the last reference goes.</summary>
    public void Retire(int fd) { if (fd >= 0) lock (_retired) _retired.Add(fd); }
}

/// <summary>The value of an xattr fid and, when it is being created, the name and flags to set at clunk.</summary>
internal sealed class XattrBuffer(byte[] value, string? setName, int setFlags)
{
    public byte[] Value = value;
    public readonly string? SetName = setName;
    public readonly int SetFlags = setFlags;
    public int Written;
}
