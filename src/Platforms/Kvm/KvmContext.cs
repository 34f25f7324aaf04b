using System.Runtime.InteropServices;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Linux.Native;
using Sandbox.Sentry.Platform;

namespace Sandbox.Platforms.Kvm;

/// <summary>
/// One vCPU running one application thread. The guest enters ring 3 through a resume stub
/// (sysretq when rcx/r11 allow it, as Linux does, else iretq from a frame on the vCPU's ring-0
/// stack) and leaves it by a syscall or an exception, each of which ends in an `out` that makes
/// KVM_RUN return. Registers travel through kvm_run's sync-regs area where KVM has it.
/// </summary>
internal sealed unsafe class KvmContext : IContext
{
    private readonly KvmAddressSpace _space;
    private int _fd;
    private byte* _run;
    private KvmRegs* _regs;         // kvm_run.s.regs, or _ownRegs without KVM_CAP_SYNC_REGS
    private KvmRegs* _ownRegs;
    private KvmSregs* _sregs;       // as last loaded
    private byte* _xsave;           // 4 KiB buffer for KVM_GET/SET_XSAVE
    private readonly ulong _pagePhys;   // GDT, TSS and ring-0 stack
    private readonly ulong _stackTop;
    private readonly ulong _code;
    private int _seenGeneration = -1;
    private int _interrupt;
    private int _inGuest;
    private volatile int _runs;
    private volatile bool _gone;
    private int _tid;
    private bool _inUserMode;
    private static readonly bool s_debug = Environment.GetEnvironmentVariable("SANDBOX_KVM_DEBUG") == "1";
    private ulong _lastEntry, _lastRip, _lastRcx;

    public KvmContext(KvmAddressSpace space, int id)
    {
        _space = space;
        var p = space.Platform;
        _pagePhys = space.Pages.Allocate();
        _stackTop = space.Pages.VirtOf(_pagePhys) + GuestLayout.PageSize;
        _code = space.Pages.VirtOf(GuestLayout.PhysOfPage(GuestLayout.CodePage));
        _sregs = (KvmSregs*)NativeMemory.AllocZeroed((nuint)sizeof(KvmSregs));
        _xsave = (byte*)NativeMemory.AlignedAlloc(4096, 64);
        _ownRegs = (KvmRegs*)NativeMemory.AllocZeroed((nuint)sizeof(KvmRegs));
        _fd = (int)KvmAbi.Ioctl(space.VmFd, KvmAbi.CREATE_VCPU, id);
        if (_fd < 0) { Free(); throw new PlatformException($"KVM_CREATE_VCPU {id} failed: {ErrnoText.Name(-_fd)}"); }
        long run = Sys.Syscall(Sys.SYS_mmap, 0, p.RunSize, 3 /* RW */, 1 /* SHARED */, _fd, 0);
        if (run < 0 && run > -4096) { Close(); throw new PlatformException($"mmap of kvm_run failed: {ErrnoText.Name((int)-run)}"); }
        _run = (byte*)run;
        _regs = p.SyncRegs ? (KvmRegs*)(_run + KvmAbi.RunSyncRegs) : _ownRegs;
        try { Setup(); }
        catch { Close(); throw; }
    }

    public int HostTid => _tid;
    internal bool InGuest => Volatile.Read(ref _inGuest) != 0;

