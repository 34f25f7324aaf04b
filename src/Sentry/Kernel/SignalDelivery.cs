using System.Runtime.InteropServices;
using Sandbox.Linux;
using Sandbox.Linux.Abi;

namespace Sandbox.Sentry.Kernel;

public sealed partial class Task
{
    public const ulong Unblockable = (1UL << (Signals.SIGKILL - 1)) | (1UL << (Signals.SIGSTOP - 1));

    /// <summary>What a signal does when its action is SIG_DFL (signal(7)).</summary>
    public enum DefaultAction { Terminate, Core, Ignore, Stop, Continue }

    public static DefaultAction DefaultFor(int sig) => sig switch
    {
        Signals.SIGCHLD or Signals.SIGURG or Signals.SIGWINCH => DefaultAction.Ignore,
        Signals.SIGCONT => DefaultAction.Continue,
        Signals.SIGSTOP or Signals.SIGTSTP or Signals.SIGTTIN or Signals.SIGTTOU => DefaultAction.Stop,
        Signals.SIGQUIT or Signals.SIGILL or Signals.SIGTRAP or Signals.SIGABRT or Signals.SIGBUS or Signals.SIGFPE
            or Signals.SIGSEGV or Signals.SIGXCPU or Signals.SIGXFSZ or Signals.SIGSYS => DefaultAction.Core,
        _ => DefaultAction.Terminate,
    };

    /// <summary>Delivers pending unblocked signals: default actions, or a handler frame.</summary>
    private void HandleSignals()
    {
        while (true)
        {
            if (Group.GroupExit != null || Exiting) return;
            SignalInfo? info;
            SigAction act;
            lock (Kernel.Lock)
            {
                info = Pending.Dequeue(SignalMask) ?? Group.SharedPending.Dequeue(SignalMask);
                if (info == null) break;
                act = Group.Handlers.Actions[info.Signo];
                // SA_RESETHAND: back to SIG_DFL on delivery; the flags stay (sigaction(2)).
                if (act.Handler > SigAction.SIG_IGN && (act.Flags & SaFlags.SA_RESETHAND) != 0)
                    Group.Handlers.Actions[info.Signo].Handler = SigAction.SIG_DFL;
            }
            if (act.Handler == SigAction.SIG_IGN) continue;
            if (act.Handler == SigAction.SIG_DFL)
            {
                switch (DefaultFor(info.Signo))
                {
                    case DefaultAction.Ignore:
                    case DefaultAction.Continue:
                        continue;
                    case DefaultAction.Stop:
                        // In an orphaned group only SIGSTOP stops (signal(7), "job control").
                        if (info.Signo != Signals.SIGSTOP)
                            lock (Kernel.Lock)
                                if (Kernel.IsOrphanedPgrp(Group.Pgid, null)) continue;
                        Kernel.StopGroup(Group, info.Signo);
                        continue;
                    default:
                        // A core dump is never written, so the status never carries WCOREDUMP.
                        BeginExit(new ExitStatus(0, info.Signo));
                        return;
                }
            }
            ResolveRestartForHandler(act.Flags);
            if (!SetupFrame(info, act))
            {
                Kernel.Debug($"task {Tid}: cannot build a signal frame for {SignalNames.Name(info.Signo)}: SIGSEGV");
                lock (Kernel.Lock) Group.Handlers.Actions[Signals.SIGSEGV] = default;
                BeginExit(new ExitStatus(0, Signals.SIGSEGV));
                return;
            }
        }
        RestartIfPending();
        if (_restoreSavedMask)
        {
            _restoreSavedMask = false;
            if (SavedMask is { } m) { SignalMask = m; SavedMask = null; }
        }
    }

