namespace Sandbox.Linux;

/// <summary>How `--strace` decodes one syscall argument.</summary>
public enum ArgKind : byte
{
    /// <summary>Signed decimal.</summary>
    Int,
    /// <summary>Unsigned decimal (sizes, counts).</summary>
    UInt,
    /// <summary>Hexadecimal (pointers, opaque values); 0 prints as NULL.</summary>
    Ptr,
    /// <summary>A file descriptor (int).</summary>
    Fd,
    /// <summary>A directory fd for *at calls: AT_FDCWD (-100) prints by name.</summary>
    DirFd,
    /// <summary>A NUL-terminated path or string read from application memory.</summary>
    Path,
    /// <summary>Data written by the application: the next argument is its length.</summary>
    InBuf,
    /// <summary>Data filled in by the call: the result is its length.</summary>
    OutBuf,
    /// <summary>A NULL-terminated array of string pointers (argv, envp).</summary>
    StrArray,
    /// <summary>Octal (modes, umask).</summary>
    Mode,
    OpenFlags,
    AtFlags,
    AccessMode,
    Prot,
    MmapFlags,
    Whence,
    Signal,
    SigHow,
    ClockId,
    FcntlCmd,
    IoctlCmd,
    FutexOp,
    ArchPrctlCode,
    PrctlOption,
    Rlimit,
    CloneFlags,
    WaitOptions,
    MremapFlags,
    MadviseAdvice,
    SocketDomain,
    SocketType,
}
