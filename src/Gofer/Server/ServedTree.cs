namespace Sandbox.Gofer.Server;

/// <summary>
/// One tree the Gofer serves on one socket: the container root or a bind mount. Everything is
/// reached from <see cref="RootFd"/> by openat of one component at a time with O_NOFOLLOW;
/// no host path is ever opened whole.
/// </summary>
internal sealed class ServedTree(string name, int rootFd, bool readOnly, int procSelfFd, bool donateFds = false)
{
    /// <summary>Whether Rlopen/Rlcreate of regular files carry a host fd (SCM_RIGHTS).</summary>
    public bool DonateFds { get; } = donateFds;
    /// <summary>For messages: "/" or the guest path of a volume.</summary>
    public string Name { get; } = name;
    /// <summary>O_PATH directory fd of the tree's root.</summary>
    public int RootFd { get; } = rootFd;
    public bool ReadOnly { get; } = readOnly;
    /// <summary>
    /// /proc/self/fd opened before pivot_root (or -1): opening "N" in it reopens our O_PATH fd N
    /// with real access flags without resolving any path again.
    /// </summary>
    public int ProcSelfFd { get; } = procSelfFd;
}