    /// <summary>
    /// Builds struct rt_sigframe on the user (or alternate) stack and points the registers at
    /// the handler (arch/x86/kernel/signal_64.c): [rsp] = sa_restorer, then ucontext, then
    /// siginfo; the FPU state (fxsave format) sits above, 64-byte aligned.
    /// </summary>
    private unsafe bool SetupFrame(SignalInfo info, SigAction act)
    {
        if ((act.Flags & SaFlags.SA_RESTORER) == 0) return false;
        ulong sp = Regs.Rsp - 128; // the red zone
        bool onAlt = OnAltStack(Regs.Rsp);
        if ((act.Flags & SaFlags.SA_ONSTACK) != 0 && AltStack.Flags != SigAltStack.SS_DISABLE && !onAlt)
            sp = AltStack.Sp + AltStack.Size;
        // The FPU state: the XSAVE area with its software bytes and trailing FP_XSTATE_MAGIC2
        // where the CPU has one (so AVX registers survive the handler), else a legacy fxsave image.
        int xsize = Context!.XStateSize;
        byte[] fp = new byte[xsize > 0 ? xsize + 4 : FpStateSize];
        bool xstate = xsize > 0 && Context.GetXState(fp.AsSpan(0, xsize));
        if (xstate)
        {
            // struct _fpx_sw_bytes in the fxsave area's software bytes, and MAGIC2 after the area.
            var cpu = System.Runtime.Intrinsics.X86.X86Base.CpuId(0xd, 0);
            ulong xfeatures = (uint)cpu.Eax | ((ulong)(uint)cpu.Edx << 32);
            fp.AsSpan(464, 48).Clear();
            BitConverter.TryWriteBytes(fp.AsSpan(464), FpXstateMagic1);
            BitConverter.TryWriteBytes(fp.AsSpan(468), (uint)(xsize + 4));
            BitConverter.TryWriteBytes(fp.AsSpan(472), xfeatures);
            BitConverter.TryWriteBytes(fp.AsSpan(480), (uint)xsize);
            BitConverter.TryWriteBytes(fp.AsSpan(xsize), FpXstateMagic2);
        }
        else
        {
            fp = new byte[FpStateSize];
            Context.GetFpState(fp);
            fp.AsSpan(464, 48).Clear(); // sw_reserved: a legacy image without extended state
        }
        sp -= (ulong)fp.Length;
        sp &= ~63UL;
        ulong fpAddr = sp;
        sp -= FrameSize;
        sp = (sp & ~15UL) - 8;

        Span<byte> frame = stackalloc byte[FrameSize];
        frame.Clear();
        var w = MemoryMarshal.Cast<byte, ulong>(frame);
        w[0] = act.Restorer;                        // pretcode
        w[1] = 0x6 | (xstate ? 1UL : 0);            // uc_flags: UC_FP_XSTATE?, UC_SIGCONTEXT_SS, UC_STRICT_RESTORE_SS
        w[2] = 0;                                   // uc_link
        w[3] = AltStack.Sp;                         // uc_stack
        BitConverter.TryWriteBytes(frame.Slice(32), AltStack.Flags == SigAltStack.SS_DISABLE ? SigAltStack.SS_DISABLE : (onAlt ? SigAltStack.SS_ONSTACK : 0));
        w[5] = AltStack.Size;
        // struct sigcontext at 48
        int m = 6;
        w[m + 0] = Regs.R8; w[m + 1] = Regs.R9; w[m + 2] = Regs.R10; w[m + 3] = Regs.R11;
        w[m + 4] = Regs.R12; w[m + 5] = Regs.R13; w[m + 6] = Regs.R14; w[m + 7] = Regs.R15;
        w[m + 8] = Regs.Rdi; w[m + 9] = Regs.Rsi; w[m + 10] = Regs.Rbp; w[m + 11] = Regs.Rbx;
        w[m + 12] = Regs.Rdx; w[m + 13] = Regs.Rax; w[m + 14] = Regs.Rcx; w[m + 15] = Regs.Rsp;
        w[m + 16] = Regs.Rip; w[m + 17] = Regs.Eflags;
        // cs, gs, fs, ss (16 bits each)
        BitConverter.TryWriteBytes(frame.Slice((m + 18) * 8), (ushort)Regs.Cs);
        BitConverter.TryWriteBytes(frame.Slice((m + 18) * 8 + 6), (ushort)Regs.Ss);
        w[m + 19] = 0;                              // err
        w[m + 20] = info.Code > 0 && info.Signo == Signals.SIGSEGV ? 14UL : 0; // trapno (#PF)
        w[m + 21] = SignalMask;                     // oldmask
        w[m + 22] = info.Signo == Signals.SIGSEGV ? info.Addr : 0; // cr2
        w[m + 23] = fpAddr;                         // fpstate
        // reserved1[8] leaves 8 words; then uc_sigmask
        w[m + 32] = SavedMask ?? SignalMask;
        info.WriteTo(frame.Slice(SiginfoOffset, 128));

        if (MM.CopyOut(fpAddr, fp) < 0 || MM.CopyOut(sp, frame) < 0) return false;

        ulong newMask = SignalMask | act.Mask;
        if ((act.Flags & SaFlags.SA_NODEFER) == 0) newMask |= PendingSignals.Bit(info.Signo);
        SignalMask = newMask & ~Unblockable;
        SavedMask = null;
        if ((AltStack.Flags & SigAltStack.SS_AUTODISARM) != 0 && (act.Flags & SaFlags.SA_ONSTACK) != 0)
            AltStack = new StackT { Flags = SigAltStack.SS_DISABLE };

        Regs.Rsp = sp;
        Regs.Rip = act.Handler;
        Regs.Rdi = (ulong)info.Signo;
        Regs.Rsi = sp + SiginfoOffset;
        Regs.Rdx = sp + 8;
        Regs.Rax = 0;
        Regs.Eflags &= ~(0x400UL | 0x100UL | 0x40000UL); // DF, TF, AC
        Regs.OrigRax = ulong.MaxValue;
        return true;
    }