    private void Setup()
    {
        var p = _space.Platform;
        byte* page = _space.Pages.HostOf(_pagePhys);
        ulong pageVirt = _space.Pages.VirtOf(_pagePhys);
        DescriptorTables.WriteGdt(new Span<byte>(page, GuestLayout.GdtEntries * 8), pageVirt + GuestLayout.TssOffset);
        DescriptorTables.WriteTss(new Span<byte>(page + GuestLayout.TssOffset, GuestLayout.TssSize), _stackTop);

        byte[] cpuid = new byte[8 + p.Cpuid.Length * sizeof(KvmCpuidEntry)];
        fixed (byte* c = cpuid)
        {
            *(uint*)c = (uint)p.Cpuid.Length;
            p.Cpuid.CopyTo(new Span<KvmCpuidEntry>(c + 8, p.Cpuid.Length));
            Check(KvmAbi.Ioctl(_fd, KvmAbi.SET_CPUID2, c), "KVM_SET_CPUID2");
        }

        Check(KvmAbi.Ioctl(_fd, KvmAbi.GET_SREGS, _sregs), "KVM_GET_SREGS");
        var s = _sregs;
        s->Cs = Segment(GuestLayout.KernelCs, 11, 0, code: true);
        s->Ss = Segment(GuestLayout.KernelDs, 3, 0, code: false);
        s->Ds = s->Es = Segment(GuestLayout.UserDs, 3, 3, code: false);
        s->Fs = s->Gs = Segment(0, 3, 3, code: false);
        s->Tr = new KvmSegment { Base = pageVirt + GuestLayout.TssOffset, Limit = GuestLayout.TssSize - 1, Selector = GuestLayout.TssSel, Type = 11, Present = 1 };
        s->Ldt = new KvmSegment { Type = 2, Unusable = 1 };
        s->Gdt = new KvmDtable { Base = pageVirt, Limit = GuestLayout.GdtEntries * 8 - 1 };
        s->Idt = new KvmDtable { Base = _space.Pages.VirtOf(GuestLayout.PhysOfPage(GuestLayout.IdtPage)), Limit = 256 * 16 - 1 };
        s->Cr0 = GuestLayout.Cr0;
        s->Cr3 = _space.Tables.Root;
        s->Cr4 = GuestLayout.Cr4Pae | GuestLayout.Cr4Osfxsr | GuestLayout.Cr4Osxmmexcpt | (p.Xcr0 != 0 ? GuestLayout.Cr4Osxsave : 0);
        s->Efer = GuestLayout.EferSce | GuestLayout.EferLme | GuestLayout.EferLma | GuestLayout.EferNxe;
        Check(KvmAbi.Ioctl(_fd, KvmAbi.SET_SREGS, _sregs), "KVM_SET_SREGS");

        if (p.Xcr0 != 0)
        {
            byte* xcrs = stackalloc byte[392];
            new Span<byte>(xcrs, 392).Clear();
            *(uint*)xcrs = 1;                 // nr_xcrs
            *(uint*)(xcrs + 8) = 0;           // XCR0
            *(ulong*)(xcrs + 16) = p.Xcr0;
            Check(KvmAbi.Ioctl(_fd, KvmAbi.SET_XCRS, xcrs), "KVM_SET_XCRS");
        }

        ulong* msrs = stackalloc ulong[1 + 2 * 5];
        msrs[0] = 5;
        SetMsr(msrs, 0, GuestLayout.MsrStar, GuestLayout.Star);
        SetMsr(msrs, 1, GuestLayout.MsrLstar, _code + EntryCode.SyscallEntry);
        SetMsr(msrs, 2, GuestLayout.MsrCstar, _code + EntryCode.SyscallEntry);
        SetMsr(msrs, 3, GuestLayout.MsrSfmask, GuestLayout.Sfmask);
        SetMsr(msrs, 4, GuestLayout.MsrKernelGsBase, 0);
        long n = KvmAbi.Ioctl(_fd, KvmAbi.SET_MSRS, msrs);
        if (n != 5) throw new PlatformException($"KVM_SET_MSRS set {n} of 5");

        *(ulong*)(_run + KvmAbi.RunValidRegs) = _space.Platform.SyncRegs ? KvmAbi.SYNC_X86_REGS : 0;
    }

    private static void SetMsr(ulong* msrs, int i, uint index, ulong value)
    {
        msrs[1 + 2 * i] = index;
        msrs[2 + 2 * i] = value;
    }

