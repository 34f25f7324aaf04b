using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Linux.Native;
using Sandbox.Sentry.Platform;

namespace Sandbox.Platforms.Ptrace;

/// <summary>
/// One thread of a stub process, traced by exactly one Sentry thread: every ptrace request
/// and wait for it must come from that thread.
/// </summary>
internal sealed unsafe class StubThread : IContext
{
    private readonly StubAddressSpace _space;
    private readonly bool _leader;
    private bool _gone;

    public StubThread(StubAddressSpace space, int tid, bool leader)
    {
        _space = space; Tid = tid; _leader = leader;
    }

    public int Tid { get; }
    public int HostTid => Tid;
    public int TracerTid { get; private set; }

    public UserRegs InitialRegisters()
    {
        var t = _space.Template;
        return new UserRegs { Cs = t.Cs, Ss = t.Ss, Ds = t.Ds, Es = t.Es, Eflags = 0x202, OrigRax = ulong.MaxValue };
    }

    /// <summary>PTRACE_SEIZE, then PTRACE_INTERRUPT to stop it wherever it waits.</summary>
    public void Attach()
    {
        TracerTid = (int)Sys.Syscall(Sys.SYS_gettid);
        long r = Sys.Ptrace(PtraceRequest.SEIZE, Tid, 0, PtraceRequest.O_EXITKILL | PtraceRequest.O_TRACESYSGOOD);
        if (r < 0) throw new PlatformException($"PTRACE_SEIZE of stub thread {Tid}: {ErrnoText.Name((int)-r)}");
        r = Sys.Ptrace(PtraceRequest.INTERRUPT, Tid, 0, 0);
        if (r < 0) throw new PlatformException($"PTRACE_INTERRUPT of stub thread {Tid}: {ErrnoText.Name((int)-r)}");
        int w = Sys.WaitPid(Tid, out int status, Wait.__WALL);
        if (w != Tid || !Wait.IfStopped(status)) throw new PlatformException($"stub thread {Tid} did not stop (status 0x{status:x})");
        _space.Register(this);
        if (_space.Platform.PinPairs && !_leader) CpuPinning.PinPair(Tid);
    }

    internal UserRegs ReadRegisters()
    {
        UserRegs regs;
        long r = Sys.Ptrace(PtraceRequest.GETREGS, Tid, 0, (ulong)&regs);
        if (r < 0) throw new PlatformException($"PTRACE_GETREGS: {ErrnoText.Name((int)-r)}");
        return regs;
    }

    /// <summary>Waits for the next stop, letting through stops that are not the one expected (interrupts).</summary>
    private int WaitStop(out int status)
    {
        int w = Sys.WaitPid(Tid, out status, Wait.__WALL);
        if (w != Tid) { _gone = true; return w < 0 ? w : -1; }
        if (!Wait.IfStopped(status)) _gone = true;
        return w;
    }

    /// <summary>Runs one host system call in this stub thread at <paramref name="entry"/>; returns its result.</summary>
    internal long Inject(ulong entry, long nr, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0)
    {
        var regs = _space.Template;
        regs.Rip = entry;
        regs.Rax = (ulong)nr;
        regs.OrigRax = ulong.MaxValue;
        regs.Rdi = (ulong)a0; regs.Rsi = (ulong)a1; regs.Rdx = (ulong)a2;
        regs.R10 = (ulong)a3; regs.R8 = (ulong)a4; regs.R9 = (ulong)a5;
        long r = Sys.Ptrace(PtraceRequest.SETREGS, Tid, 0, (ulong)&regs);
        if (r < 0) return r;
        while (true)
        {
            r = Sys.Ptrace(PtraceRequest.CONT, Tid, 0, 0);
            if (r < 0) return r;
            if (WaitStop(out int status) < 0 || _gone)
                throw new PlatformException($"stub thread {Tid}: gone during injected syscall {nr} (status 0x{status:x})");
            // An interrupt (SIGURG) or a group-stop event can arrive first: keep going to the int3.
            if (Wait.StopSig(status) == Signals.SIGTRAP && (status >> 16) == 0) break;
        }
        r = Sys.Ptrace(PtraceRequest.GETREGS, Tid, 0, (ulong)&regs);
        if (r < 0) return r;
        return (long)regs.Rax;
    }