    private const int FpStateSize = 512;
    private const uint FpXstateMagic1 = 0x46505853, FpXstateMagic2 = 0x46505845;
    private const int UcontextSize = 8 + 8 + 24 + 256 + 8;
    private const int SiginfoOffset = 8 + UcontextSize;
    private const int FrameSize = SiginfoOffset + 128;

    /// <summary>sigsuspend and friends: if no handler ran to take the saved mask over, put it back.</summary>
    public void RestoreSavedMaskIfUnused()
    {
        // HandleSignals runs after this syscall returns; it uses SavedMask for the frame and
        // clears it. If nothing gets delivered, the old mask comes back then.
        _restoreSavedMask = true;
    }

    private bool _restoreSavedMask;

    /// <summary>The call finished without being interrupted: its temporary mask goes now.</summary>
    public void DropSavedMask()
    {
        if (SavedMask is { } m) { SignalMask = m; SavedMask = null; }
    }

    public bool OnAltStack(ulong sp)
        => AltStack.Flags != SigAltStack.SS_DISABLE && sp > AltStack.Sp && sp - AltStack.Sp <= AltStack.Size;

    /// <summary>rt_sigreturn: restores what <see cref="SetupFrame"/> saved. Returns the restored rax.</summary>
    public unsafe long SigReturn()
    {
        ulong frame = Regs.Rsp - 8;
        Span<byte> buf = stackalloc byte[FrameSize];
        if (MM.CopyIn(frame, buf) < 0) { Kernel.ForceSignal(this, new SignalInfo(Signals.SIGSEGV, SignalInfo.SI_KERNEL)); return 0; }
        var w = MemoryMarshal.Cast<byte, ulong>(buf);
        int m = 6;
        Regs.R8 = w[m + 0]; Regs.R9 = w[m + 1]; Regs.R10 = w[m + 2]; Regs.R11 = w[m + 3];
        Regs.R12 = w[m + 4]; Regs.R13 = w[m + 5]; Regs.R14 = w[m + 6]; Regs.R15 = w[m + 7];
        Regs.Rdi = w[m + 8]; Regs.Rsi = w[m + 9]; Regs.Rbp = w[m + 10]; Regs.Rbx = w[m + 11];
        Regs.Rdx = w[m + 12]; Regs.Rax = w[m + 13]; Regs.Rcx = w[m + 14]; Regs.Rsp = w[m + 15];
        Regs.Rip = w[m + 16];
        // Only the flags user code may change (FIX_EFLAGS).
        const ulong fix = 0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x10000;
        Regs.Eflags = (Regs.Eflags & ~fix) | (w[m + 17] & fix);
        Regs.OrigRax = ulong.MaxValue;
        ulong fpAddr = w[m + 23];
        if (fpAddr != 0)
        {
            Span<byte> fp = stackalloc byte[FpStateSize];
            if (MM.CopyIn(fpAddr, fp) == 0)
            {
                // MXCSR reserved bits would make fxrstor fault: keep them clear.
                uint mxcsr = BitConverter.ToUInt32(fp.Slice(24));
                BitConverter.TryWriteBytes(fp.Slice(24), mxcsr & 0xffff);
                bool restored = false;
                int xsize = Context!.XStateSize;
                // An XSAVE image carries FP_XSTATE_MAGIC1 in its software bytes and MAGIC2 after it.
                if (xsize > 0 && BitConverter.ToUInt32(fp.Slice(464)) == FpXstateMagic1)
                {
                    uint ext = BitConverter.ToUInt32(fp.Slice(468)), size = BitConverter.ToUInt32(fp.Slice(480));
                    if (size == xsize && ext == size + 4)
                    {
                        var x = new byte[xsize + 4];
                        if (MM.CopyIn(fpAddr, x) == 0 && BitConverter.ToUInt32(x, xsize) == FpXstateMagic2)
                        {
                            BitConverter.TryWriteBytes(x.AsSpan(24), mxcsr & 0xffff);
                            restored = Context.SetXState(x.AsSpan(0, xsize));
                        }
                    }
                }
                if (!restored) Context.SetFpState(fp);
            }
        }
        SignalMask = w[m + 32] & ~Unblockable;
        // uc_stack: restore the alternate stack as sigaltstack would, ignoring errors.
        var ss = new StackT { Sp = w[3], Flags = BitConverter.ToInt32(buf.Slice(32)), Size = w[5] };
        if ((ss.Flags & ~SigAltStack.SS_AUTODISARM) is 0 or SigAltStack.SS_ONSTACK && ss.Size >= SigAltStack.MINSIGSTKSZ && !OnAltStack(Regs.Rsp))
            AltStack = new StackT { Sp = ss.Sp, Size = ss.Size, Flags = ss.Flags & SigAltStack.SS_AUTODISARM };
        else if ((ss.Flags & SigAltStack.SS_DISABLE) != 0 && !OnAltStack(Regs.Rsp))
            AltStack = new StackT { Flags = SigAltStack.SS_DISABLE };
        return (long)Regs.Rax;
    }
}