    private static KvmSegment Segment(ushort selector, byte type, byte dpl, bool code) => new()
    {
        Base = 0, Limit = 0xffffffff, Selector = selector, Type = type, Present = 1, Dpl = dpl,
        Db = (byte)(code ? 0 : 1), S = 1, L = (byte)(code ? 1 : 0), G = 1,
    };

    private static void Check(long r, string what)
    {
        if (r < 0) throw new PlatformException($"{what} failed: {ErrnoText.Name((int)-r)}");
    }

    /// <summary>A pooled vCPU taken again: a fresh FPU state, interrupts forgotten.</summary>
    internal void Reset()
    {
        _interrupt = 0;
        _gone = false;
        *(_run + KvmAbi.RunImmediateExit) = 0;
        if (KvmAbi.Ioctl(_fd, KvmAbi.GET_XSAVE, _xsave) == 0)
        {
            new Span<byte>(_xsave, 4096).Clear();
            *(ushort*)_xsave = 0x37f;            // FCW after finit
            *(uint*)(_xsave + 24) = 0x1f80;      // MXCSR
            *(ulong*)(_xsave + 512) = 3;         // XSTATE_BV: x87, SSE
            KvmAbi.Ioctl(_fd, KvmAbi.SET_XSAVE, _xsave);
        }
    }

    public UserRegs InitialRegisters() => new()
    {
        Cs = GuestLayout.UserCs, Ss = GuestLayout.UserDs, Eflags = 0x202, OrigRax = ulong.MaxValue,
        FsBase = _sregs->Fs.Base, GsBase = _sregs->Gs.Base,
    };

    public void Attach() => _tid = (int)Sys.Syscall(Sys.SYS_gettid);

