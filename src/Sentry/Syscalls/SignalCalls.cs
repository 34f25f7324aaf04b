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
        t[Sysno.RtSigreturn] = &RtSigreturn;
        t[Sysno.RtSigsuspend] = &RtSigsuspend;
        t[Sysno.Pause] = &Pause;
        t[Sysno.RtSigtimedwait] = &RtSigtimedwait;
    }

    /// <summary>SA_NOCLDSTOP|SA_NOCLDWAIT|SA_SIGINFO|SA_EXPOSE_TAGBITS|SA_RESTORER|SA_ONSTACK|SA_RESTART|SA_NODEFER|SA_RESETHAND.</summary>
    private const ulong KnownFlags = 0x1 | 0x2 | 0x4 | 0x800 /* SA_EXPOSE_TAGBITS */ | 0x04000000 | 0x08000000 | 0x10000000 | 0x40000000 | 0x80000000;

    private static long RtSigpending(Task t)
    {
        if (t.A1 > 8) return Err.EINVAL;
        ulong pending;
        lock (t.Kernel.Lock) pending = (t.Pending.Mask | t.Group.SharedPending.Mask) & t.SignalMask;
        return t.MM.CopyOut(t.A0, System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<ulong>(in pending)).Slice(0, (int)t.A1));
    }

    private static long RtSigreturn(Task t) => t.SigReturn();

    /// <summary>Waits with a temporary mask until a signal is delivered to a handler; always -EINTR.</summary>
    private static long RtSigsuspend(Task t)
    {
        if (t.A1 != 8) return Err.EINVAL;
        int r = t.MM.Read(t.A0, out ulong mask);
        if (r < 0) return r;
        t.SavedMask = t.SignalMask;
        t.SignalMask = mask & ~Task.Unblockable;
        t.BlockUntil(() => false);
        // The handler frame records SavedMask as the mask to restore; without one, restore now.
        t.RestoreSavedMaskIfUnused();
        return -(long)Errno.ERESTARTNOHAND;
    }

    private static long Pause(Task t)
    {
        t.BlockUntil(() => false);
        return -(long)Errno.ERESTARTNOHAND;
    }

    private static long RtSigtimedwait(Task t)
    {
        if (t.A3 != 8) return Err.EINVAL;
        int r = t.MM.Read(t.A0, out ulong set);
        if (r < 0) return r;
        set &= ~Task.Unblockable;
        long tr = PollCalls.ReadTimeout(t, t.A2, out long deadline);
        if (tr < 0) return tr;
        SignalInfo? got = null;
        bool Take()
        {
            lock (t.Kernel.Lock)
            {
                ulong ready = (t.Pending.Mask | t.Group.SharedPending.Mask) & set;
                if (ready == 0) return false;
                int sig = System.Numerics.BitOperations.TrailingZeroCount(ready) + 1;
                got = t.Pending.DequeueSignal(sig) ?? t.Group.SharedPending.DequeueSignal(sig);
                return got != null;
            }
        }
        // The awaited signals count as unblocked for waking only through Take; others interrupt.
        var res = t.BlockUntil(Take, deadline);
        if (got == null)
            return res == BlockResult.TimedOut ? Err.EAGAIN : Err.EINTR;
        if (t.A1 != 0)
        {
            Span<byte> si = stackalloc byte[128];
            got.WriteTo(si);
            if (t.MM.CopyOut(t.A1, si) < 0) return Err.EFAULT;
        }
        return got.Signo;
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
            lock (t.Kernel.Lock)
            {
                t.SignalHandlers.Actions[sig] = act;
                // An action that ignores the signal discards what is pending, blocked or not (POSIX).
                if (act.Handler == SigAction.SIG_IGN || (act.Handler == SigAction.SIG_DFL && Task.DefaultFor(sig) == Task.DefaultAction.Ignore))
                {
                    t.Group.SharedPending.Discard(sig);
                    foreach (var other in t.Group.Tasks) other.Pending.Discard(sig);
                }
            }
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
        bool onStack = t.OnAltStack(t.Regs.Rsp);
        if (onStack) old.Flags = SigAltStack.SS_ONSTACK | (old.Flags & SigAltStack.SS_AUTODISARM);
        if (t.A0 != 0)
        {
            int r = t.MM.Read(t.A0, out StackT ss);
            if (r < 0) return r;
            if (onStack) return Err.EPERM;
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
