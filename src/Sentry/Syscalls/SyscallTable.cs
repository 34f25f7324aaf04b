using System.Runtime.CompilerServices;
using Sandbox.Linux;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Syscalls;

/// <summary>
/// The syscall table: number → handler. Handlers decode arguments from the task's registers,
/// call into the kernel, and return the result or -errno. Numbers without a handler answer
/// ENOSYS and are reported in the debug log.
/// </summary>
public static unsafe partial class SyscallTable
{
    private static readonly delegate*<Task, long>[] Handlers = Build();

    private static delegate*<Task, long>[] Build()
    {
        var t = new delegate*<Task, long>[SyscallTable_Count];
        FileIo.Register(t);
        FileOpen.Register(t);
        FileStat.Register(t);
        FileDir.Register(t);
        FileDescriptors.Register(t);
        FileIoctl.Register(t);
        FileSync.Register(t);
        FileXattr.Register(t);
        FileNamespace.Register(t);
        FileAttr.Register(t);
        Sched.Register(t);
        Usage.Register(t);
        Mm.Register(t);
        Process.Register(t);
        IdentityCalls.Register(t);
        SeccompCalls.Register(t);
        FileTransfer.Register(t);
        MemfdCalls.Register(t);
        InotifyCalls.Register(t);
        FlockCalls.Register(t);
        MountCalls.Register(t);
        Time.Register(t);
        SignalCalls.Register(t);
        SystemInfo.Register(t);
        FutexCalls.Register(t);
        Clone.Register(t);
        ExecCalls.Register(t);
        WaitCalls.Register(t);
        KillCalls.Register(t);
        PipeCalls.Register(t);
        PollCalls.Register(t);
        EventCalls.Register(t);
        TimerCalls.Register(t);
        SocketCalls.Register(t);
        SocketMsgCalls.Register(t);
        SocketOptCalls.Register(t);
        SysvShmCalls.Register(t);
        SysvSemCalls.Register(t);
        SysvMsgCalls.Register(t);
        return t;
    }

    private const int SyscallTable_Count = 512;

    public static bool IsImplemented(long nr) => (ulong)nr < SyscallTable_Count && Handlers[nr] != null;

    /// <summary>Runs the syscall the task stopped at and stores its result in rax.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Dispatch(Task t)
    {
        long nr = (long)t.Regs.OrigRax;
        long r = t.SeccompMode != 0 && Kernel.Seccomp.SyscallFilter.Intercept(t, nr, out long blocked) ? blocked : Invoke(t, nr);
        if (!t.Exiting) t.Regs.Rax = (ulong)r;
    }

    public static long Invoke(Task t, long nr)
    {
        if ((ulong)nr < SyscallTable_Count)
        {
            var h = Handlers[nr];
            if (h != null) return h(t);
        }
        t.Kernel.Debug($"task {t.Tid}: unsupported syscall {nr} ({Linux.SyscallTable.Name(nr)}) = -ENOSYS");
        return -(long)Errno.ENOSYS;
    }
}

/// <summary>Small helpers shared by the handlers.</summary>
internal static class Err
{
    public const long EBADF = -(long)Errno.EBADF, EINVAL = -(long)Errno.EINVAL, EFAULT = -(long)Errno.EFAULT,
        ENOENT = -(long)Errno.ENOENT, ENOTDIR = -(long)Errno.ENOTDIR, EROFS = -(long)Errno.EROFS,
        EISDIR = -(long)Errno.EISDIR, ESPIPE = -(long)Errno.ESPIPE, ENOSYS = -(long)Errno.ENOSYS,
        ERANGE = -(long)Errno.ERANGE, EPERM = -(long)Errno.EPERM, EMFILE = -(long)Errno.EMFILE,
        ENOMEM = -(long)Errno.ENOMEM, EAGAIN = -(long)Errno.EAGAIN, EACCES = -(long)Errno.EACCES,
        ENOTTY = -(long)Errno.ENOTTY, ETIMEDOUT = -(long)Errno.ETIMEDOUT, EEXIST = -(long)Errno.EEXIST,
        ESRCH = -(long)Errno.ESRCH, EBUSY = -(long)Errno.EBUSY, ENODEV = -(long)Errno.ENODEV, ENAMETOOLONG = -(long)Errno.ENAMETOOLONG, EINTR = -(long)Errno.EINTR;
}
