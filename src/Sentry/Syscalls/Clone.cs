using Sandbox.Linux;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Syscalls;

/// <summary>clone, clone3, fork, vfork.</summary>
internal static unsafe class Clone
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Clone] = &CloneCall;
        t[Sysno.Clone3] = &Clone3;
        t[Sysno.Fork] = &Fork;
        t[Sysno.Vfork] = &Vfork;
    }

    // x86-64 argument order: clone(flags, newsp, parent_tid, child_tid, tls).
    private static long CloneCall(Task t) => t.Kernel.Clone(t, new CloneArgs
    {
        Flags = t.A0 & ~CloneFlags.CSIGNAL & 0xffffffff,
        ExitSignal = (int)(t.A0 & CloneFlags.CSIGNAL),
        Stack = t.A1,
        ParentTid = t.A2,
        ChildTid = t.A3,
        Tls = t.A4,
    }) is var r && r == -(long)Errno.EINVAL && (int)(t.A0 & CloneFlags.CSIGNAL) > Signals.NSIG ? Err.EINVAL : r;

    private static long Fork(Task t) => t.Kernel.Clone(t, new CloneArgs { ExitSignal = Signals.SIGCHLD });

    private static long Vfork(Task t) => t.Kernel.Clone(t, new CloneArgs { Flags = CloneFlags.VM | CloneFlags.VFORK, ExitSignal = Signals.SIGCHLD });

    /// <summary>struct clone_args (linux/sched.h), 88 bytes in its current version.</summary>
    private static long Clone3(Task t)
    {
        ulong size = t.A1;
        if (size < 64) return Err.EINVAL;
        if (size > 4096) return -(long)Errno.E2BIG;
        Span<ulong> a = stackalloc ulong[11];
        a.Clear();
        int n = (int)Math.Min(size, 88);
        int r = t.MM.CopyIn(t.A0, System.Runtime.InteropServices.MemoryMarshal.AsBytes(a).Slice(0, n));
        if (r < 0) return r;
        for (ulong off = 88; off < size; off++)
        {
            r = t.MM.Read(t.A0 + off, out byte b);
            if (r < 0) return r;
            if (b != 0) return -(long)Errno.E2BIG;
        }
        ulong flags = a[0], exitSignal = a[4], stack = a[5], stackSize = a[6], setTidSize = a[9];
        if (exitSignal > Signals.NSIG || (flags & CloneFlags.CSIGNAL) != 0) return Err.EINVAL;
        if ((stack == 0) != (stackSize == 0)) return Err.EINVAL;
        if (setTidSize != 0) return Err.EPERM; // choosing pids needs CAP_SYS_ADMIN in the pid namespace
        if ((flags & CloneFlags.PIDFD) != 0) return Err.EINVAL; // pidfds are not supported yet
        return t.Kernel.Clone(t, new CloneArgs
        {
            Flags = flags,
            ExitSignal = (int)exitSignal,
            Stack = stack == 0 ? 0 : stack + stackSize,
            ChildTid = a[2],
            ParentTid = a[3],
            Tls = a[7],
        });
    }
}
