using System.Runtime.InteropServices;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Kernel.Seccomp;
using SeccompAbi = Sandbox.Linux.Abi.Seccomp;

namespace Sandbox.Sentry.Syscalls;

/// <summary>seccomp(2) and the prctl(PR_SET_SECCOMP) form: strict mode, classic-BPF filters, the action and size queries.</summary>
internal static unsafe class SeccompCalls
{
    private const ulong KnownFlags = SeccompAbi.FILTER_FLAG_TSYNC | SeccompAbi.FILTER_FLAG_LOG | SeccompAbi.FILTER_FLAG_SPEC_ALLOW
        | SeccompAbi.FILTER_FLAG_NEW_LISTENER | SeccompAbi.FILTER_FLAG_TSYNC_ESRCH | SeccompAbi.FILTER_FLAG_WAIT_KILLABLE_RECV;

    public static void Register(delegate*<Task, long>[] t) => t[Sysno.Seccomp] = &Seccomp;

    private static long Seccomp(Task t) => Do(t, (uint)t.A0, t.A1, t.A2);

    public static long Do(Task t, uint op, ulong flags, ulong uargs)
    {
        switch (op)
        {
            case SeccompAbi.SET_MODE_STRICT:
                if (flags != 0 || uargs != 0) return Err.EINVAL;
                return SetStrict(t);
            case SeccompAbi.SET_MODE_FILTER:
                return SetFilter(t, flags, uargs);
            case SeccompAbi.GET_ACTION_AVAIL:
            {
                if (flags != 0) return Err.EINVAL;
                int r = t.MM.Read(uargs, out uint action);
                if (r < 0) return r;
                return action is SeccompAbi.RET_KILL_PROCESS or SeccompAbi.RET_KILL_THREAD or SeccompAbi.RET_TRAP or SeccompAbi.RET_ERRNO
                    or SeccompAbi.RET_USER_NOTIF or SeccompAbi.RET_TRACE or SeccompAbi.RET_LOG or SeccompAbi.RET_ALLOW ? 0 : -(long)Errno.EOPNOTSUPP;
            }
            case SeccompAbi.GET_NOTIF_SIZES:
            {
                if (flags != 0) return Err.EINVAL;
                Span<ushort> sizes = stackalloc ushort[] { SeccompAbi.NotifSize, SeccompAbi.NotifRespSize, SeccompAbi.DataSize };
                return t.MM.CopyOut(uargs, MemoryMarshal.AsBytes(sizes));
            }
            default:
                return Err.EINVAL;
        }
    }

    private static long SetStrict(Task t)
    {
        if (t.SeccompMode != SeccompAbi.MODE_DISABLED && t.SeccompMode != SeccompAbi.MODE_STRICT) return Err.EINVAL;
        t.SeccompMode = SeccompAbi.MODE_STRICT;
        return 0;
    }

    /// <summary>SECCOMP_SET_MODE_FILTER, with the kernel's order of checks: flags, the program (EFAULT, EACCES, EINVAL), the mode, the chain's length, TSYNC.</summary>
    private static long SetFilter(Task t, ulong flags, ulong uargs)
    {
        if ((flags & ~KnownFlags) != 0) return Err.EINVAL;
        if ((flags & SeccompAbi.FILTER_FLAG_TSYNC) != 0 && (flags & SeccompAbi.FILTER_FLAG_NEW_LISTENER) != 0
            && (flags & SeccompAbi.FILTER_FLAG_TSYNC_ESRCH) == 0) return Err.EINVAL;
        if ((flags & SeccompAbi.FILTER_FLAG_WAIT_KILLABLE_RECV) != 0 && (flags & SeccompAbi.FILTER_FLAG_NEW_LISTENER) == 0) return Err.EINVAL;
        long r = ReadProgram(t, uargs, out var program);
        if (r < 0) return r;
        if ((flags & SeccompAbi.FILTER_FLAG_NEW_LISTENER) != 0)
        {
            // A user-space notification listener would need a supervisor the Sentry does not have.
            t.Kernel.Debug($"task {t.Tid}: seccomp SECCOMP_FILTER_FLAG_NEW_LISTENER not supported");
            return Err.EINVAL;
        }
        if (t.SeccompMode != SeccompAbi.MODE_DISABLED && t.SeccompMode != SeccompAbi.MODE_FILTER) return Err.EINVAL;
        var old = t.SeccompFilter;
        var filter = new SeccompFilter(program!, old, (flags & SeccompAbi.FILTER_FLAG_LOG) != 0);
        if (filter.PathInsns > SeccompAbi.MaxInsnsPerPath) return Err.ENOMEM;
        if ((flags & SeccompAbi.FILTER_FLAG_TSYNC) != 0)
        {
            lock (t.Kernel.Lock)
            {
                foreach (var other in t.Group.Tasks)
                {
                    if (other == t || other.Exiting) continue;
                    bool ok = other.SeccompMode == SeccompAbi.MODE_DISABLED
                        || other.SeccompMode == SeccompAbi.MODE_FILTER && SeccompFilter.IsAncestor(other.SeccompFilter, old);
                    if (!ok) return (flags & SeccompAbi.FILTER_FLAG_TSYNC_ESRCH) != 0 ? Err.ESRCH : other.Tid;
                }
                foreach (var other in t.Group.Tasks)
                {
                    if (other == t || other.Exiting) continue;
                    other.SeccompFilter = filter;
                    other.SeccompMode = SeccompAbi.MODE_FILTER;
                    if (t.NoNewPrivs) other.NoNewPrivs = true;
                }
            }
        }
        t.SeccompFilter = filter;
        t.SeccompMode = SeccompAbi.MODE_FILTER;
        return 0;
    }

    /// <summary>Copies in a struct sock_fprog and its instructions and checks them.</summary>
    private static long ReadProgram(Task t, ulong addr, out SeccompProgram? program)
    {
        program = null;
        Span<ulong> fprog = stackalloc ulong[2]; // unsigned short len (padded), struct sock_filter *filter
        int r = t.MM.CopyIn(addr, MemoryMarshal.AsBytes(fprog));
        if (r < 0) return r;
        int len = (ushort)fprog[0];
        if (len == 0 || len > SeccompAbi.MaxInsns) return Err.EINVAL;
        // Installing a filter takes no_new_privs or CAP_SYS_ADMIN (seccomp(2)), checked before the program is read.
        if (!t.NoNewPrivs && !t.Creds.Has(Cap.SYS_ADMIN)) return Err.EACCES;
        if (fprog[1] == 0) return Err.EINVAL; // bpf_check_basics_ok: no program at all
        var insns = new BpfInsn[len];
        r = t.MM.CopyIn(fprog[1], MemoryMarshal.AsBytes(insns.AsSpan()));
        if (r < 0) return r;
        program = SeccompProgram.Create(insns);
        return program == null ? Err.EINVAL : 0;
    }
}
