using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Syscalls;

/// <summary>
/// rt_sigaction, rt_sigprocmask, sigaltstack: recorded with Linux's validation. Delivery to
/// handlers arrives with the processes issue.
/// </summary>
internal static unsafe class SignalCalls
{
    private const ulong Unblockable = (1UL << (Signals.SIGKILL - 1)) | (1UL << (Signals.SIGSTOP - 1));

    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.RtSigaction] = &RtSigaction;
        t[Sysno.RtSigprocmask] = &RtSigprocmask;
        t[Sysno.Sigaltstack] = &Sigaltstack;
        t[Sysno.RtSigpending] = &RtSigpending;
    }

    /// <summary>SA_NOCLDSTOP|SA_NOCLDWAIT|SA_SIGINFO|SA_EXPOSE_TAGBITS|SA_RESTORER|SA_ONSTACK|SA_RESTART|SA_NODEFER|SA_RESETHAND.</summary>
    private const ulong KnownFlags = 0x1 | 0x2 | 0x4 | 0x800 /* SA_EXPOSE_TAGBITS */ | 0x04000000 | 0x08000000 | 0x10000000 | 0x40000000 | 0x80000000;

    private static long RtSigpending(Task t)
    {
        if (t.A1 > 8) return Err.EINVAL;
        ulong pending = 0; // no signal is ever pending yet: delivery comes with the processes issue
        return t.MM.CopyOut(t.A0, System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<ulong>(in pending)).Slice(0, (int)t.A1));
    }

    private static long RtSigaction(Task t)
    {
        int sig = (int)t.A0;
        if (t.A3 != 8) return Err.EINVAL;
        SigAction act = default;
        if (t.A1 != 0)
        {
            int r = t.MM.Read(t.A1, out act);
            if (r < 0) return r;
        }
        if (sig < 1 || sig > Signals.NSIG) return Err.EINVAL;
        if (t.A1 != 0 && (sig == Signals.SIGKILL || sig == Signals.SIGSTOP)) return Err.EINVAL;
        var old = t.SignalHandlers.Actions[sig];
        if (t.A1 != 0)
        {
            act.Mask &= ~Unblockable;
            act.Flags &= KnownFlags; // unknown sa_flags bits are dropped (kernel/signal.c, since 5.11)
            t.SignalHandlers.Actions[sig] = act;
        }
        if (t.A2 != 0)
        {
            int r = t.MM.Write(t.A2, old);
            if (r < 0) return r;
        }
        return 0;
    }

    private static long RtSigprocmask(Task t)
    {
        int how = (int)t.A0;
        if (t.A3 != 8) return Err.EINVAL;
        ulong old = t.SignalMask;
        if (t.A1 != 0)
        {
            int r = t.MM.Read(t.A1, out ulong set);
            if (r < 0) return r;
            set &= ~Unblockable;
            switch (how)
            {
                case SigHow.BLOCK: t.SignalMask = old | set; break;
                case SigHow.UNBLOCK: t.SignalMask = old & ~set; break;
                case SigHow.SETMASK: t.SignalMask = set; break;
                default: return Err.EINVAL;
            }
        }
        if (t.A2 != 0)
        {
            int r = t.MM.Write(t.A2, old);
            if (r < 0) return r;
        }
        return 0;
    }

    private static long Sigaltstack(Task t)
    {
        var old = t.AltStack;
        if (t.A0 != 0)
        {
            int r = t.MM.Read(t.A0, out StackT ss);
            if (r < 0) return r;
            int mode = ss.Flags & ~SigAltStack.SS_AUTODISARM;
            if (mode != 0 && mode != SigAltStack.SS_DISABLE && mode != SigAltStack.SS_ONSTACK) return Err.EINVAL;
            if (mode == SigAltStack.SS_DISABLE) ss = new StackT { Flags = SigAltStack.SS_DISABLE };
            else if (ss.Size < SigAltStack.MINSIGSTKSZ) return Err.ENOMEM;
            else ss.Flags &= SigAltStack.SS_AUTODISARM;
            t.AltStack = ss;
        }
        if (t.A1 != 0)
        {
            int r = t.MM.Write(t.A1, old);
            if (r < 0) return r;
        }
        return 0;
    }
}
