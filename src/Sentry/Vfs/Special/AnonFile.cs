using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Vfs.Special;

/// <summary>A file with no name ("anon_inode:[...]"): eventfd, timerfd, signalfd, epoll.</summary>
public abstract class AnonFile : FileDescription
{
    private static long _nextIno = 1;
    private readonly ulong _ino = (ulong)Interlocked.Increment(ref _nextIno);

    public WaitQueue Queue { get; } = new();
    public override WaitQueue? ReadinessQueue => Queue;

    public override int Stat(out Stat st)
    {
        st = new Stat { Dev = FileMode.MakeDev(0, 15), Ino = _ino, Nlink = 1, Mode = 0x180 /* 0600, no type */, Blksize = 4096 };
        return 0;
    }
}
