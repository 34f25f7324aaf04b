using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Vfs.Pipe;

namespace Sandbox.Sentry.Syscalls;

/// <summary>pipe, pipe2.</summary>
internal static unsafe class PipeCalls
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Pipe] = &PipeCall;
        t[Sysno.Pipe2] = &Pipe2;
    }

    private static long PipeCall(Task t) => Make(t, t.A0, 0);
    private static long Pipe2(Task t) => Make(t, t.A0, (int)t.A1);

    private static long Make(Task t, ulong fdsAddr, int flags)
    {
        if ((flags & ~(OpenFlags.O_CLOEXEC | OpenFlags.O_NONBLOCK | OpenFlags.O_DIRECT)) != 0) return Err.EINVAL;
        var pipe = new Pipe { PacketMode = (flags & OpenFlags.O_DIRECT) != 0 };
        var r = new PipeEnd(pipe, reader: true, flags);
        var w = new PipeEnd(pipe, reader: false, flags);
        bool cloexec = (flags & OpenFlags.O_CLOEXEC) != 0;
        int rfd = t.Fds.Install(r, cloexec);
        if (rfd < 0) { w.DecRef(); return rfd; }
        int wfd = t.Fds.Install(w, cloexec);
        if (wfd < 0) { t.Fds.Close(rfd); return wfd; }
        Span<int> fds = stackalloc int[] { rfd, wfd };
        if (t.MM.CopyOut(fdsAddr, System.Runtime.InteropServices.MemoryMarshal.AsBytes(fds)) < 0)
        {
            t.Fds.Close(rfd);
            t.Fds.Close(wfd);
            return Err.EFAULT;
        }
        return 0;
    }
}
