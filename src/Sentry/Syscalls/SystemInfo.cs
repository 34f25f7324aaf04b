using System.Text;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Host = Sandbox.Linux.Native.Sys;

namespace Sandbox.Sentry.Syscalls;

/// <summary>uname, sysinfo, getrandom, umask.</summary>
internal static unsafe class SystemInfo
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Uname] = &Uname;
        t[Sysno.Sysinfo] = &Sysinfo;
        t[Sysno.Getrandom] = &Getrandom;
        t[Sysno.Umask] = &Umask;
        t[Sysno.Sethostname] = &Sethostname;
        t[Sysno.Setdomainname] = &Setdomainname;
    }

    // sethostname(2)/setdomainname(2): the sandbox has its own UTS names; CAP_SYS_ADMIN changes them.
    private static long Sethostname(Task t) => SetUtsName(t, domain: false);
    private static long Setdomainname(Task t) => SetUtsName(t, domain: true);

    private static long SetUtsName(Task t, bool domain)
    {
        long len = (long)t.A1;
        if (len < 0 || len > 64) return Err.EINVAL;
        if (!t.Creds.Has(Linux.Abi.Cap.SYS_ADMIN)) return -(long)Errno.EPERM;
        var buf = new byte[len];
        int r = t.MM.CopyIn(t.A0, buf);
        if (r < 0) return r;
        int nul = Array.IndexOf(buf, (byte)0);
        string name = Encoding.UTF8.GetString(buf, 0, nul < 0 ? buf.Length : nul);
        if (domain) t.Kernel.Options.Domainname = name; else t.Kernel.Options.Hostname = name;
        return 0;
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
        if (t.Kernel.Options.Domainname is { } d)
        {
            var field = new Span<byte>(buf + 65 * 5, 65);
            field.Clear();
            Encoding.UTF8.GetBytes(d.AsSpan(0, Math.Min(d.Length, 64)), field);
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
            Sandbox.Linux.Native.HostRandom.Fill(new Span<byte>(p, (int)n));
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
}