    public StopInfo Switch(ref UserRegs regs)
    {
        if (_gone) return new StopInfo(StopReason.Gone);
        fixed (UserRegs* p = &regs)
        {
            long r = Sys.Ptrace(PtraceRequest.SETREGS, Tid, 0, (ulong)p);
            if (r < 0) return Lost(r);
            r = Sys.Ptrace(PtraceRequest.SYSEMU, Tid, 0, 0);
            if (r < 0) return Lost(r);
            int w = WaitStop(out int status);
            if (w < 0 || _gone) return new StopInfo(StopReason.Gone, Wait.IfSignaled(status) ? Wait.TermSig(status) : 0);
            r = Sys.Ptrace(PtraceRequest.GETREGS, Tid, 0, (ulong)p);
            if (r < 0) return Lost(r);
            int sig = Wait.StopSig(status);
            if (sig == (Signals.SIGTRAP | 0x80)) return new StopInfo(StopReason.Syscall);
            if ((status >> 16) != 0) return new StopInfo(StopReason.Signal, sig); // PTRACE_EVENT_STOP and friends
            byte* si = stackalloc byte[128];
            Sys.Ptrace(PtraceRequest.GETSIGINFO, Tid, 0, (ulong)si);
            int code = *(int*)(si + 8);
            bool fromKernel = code > 0 && code < 0x80; // a fault's own si_code; SI_USER/SI_TKILL are <= 0
            if (fromKernel && sig is Signals.SIGSEGV or Signals.SIGBUS or Signals.SIGILL or Signals.SIGFPE or Signals.SIGTRAP)
                return new StopInfo(StopReason.Fault, sig, code, *(ulong*)(si + 16));
            if (sig == Signals.SIGTRAP && code == 0x80) // int3 (SI_KERNEL)
                return new StopInfo(StopReason.Fault, sig, code, 0);
            if (code == 0x80 && sig == Signals.SIGSEGV) // general protection: SI_KERNEL
                return new StopInfo(StopReason.Fault, sig, code, 0);
            return new StopInfo(StopReason.Signal, sig, code);
        }
    }

    private StopInfo Lost(long err)
    {
        _gone = true;
        return new StopInfo(StopReason.Gone, 0, (int)err);
    }

    /// <summary>A host signal the tracer will see as a signal-delivery-stop and never deliver.</summary>
    public void Interrupt()
    {
        if (!_gone) Sys.Syscall(Sys.SYS_tgkill, _space.Pid, Tid, Signals.SIGURG);
    }

    public void GetFpState(Span<byte> fxsave)
    {
        fixed (byte* p = fxsave) Sys.Ptrace(PtraceRequest.GETFPREGS, Tid, 0, (ulong)p);
    }

    public void SetFpState(ReadOnlySpan<byte> fxsave)
    {
        fixed (byte* p = fxsave) Sys.Ptrace(PtraceRequest.SETFPREGS, Tid, 0, (ulong)p);
    }

    private const int NT_X86_XSTATE = 0x202;
    private static int s_xstateSize = -1;

    /// <summary>
    /// The size of the kernel's NT_X86_XSTATE regset, learned from the first read (the kernel
    /// shortens iov_len to it); PTRACE_SETREGSET takes exactly that size.
    /// </summary>
    public int XStateSize
    {
        get
        {
            if (s_xstateSize >= 0) return s_xstateSize;
            var buf = new byte[1 << 16];
            fixed (byte* p = buf)
            {
                ulong* iov = stackalloc ulong[2];
                iov[0] = (ulong)p; iov[1] = (ulong)buf.Length;
                s_xstateSize = Sys.Ptrace(PtraceRequest.GETREGSET, Tid, NT_X86_XSTATE, (ulong)iov) == 0 && iov[1] > 512 ? (int)iov[1] : 0;
            }
            return s_xstateSize;
        }
    }

    public bool GetXState(Span<byte> xsave)
    {
        fixed (byte* p = xsave)
        {
            ulong* iov = stackalloc ulong[2];
            iov[0] = (ulong)p; iov[1] = (ulong)xsave.Length;
            return Sys.Ptrace(PtraceRequest.GETREGSET, Tid, NT_X86_XSTATE, (ulong)iov) == 0;
        }
    }

    public bool SetXState(ReadOnlySpan<byte> xsave)
    {
        fixed (byte* p = xsave)
        {
            ulong* iov = stackalloc ulong[2];
            iov[0] = (ulong)p; iov[1] = (ulong)xsave.Length;
            return Sys.Ptrace(PtraceRequest.SETREGSET, Tid, NT_X86_XSTATE, (ulong)iov) == 0;
        }
    }

    public bool Retire()
    {
        if (_gone) { _space.Unregister(this); return true; }
        if (_leader) return false;
        // exit(2) of this thread only: the others go on.
        var regs = _space.Template;
        regs.Rip = _space.Platform.StubSyscall;
        regs.Rax = 60;
        regs.Rdi = 0;
        regs.OrigRax = ulong.MaxValue;
        if (Sys.Ptrace(PtraceRequest.SETREGS, Tid, 0, (ulong)&regs) == 0 && Sys.Ptrace(PtraceRequest.CONT, Tid, 0, 0) == 0)
            CollectEnd();
        _space.Unregister(this);
        return true;
    }

    public void Reap()
    {
        _space.Gone.Wait();
        CollectEnd();
        _space.Unregister(this);
    }

    /// <summary>Consumes this thread's exit so nothing is left for the tracer.</summary>
    internal void CollectEnd()
    {
        while (!_gone)
        {
            int w = Sys.WaitPid(Tid, out int status, Wait.__WALL);
            if (w != Tid || !Wait.IfStopped(status)) { _gone = true; break; }
            // Stopped on the way out (a late interrupt): let it go on dying.
            Sys.Ptrace(PtraceRequest.CONT, Tid, 0, 0);
        }
    }
}
