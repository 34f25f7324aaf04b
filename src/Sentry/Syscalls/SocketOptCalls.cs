using Sandbox.Linux;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Syscalls;

/// <summary>getsockopt, setsockopt.</summary>
internal static unsafe class SocketOptCalls
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Getsockopt] = &Getsockopt;
        t[Sysno.Setsockopt] = &Setsockopt;
    }

    /// <summary>The largest option value passed in (a struct linger, timeval or ucred fits many times over).</summary>
    private const int MaxOptLen = 256;

    private static long Getsockopt(Task t)
    {
        long r = SocketCalls.Lookup(t, t.A0, out var s);
        if (r < 0) return r;
        if (t.MM.Read(t.A4, out int len) < 0) return Err.EFAULT;
        if (len < 0) return Err.EINVAL;
        Span<byte> val = stackalloc byte[MaxOptLen];
        long n = s!.GetSockOpt(t, (int)t.A1, (int)t.A2, val);
        if (n < 0) return n;
        int copy = (int)Math.Min(len, n);
        if (copy > 0 && t.MM.CopyOut(t.A3, val.Slice(0, copy)) < 0) return Err.EFAULT;
        return t.MM.Write(t.A4, copy) < 0 ? Err.EFAULT : 0;
    }

    private static long Setsockopt(Task t)
    {
        long r = SocketCalls.Lookup(t, t.A0, out var s);
        if (r < 0) return r;
        int len = (int)t.A4;
        if (len < 0) return Err.EINVAL;
        Span<byte> val = stackalloc byte[MaxOptLen];
        int n = Math.Min(len, MaxOptLen);
        if (n > 0 && t.MM.CopyIn(t.A3, val.Slice(0, n)) < 0) return Err.EFAULT;
        return s!.SetSockOpt(t, (int)t.A1, (int)t.A2, val.Slice(0, n));
    }
}
