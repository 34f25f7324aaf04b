using System.Text;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Memory;

namespace Sandbox.Sentry.Syscalls;

/// <summary>Ids, exit, thread-area and per-task settings: getpid ... prlimit64, prctl, process groups and sessions.</summary>
internal static unsafe class Process
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Getpid] = &Getpid;
        t[Sysno.Gettid] = &Gettid;
        t[Sysno.Getppid] = &Getppid;
        t[Sysno.Exit] = &Exit;
        t[Sysno.ExitGroup] = &ExitGroup;
        t[Sysno.SetTidAddress] = &SetTidAddress;
        t[Sysno.ArchPrctl] = &ArchPrctlCall;
        t[Sysno.SetRobustList] = &SetRobustList;
        t[Sysno.GetRobustList] = &GetRobustList;
        t[Sysno.Prlimit64] = &Prlimit64;
        t[Sysno.Getrlimit] = &Getrlimit;
        t[Sysno.Setrlimit] = &Setrlimit;
        t[Sysno.Prctl] = &Prctl;
        t[Sysno.Getpgid] = &Getpgid;
        t[Sysno.Getpgrp] = &Getpgrp;
        t[Sysno.Getsid] = &Getsid;
        t[Sysno.Setpgid] = &Setpgid;
        t[Sysno.Setsid] = &Setsid;
    }

    private static long Getpid(Task t) => t.Tgid;
    private static long Gettid(Task t) => t.Tid;
    private static long Getppid(Task t) => t.Ppid;
    private static long Getpgrp(Task t) => t.Pgid;
    private static long Getpgid(Task t) => Lookup(t, (int)t.A0) is { } g ? g.Pgid : Err.ESRCH;
    private static long Getsid(Task t) => Lookup(t, (int)t.A0) is { } g ? g.Sid : Err.ESRCH;

    /// <summary>A process by pid, zombies included (they keep their ids until reaped).</summary>
    private static ThreadGroup? Lookup(Task t, int pid) => pid == 0 ? t.Group : pid < 0 ? null : t.Kernel.FindGroup(pid);

    /// <summary>setpgid(2): a process may move itself or a child (that has not exec'd) within its session.</summary>
    private static long Setpgid(Task t)
    {
        int pid = (int)t.A0, pgid = (int)t.A1;
        if (pgid < 0) return Err.EINVAL;
        lock (t.Kernel.Lock)
        {
            var g = pid == 0 ? t.Group : t.Kernel.FindGroup(pid);
            if (g == null || (g != t.Group && g.Parent != t.Group)) return Err.ESRCH;
            if (g != t.Group && g.DidExec) return Err.EACCES;
            if (g.Sid != t.Sid) return Err.EPERM;
            if (g.Sid == g.Tgid) return Err.EPERM; // a session leader
            if (pgid == 0) pgid = g.Tgid;
            if (pgid != g.Tgid && !t.Kernel.Groups().Any(x => x.Pgid == pgid && x.Sid == g.Sid && !x.Zombie)) return Err.EPERM;
            g.Pgid = pgid;
        }
        return 0;
    }

    private static long Setsid(Task t)
    {
        lock (t.Kernel.Lock)
        {
            if (t.Kernel.Groups().Any(x => x.Pgid == t.Tgid && !x.Zombie)) return Err.EPERM;
            t.Group.Sid = t.Group.Pgid = t.Tgid;
            t.Group.Tty = null;
            return t.Tgid;
        }
    }

    /// <summary>exit(2) ends this thread; the process ends with its last thread.</summary>
    private static long Exit(Task t) { t.ExitThread(new ExitStatus((int)(t.A0 & 0xff), 0)); return 0; }
    private static long ExitGroup(Task t) { t.BeginExit(new ExitStatus((int)(t.A0 & 0xff), 0)); return 0; }

    private static long SetTidAddress(Task t)
    {
        t.ClearChildTid = t.A0;
        return t.Tid;
    }

    private static long ArchPrctlCall(Task t)
    {
        int code = (int)t.A0;
        ulong addr = t.A1;
        switch (code)
        {
            case ArchPrctl.SET_FS:
                if (addr >= Layout.MaxUserAddress) return Err.EPERM;
                t.Regs.FsBase = addr;
                return 0;
            case ArchPrctl.SET_GS:
                if (addr >= Layout.MaxUserAddress) return Err.EPERM;
                t.Regs.GsBase = addr;
                return 0;
            case ArchPrctl.GET_FS: return t.MM.Write(addr, t.Regs.FsBase);
            case ArchPrctl.GET_GS: return t.MM.Write(addr, t.Regs.GsBase);
            case ArchPrctl.GET_CPUID: return 1;
            case ArchPrctl.SET_CPUID: return -(long)Errno.ENODEV;
            default: return Err.EINVAL;
        }
    }

    private const ulong RobustListHeadSize = 24;

    private static long SetRobustList(Task t)
    {
        if (t.A1 != RobustListHeadSize) return Err.EINVAL;
        t.RobustList = t.A0;
        return 0;
    }

    private static long GetRobustList(Task t)
    {
        if ((int)t.A0 != 0 && (int)t.A0 != t.Tid) return Err.ESRCH;
        int r = t.MM.Write(t.A1, t.RobustList);
        if (r < 0) return r;
        return t.MM.Write(t.A2, RobustListHeadSize);
    }

    private static long Prlimit64(Task t)
    {
        int pid = (int)t.A0, res = (int)t.A1;
        if (pid != 0 && pid != t.Tgid) return Err.ESRCH;
        return DoRlimit(t, res, t.A2, t.A3);
    }

    private static long Getrlimit(Task t) => t.A1 == 0 ? ((uint)t.A0 >= Rlimit.NLIMITS ? Err.EINVAL : Err.EFAULT) : DoRlimit(t, (int)t.A0, 0, t.A1);
    private static long Setrlimit(Task t) => t.A1 == 0 ? ((uint)t.A0 >= Rlimit.NLIMITS ? Err.EINVAL : Err.EFAULT) : DoRlimit(t, (int)t.A0, t.A1, 0);

    private static long DoRlimit(Task t, int res, ulong newAddr, ulong oldAddr)
    {
        if ((uint)res >= Rlimit.NLIMITS) return Err.EINVAL;
        RlimitValue nv = default;
        if (newAddr != 0)
        {
            int r = t.MM.Read(newAddr, out nv);
            if (r < 0) return r;
            if (nv.Cur > nv.Max) return Err.EINVAL;
            if (nv.Max > t.Rlimits[res].Max && !t.Creds.Has(Cap.SYS_RESOURCE)) return Err.EPERM;
            if (res == Rlimit.NOFILE && nv.Max > 1024 * 1024) return Err.EPERM; // fs.nr_open
        }
        if (oldAddr != 0)
        {
            int r = t.MM.Write(oldAddr, t.Rlimits[res]);
            if (r < 0) return r;
        }
        if (newAddr != 0) t.Rlimits[res] = nv;
        return 0;
    }

    private const int PR_SET_PDEATHSIG = 1, PR_GET_PDEATHSIG = 2, PR_GET_DUMPABLE = 3, PR_SET_DUMPABLE = 4,
        PR_GET_KEEPCAPS = 7, PR_SET_KEEPCAPS = 8, PR_SET_NAME = 15, PR_GET_NAME = 16, PR_GET_SECCOMP = 21, PR_SET_SECCOMP = 22, PR_CAPBSET_READ = 23, PR_CAPBSET_DROP = 24,
        PR_GET_TIMERSLACK = 30, PR_SET_CHILD_SUBREAPER = 36, PR_GET_CHILD_SUBREAPER = 37,
        PR_SET_NO_NEW_PRIVS = 38, PR_GET_NO_NEW_PRIVS = 39, PR_CAP_AMBIENT = 47;
    private const int PR_CAP_AMBIENT_IS_SET = 1, PR_CAP_AMBIENT_RAISE = 2, PR_CAP_AMBIENT_LOWER = 3, PR_CAP_AMBIENT_CLEAR_ALL = 4;

    /// <summary>PR_CAP_AMBIENT (prctl(2)): a capability can be raised only while permitted and inheritable.</summary>
    private static long CapAmbient(Task t)
    {
        var c = t.Creds;
        if (t.A1 == PR_CAP_AMBIENT_CLEAR_ALL)
        {
            if ((t.A2 | t.A3 | t.A4) != 0) return Err.EINVAL;
            if (c.CapAmbient != 0) { c = c.Clone(); c.CapAmbient = 0; t.Creds = c; }
            return 0;
        }
        if (t.A2 > Cap.LAST_CAP || (t.A3 | t.A4) != 0) return Err.EINVAL;
        ulong bit = Cap.Bit((int)t.A2);
        switch (t.A1)
        {
            case PR_CAP_AMBIENT_IS_SET: return (c.CapAmbient & bit) != 0 ? 1 : 0;
            case PR_CAP_AMBIENT_RAISE:
                if ((c.CapPermitted & bit) == 0 || (c.CapInheritable & bit) == 0) return Err.EPERM;
                c = c.Clone(); c.CapAmbient |= bit; t.Creds = c;
                return 0;
            case PR_CAP_AMBIENT_LOWER:
                c = c.Clone(); c.CapAmbient &= ~bit; t.Creds = c;
                return 0;
            default: return Err.EINVAL;
        }
    }

    private static long Prctl(Task t)
    {
        switch ((int)t.A0)
        {
            case PR_SET_NAME:
            {
                Span<byte> buf = stackalloc byte[16];
                int n = t.MM.ReadCString(t.A1, 15, buf);
                if (n == -(int)Errno.ENAMETOOLONG)
                {
                    if (t.MM.CopyIn(t.A1, buf.Slice(0, 15)) < 0) return Err.EFAULT;
                    n = 15;
                }
                if (n < 0) return n;
                t.Comm = Encoding.UTF8.GetString(buf.Slice(0, n));
                return 0;
            }
            case PR_GET_NAME:
            {
                Span<byte> buf = stackalloc byte[16];
                buf.Clear();
                Encoding.UTF8.GetBytes(t.Comm.AsSpan(0, Math.Min(t.Comm.Length, 15)), buf);
                return t.MM.CopyOut(t.A1, buf);
            }
            case PR_GET_DUMPABLE: return t.Dumpable ? 1 : 0;
            case PR_SET_DUMPABLE:
                if (t.A1 > 1) return Err.EINVAL;
                t.Dumpable = t.A1 == 1;
                return 0;
            case PR_SET_PDEATHSIG:
                if (t.A1 > Signals.NSIG) return Err.EINVAL;
                t.PdeathSignal = (int)t.A1;
                return 0;
            case PR_GET_PDEATHSIG: return t.MM.Write(t.A1, t.PdeathSignal);
            case PR_GET_NO_NEW_PRIVS: return t.A1 != 0 || t.A2 != 0 || t.A3 != 0 || t.A4 != 0 ? Err.EINVAL : t.NoNewPrivs ? 1 : 0;
            case PR_SET_NO_NEW_PRIVS:
                if (t.A1 != 1 || t.A2 != 0 || t.A3 != 0 || t.A4 != 0) return Err.EINVAL;
                t.NoNewPrivs = true;
                return 0;
            case PR_GET_KEEPCAPS: return t.Creds.KeepCaps ? 1 : 0;
            case PR_SET_KEEPCAPS:
            {
                if (t.A1 > 1) return Err.EINVAL;
                var c = t.Creds.Clone();
                c.KeepCaps = t.A1 == 1;
                t.Creds = c;
                return 0;
            }
            case PR_CAPBSET_READ: return t.A1 > Cap.LAST_CAP ? Err.EINVAL : (t.Creds.CapBounding & Cap.Bit((int)t.A1)) != 0 ? 1 : 0;
            case PR_CAPBSET_DROP:
            {
                if (t.A1 > Cap.LAST_CAP) return Err.EINVAL;
                if (!t.Creds.Has(Cap.SETPCAP)) return Err.EPERM;
                var c = t.Creds.Clone();
                c.CapBounding &= ~Cap.Bit((int)t.A1);
                t.Creds = c;
                return 0;
            }
            case PR_CAP_AMBIENT: return CapAmbient(t);
            case PR_GET_SECCOMP: return t.SeccompMode;
            case PR_SET_SECCOMP:
                return t.A1 switch
                {
                    (ulong)Linux.Abi.Seccomp.MODE_STRICT => SeccompCalls.Do(t, Linux.Abi.Seccomp.SET_MODE_STRICT, 0, 0),
                    (ulong)Linux.Abi.Seccomp.MODE_FILTER => SeccompCalls.Do(t, Linux.Abi.Seccomp.SET_MODE_FILTER, 0, t.A2),
                    _ => Err.EINVAL,
                };
            case PR_GET_TIMERSLACK: return 50_000; // the default 50 µs
            case PR_GET_CHILD_SUBREAPER: return t.MM.Write(t.A1, t.Group.ChildSubreaper ? 1 : 0);
            case PR_SET_CHILD_SUBREAPER:
                t.Group.ChildSubreaper = t.A1 != 0;
                return 0;
            default:
                t.Kernel.Debug($"task {t.Tid}: prctl option {(int)t.A0} not supported");
                return Err.EINVAL;
        }
    }
}