    public StopInfo Switch(ref UserRegs u)
    {
        if (_gone || _fd < 0) return new StopInfo(StopReason.Gone);
        if (Interlocked.Exchange(ref _interrupt, 0) != 0)
        {
            Volatile.Write(ref _run[KvmAbi.RunImmediateExit], 0);
            return new StopInfo(StopReason.Signal, KvmPlatform.KickSignal);
        }
        if (u.FsBase != _sregs->Fs.Base || u.GsBase != _sregs->Gs.Base || _inUserMode)
        {
            if (!GuestLayout.IsCanonical(u.FsBase) || !GuestLayout.IsCanonical(u.GsBase))
                return new StopInfo(StopReason.Fault, Signals.SIGSEGV, Faults.SI_KERNEL, 0);
            _sregs->Fs.Base = u.FsBase;
            _sregs->Gs.Base = u.GsBase;
            // _sregs holds the ring-0 CS and SS the resume stubs run with.
            if (KvmAbi.Ioctl(_fd, KvmAbi.SET_SREGS, _sregs) < 0) return Lost("KVM_SET_SREGS");
            _inUserMode = false;
        }
        if (u.Rip >= GuestLayout.UserTop || !GuestLayout.IsCanonical(u.Rsp))
            return new StopInfo(StopReason.Fault, Signals.SIGSEGV, Faults.SI_KERNEL, 0); // iretq would fault in ring 0

        int generation = Volatile.Read(ref _space.Generation);
        bool flush = generation != _seenGeneration;
        ulong flags = (u.Eflags & GuestLayout.UserFlags) | 0x202;
        var r = _regs;
        r->Rax = u.Rax; r->Rbx = u.Rbx; r->Rdx = u.Rdx; r->Rsi = u.Rsi; r->Rdi = u.Rdi; r->Rbp = u.Rbp;
        r->R8 = u.R8; r->R9 = u.R9; r->R10 = u.R10; r->R12 = u.R12; r->R13 = u.R13; r->R14 = u.R14; r->R15 = u.R15;
        r->Rflags = 2;
        if (!flush && u.Rcx == u.Rip && u.R11 == flags)
        {
            // sysretq: what Linux does when rcx and r11 already hold rip and rflags.
            r->Rcx = u.Rip; r->R11 = flags; r->Rsp = u.Rsp;
            r->Rip = _code + EntryCode.Sysret;
        }
        else
        {
            ulong* frame = (ulong*)_space.Pages.HostOf(_pagePhys + GuestLayout.PageSize) - EntryCode.IretFrameQwords;
            frame[0] = u.Rax; frame[1] = u.Rip; frame[2] = GuestLayout.UserCs; frame[3] = flags; frame[4] = u.Rsp; frame[5] = GuestLayout.UserDs;
            r->Rcx = u.Rcx; r->R11 = u.R11;
            r->Rsp = _stackTop - (ulong)EntryCode.IretFrameQwords * 8;
            r->Rip = _code + (ulong)(flush ? EntryCode.FlushIret : EntryCode.Iret);
        }
        if (s_debug) { _lastEntry = r->Rip - _code; _lastRip = u.Rip; _lastRcx = u.Rcx; }
        bool dirty = true;
        while (true)
        {
            if (!LoadRegs(dirty)) return Lost("KVM_SET_REGS");
            dirty = false;
            // A full fence between this store and KVM's read of immediate_exit, paired with Kick's.
            Interlocked.Exchange(ref _inGuest, 1);
            long e = KvmAbi.Ioctl(_fd, KvmAbi.RUN);
            Volatile.Write(ref _inGuest, 0);
            _runs++;
            if (!StoreRegs()) return Lost("KVM_GET_REGS");
            if (e == -(long)Errno.EINTR)
            {
                if (_gone) return new StopInfo(StopReason.Gone);
                // Cleared before _interrupt is read: an Interrupt() racing with this is seen now or on the next entry.
                Volatile.Write(ref _run[KvmAbi.RunImmediateExit], 0);
                bool ours = Volatile.Read(ref _interrupt) != 0 || Volatile.Read(ref _space.Generation) != generation;
                if (!ours) continue; // a runtime signal: go on where the guest was
                ulong at = r->Rip - _code;
                if (r->Rip < GuestLayout.UserTop)
                {
                    // Interrupted in the application: its state is the vCPU's, in ring 3, so the
                    // next entry must first put the vCPU back in ring 0 for the resume stub.
                    _seenGeneration = generation;
                    _inUserMode = true;
                    FromGuest(ref u, r->Rip, r->Rflags, r->Rsp);
                }
                else if (at < EntryCode.Sysret || at >= EntryCode.FaultCommon)
                    continue; // on its way out of the guest: take that exit first (the interrupt stays pending)
                // else: still in a resume stub; the application did not run and u is as it was.
                Interlocked.Exchange(ref _interrupt, 0);
                return new StopInfo(StopReason.Signal, KvmPlatform.KickSignal);
            }
            if (e < 0) return Lost($"KVM_RUN: {ErrnoText.Name((int)-e)}");
            uint reason = *(uint*)(_run + KvmAbi.RunExitReason);
            if (reason == KvmAbi.EXIT_IO)
            {
                int port = *(ushort*)(_run + KvmAbi.RunIo + 2);
                if (port == EntryCode.SyscallPort)
                {
                    _seenGeneration = generation;
                    FromGuest(ref u, r->Rcx, r->R11, r->Rsp);
                    u.OrigRax = u.Rax;
                    u.Rax = unchecked((ulong)-(long)Errno.ENOSYS);
                    return new StopInfo(StopReason.Syscall);
                }
                if (port == EntryCode.FaultPort) return Fault(ref u, generation);
            }
            return Unexpected(reason);
        }
    }

