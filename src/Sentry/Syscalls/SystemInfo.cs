using System.Text;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Host = Sandbox.Linux.Native.Sys;

namespace Sandbox.Sentry.Syscalls;

/// <summary>uname, sysinfo, getrandom, umask, sched_getaffinity, sched_yield, getcpu.</summary>
internal static unsafe class SystemInfo
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Uname] = &Uname;
        t[Sysno.Sysinfo] = &Sysinfo;
        t[Sysno.Getrandom] = &Getrandom;
        t[Sysno.Umask] = &Umask;
        t[Sysno.SchedGetaffinity] = &SchedGetaffinity;
        t[Sysno.SchedYield] = &SchedYield;
    }

    private static long Uname(Task t)
    {
        byte* buf = stackalloc byte[390];
        long r = Host.Syscall(Host.SYS_uname, (long)buf);
        if (r < 0) return r;
        if (t.Kernel.Options.Hostname is { } h)
        {
            var field = new Span<byte>(buf + 65, 65);
            field.Clear();
            Encoding.UTF8.GetBytes(h.AsSpan(0, Math.Min(h.Length, 64)), field);
        }
        return t.MM.CopyOut(t.A0, new ReadOnlySpan<byte>(buf, 390));
    }

    private static long Sysinfo(Task t)
    {
        byte* buf = stackalloc byte[112];
        long r = Host.Syscall(Host.SYS_sysinfo, (long)buf);
        if (r < 0) return r;
        *(ushort*)(buf + 80) = 1; // procs: the sandbox's own
        return t.MM.CopyOut(t.A0, new ReadOnlySpan<byte>(buf, 112));
    }

    private static long Getrandom(Task t)
    {
        int flags = (int)t.A2;
        if ((flags & ~(Grnd.NONBLOCK | Grnd.RANDOM | Grnd.INSECURE)) != 0) return Err.EINVAL;
        if ((flags & (Grnd.RANDOM | Grnd.INSECURE)) == (Grnd.RANDOM | Grnd.INSECURE)) return Err.EINVAL;
        ulong len = Math.Min(t.A1, 33554431); // urandom_read's cap (INT_MAX >> 6)
        ulong done = 0;
        while (done < len)
        {
            byte* p = t.MM.Translate(t.A0 + done, len - done, true, out ulong n);
            if (p == null) return done > 0 ? (long)done : Err.EFAULT;
            System.Security.Cryptography.RandomNumberGenerator.Fill(new Span<byte>(p, (int)n));
            done += n;
        }
        return (long)done;
    }

    private static long Umask(Task t)
    {
        uint old = t.Umask;
        t.Umask = (uint)t.A0 & 0x1ff;
        return old;
    }

    private static long SchedGetaffinity(Task t)
    {
        int pid = (int)t.A0;
        ulong len = t.A1;
        if (pid != 0 && pid != t.Tid) return Err.ESRCH;
        if ((len & 7) != 0) return Err.EINVAL;
        len = Math.Min(len, 1024);
        byte* buf = stackalloc byte[1024];
        long r = Host.Syscall(Host.SYS_sched_getaffinity, 0, (long)len, (long)buf);
        if (r < 0) return r;
        int c = t.MM.CopyOut(t.A2, new ReadOnlySpan<byte>(buf, (int)r));
        return c < 0 ? c : r;
    }

    private static long SchedYield(Task t)
    {
        Thread.Yield();
        return 0;
    }
}