    private StopInfo Fault(ref UserRegs u, int generation)
    {
        ulong* f = (ulong*)_space.Pages.HostOf(_pagePhys + GuestLayout.PageSize) - EntryCode.FaultFrameQwords;
        ulong cr2 = f[0], vector = f[1], error = f[2], rip = f[3], cs = f[4], rflags = f[5], rsp = f[6];
        if ((cs & 3) != 3)
        {
            Console.Error.WriteLine($"kvm: exception {vector} (error 0x{error:x}) in ring 0 at 0x{rip:x}, cr2 0x{cr2:x}");
            _gone = true;
            return new StopInfo(StopReason.Gone);
        }
        if (rip >= GuestLayout.UserTop && s_debug)
            Console.Error.WriteLine($"kvm: thread {_tid}: user fault at 0x{rip:x}: vector {vector} error 0x{error:x} cr2 0x{cr2:x} cs 0x{cs:x} rsp 0x{rsp:x}; last entry {_lastEntry} rip 0x{_lastRip:x} rcx 0x{_lastRcx:x} gen {generation}/{_seenGeneration}");
        _seenGeneration = generation;
        FromGuest(ref u, rip, rflags, rsp);
        bool mapped = false;
        int fp = 0;
        if (vector == 14) mapped = _space.Tables.Lookup(cr2 & ~(GuestLayout.PageSize - 1), out _) != 0;
        if ((vector == 16 || vector == 19) && KvmAbi.Ioctl(_fd, KvmAbi.GET_XSAVE, _xsave) == 0)
        {
            if (vector == 16) { int cw = *(ushort*)_xsave, sw = *(ushort*)(_xsave + 2); fp = sw & ~cw & 0x3f; }
            else { int mx = *(int*)(_xsave + 24); fp = mx & ~(mx >> 7) & 0x3f; }
        }
        return Faults.ToStop((int)vector, error, cr2, rip, mapped, fp);
    }

    private void FromGuest(ref UserRegs u, ulong rip, ulong rflags, ulong rsp)
    {
        var r = _regs;
        u.Rax = r->Rax; u.Rbx = r->Rbx; u.Rcx = r->Rcx; u.Rdx = r->Rdx; u.Rsi = r->Rsi; u.Rdi = r->Rdi; u.Rbp = r->Rbp;
        u.R8 = r->R8; u.R9 = r->R9; u.R10 = r->R10; u.R11 = r->R11; u.R12 = r->R12; u.R13 = r->R13; u.R14 = r->R14; u.R15 = r->R15;
        u.Rip = rip; u.Eflags = rflags; u.Rsp = rsp;
        u.Cs = GuestLayout.UserCs; u.Ss = GuestLayout.UserDs;
    }

    private bool LoadRegs(bool dirty)
    {
        if (_regs != _ownRegs)
        {
            *(ulong*)(_run + KvmAbi.RunDirtyRegs) = dirty ? KvmAbi.SYNC_X86_REGS : 0;
            return true;
        }
        return !dirty || KvmAbi.Ioctl(_fd, KvmAbi.SET_REGS, _ownRegs) == 0;
    }

    private bool StoreRegs() => _regs != _ownRegs || KvmAbi.Ioctl(_fd, KvmAbi.GET_REGS, _ownRegs) == 0;

    private StopInfo Unexpected(uint reason)
    {
        string what = reason switch
        {
            KvmAbi.EXIT_IO => $"I/O on port 0x{*(ushort*)(_run + KvmAbi.RunIo + 2):x}",
            KvmAbi.EXIT_HLT => "hlt",
            KvmAbi.EXIT_SHUTDOWN => "shutdown (triple fault)",
            KvmAbi.EXIT_FAIL_ENTRY => $"entry failure 0x{*(ulong*)(_run + 32):x}",
            KvmAbi.EXIT_INTERNAL_ERROR => $"internal error {*(uint*)(_run + 32)}",
            KvmAbi.EXIT_MMIO => $"MMIO at 0x{*(ulong*)(_run + 32):x}",
            _ => $"exit reason {reason}",
        };
        return Lost($"unexpected exit: {what} at rip 0x{_regs->Rip:x}");
    }

    private StopInfo Lost(string why)
    {
        Console.Error.WriteLine($"kvm: vCPU of thread {_tid} lost: {why}");
        _gone = true;
        return new StopInfo(StopReason.Gone);
    }

    /// <summary>Makes the running (or next) KVM_RUN return at once.</summary>
    public void Interrupt()
    {
        Volatile.Write(ref _interrupt, 1);
        Kick();
    }

    internal void Kick()
    {
        if (_run == null) return;
        Volatile.Write(ref _run[KvmAbi.RunImmediateExit], 1);
        Interlocked.MemoryBarrier();
        // Only a thread inside KVM_RUN needs the signal (one about to enter sees immediate_exit);
        // elsewhere it would only make the Sentry's own host calls fail with EINTR.
        if (_tid > 0 && Volatile.Read(ref _inGuest) != 0) Sys.Syscall(Sys.SYS_tgkill, Environment.ProcessId, _tid, KvmPlatform.KickSignal);
    }

    /// <summary>Waits (a little) until this vCPU has left the guest since the call: a TLB shoot-down.</summary>
    internal void WaitOutOfGuest()
    {
        int runs = _runs;
        var spin = new SpinWait();
        long until = Environment.TickCount64 + 20;
        while (InGuest && _runs == runs && Environment.TickCount64 < until) spin.SpinOnce();
    }

    internal void Lose()
    {
        _gone = true;
        if (InGuest) Kick();
    }

    public void GetFpState(Span<byte> fxsave)
    {
        if (KvmAbi.Ioctl(_fd, KvmAbi.GET_XSAVE, _xsave) == 0) new ReadOnlySpan<byte>(_xsave, 512).CopyTo(fxsave);
    }

    public void SetFpState(ReadOnlySpan<byte> fxsave)
    {
        if (KvmAbi.Ioctl(_fd, KvmAbi.GET_XSAVE, _xsave) < 0) return;
        fxsave[..512].CopyTo(new Span<byte>(_xsave, 512));
        *(ulong*)(_xsave + 512) |= 3; // XSTATE_BV: x87 and SSE state are in the image
        KvmAbi.Ioctl(_fd, KvmAbi.SET_XSAVE, _xsave);
    }

    public int XStateSize => _space.Platform.XsaveSize;

    public bool GetXState(Span<byte> xsave)
    {
        int n = XStateSize;
        if (n == 0 || xsave.Length < n || KvmAbi.Ioctl(_fd, KvmAbi.GET_XSAVE, _xsave) < 0) return false;
        new ReadOnlySpan<byte>(_xsave, n).CopyTo(xsave);
        return true;
    }

    public bool SetXState(ReadOnlySpan<byte> xsave)
    {
        int n = XStateSize;
        if (n == 0 || xsave.Length < n) return false;
        var buf = new Span<byte>(_xsave, 4096);
        buf.Clear();
        xsave[..n].CopyTo(buf);
        buf.Slice(464, 48).Clear(); // the kernel's software bytes are not hardware state
        // KVM checks the header (XSTATE_BV within XCR0, compacted format refused).
        return KvmAbi.Ioctl(_fd, KvmAbi.SET_XSAVE, _xsave) == 0;
    }

    public bool Retire()
    {
        _space.Retired(this);
        return true;
    }

    public void Reap() => _space.Retired(this);

    /// <summary>Closes the vCPU for good (with its VM, or when it fails).</summary>
    internal void Close()
    {
        if (_run != null) { Sys.Syscall(Sys.SYS_munmap, (long)_run, _space.Platform.RunSize); _run = null; }
        if (_fd >= 0) { Sys.Syscall(Sys.SYS_close, _fd); _fd = -1; }
        Free();
    }

    private void Free()
    {
        if (_sregs != null) { NativeMemory.Free(_sregs); _sregs = null; }
        if (_ownRegs != null) { NativeMemory.Free(_ownRegs); _ownRegs = null; }
        if (_xsave != null) { NativeMemory.AlignedFree(_xsave); _xsave = null; }
        _regs = null;
    }
}
