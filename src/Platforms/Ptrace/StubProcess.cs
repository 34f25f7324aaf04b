using System.Runtime.InteropServices;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Linux.Native;
using Sandbox.Sentry.Memory;
using Sandbox.Sentry.Platform;

namespace Sandbox.Platforms.Ptrace;

/// <summary>
/// One stub process: the host side of an application address space, and (for now) the
/// context of its one thread. Every method must be called on the OS thread that spawned it:
/// that thread is the tracer.
/// </summary>
internal sealed unsafe class StubProcess : IAddressSpace, IContext
{
    /// <summary>The fd number the memory file has inside the stub.</summary>
    private const int StubMemoryFd = 3;

    private readonly int _pid;
    private readonly int _tracerTid;
    private readonly ulong _syscallAddr;
    private UserRegs _template;
    private bool _gone;

    public int HostTid => _pid;
    public IContext MainContext => this;

    private StubProcess(int pid, ulong syscallAddr, in UserRegs template)
    {
        _pid = pid;
        _syscallAddr = syscallAddr;
        _template = template;
        _tracerTid = (int)Sys.Syscall(Sys.SYS_gettid);
    }

    /// <summary>Registers for a fresh application thread: the stub's segments and flags.</summary>
    public UserRegs InitialRegisters()
    {
        var r = new UserRegs { Cs = _template.Cs, Ss = _template.Ss, Ds = _template.Ds, Es = _template.Es, Eflags = 0x202 };
        return r;
    }

    public static StubProcess Spawn(string stubPath, MemoryFile file, bool pin)
    {
        int pid = Sys.SpawnIsolated(stubPath, file.Fd, StubMemoryFd);
        if (pid < 0) throw new PlatformException($"cannot start the ptrace stub {stubPath}: {ErrnoText.Name(-pid)}");
        int w = Sys.WaitPid(pid, out int status, Wait.__WALL);
        if (w != pid || !Wait.IfStopped(status) || Wait.StopSig(status) != Signals.SIGSTOP)
        {
            Sys.Syscall(Sys.SYS_kill, pid, Signals.SIGKILL);
            Sys.WaitPid(pid, out _, Wait.__WALL);
            throw new PlatformException($"ptrace stub did not stop as expected (wait={w}, status=0x{status:x}); is ptrace allowed here?");
        }
        long r = Sys.Ptrace(PtraceRequest.SETOPTIONS, pid, 0, PtraceRequest.O_EXITKILL | PtraceRequest.O_TRACESYSGOOD);
        if (r < 0) throw new PlatformException($"PTRACE_SETOPTIONS: {ErrnoText.Name((int)-r)}");
        UserRegs regs;
        r = Sys.Ptrace(PtraceRequest.GETREGS, pid, 0, (ulong)&regs);
        if (r < 0) throw new PlatformException($"PTRACE_GETREGS: {ErrnoText.Name((int)-r)}");
        var stub = new StubProcess(pid, regs.Rip, regs);
        stub.RemoveOwnMappings();
        if (pin) CpuPinning.PinPair(pid);
        return stub;
    }

    /// <summary>Unmaps the stack, vDSO, vvar and anything else but the page we execute from.</summary>
    private void RemoveOwnMappings()
    {
        foreach (var line in File.ReadAllLines($"/proc/{_pid}/maps"))
        {
            int dash = line.IndexOf('-'), sp = line.IndexOf(' ');
            ulong start = Convert.ToUInt64(line[..dash], 16), end = Convert.ToUInt64(line[(dash + 1)..sp], 16);
            if (start >= Layout.MaxUserAddress && _syscallAddr >= start && _syscallAddr < end) continue;
            if (start >= 0xffff_8000_0000_0000) continue; // [vsyscall]: not a user mapping
            long r = Inject(Sys.SYS_munmap, (long)start, (long)(end - start));
            if (r < 0) throw new PlatformException($"stub: munmap {start:x}-{end:x} failed: {ErrnoText.Name((int)-r)}");
        }
    }

    /// <summary>Runs one host system call inside the stub and returns its result.</summary>
    private long Inject(long nr, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0)
    {
        CheckThread();
        var regs = _template;
        regs.Rip = _syscallAddr;
        regs.Rax = (ulong)nr;
        regs.OrigRax = ulong.MaxValue;
        regs.Rdi = (ulong)a0; regs.Rsi = (ulong)a1; regs.Rdx = (ulong)a2;
        regs.R10 = (ulong)a3; regs.R8 = (ulong)a4; regs.R9 = (ulong)a5;
        long r = Sys.Ptrace(PtraceRequest.SETREGS, _pid, 0, (ulong)&regs);
        if (r < 0) return r;
        r = Sys.Ptrace(PtraceRequest.CONT, _pid, 0, 0);
        if (r < 0) return r;
        int w = Sys.WaitPid(_pid, out int status, Wait.__WALL);
        if (w != _pid || !Wait.IfStopped(status) || Wait.StopSig(status) != Signals.SIGTRAP)
        {
            MarkGone(status);
            throw new PlatformException($"stub {_pid}: injected syscall {nr} ended with status 0x{status:x}");
        }
        r = Sys.Ptrace(PtraceRequest.GETREGS, _pid, 0, (ulong)&regs);
        if (r < 0) return r;
        return (long)regs.Rax;
    }

    public long MapFile(ulong addr, ulong length, long fileOffset, int prot)
    {
        long r = Inject(Sys.SYS_mmap, (long)addr, (long)length, prot, MapFlags.SHARED | MapFlags.FIXED, StubMemoryFd, fileOffset);
        return r < 0 ? r : 0;
    }

    public long Unmap(ulong addr, ulong length) => Math.Min(0, Inject(Sys.SYS_munmap, (long)addr, (long)length));

    public long Protect(ulong addr, ulong length, int prot) => Math.Min(0, Inject(Sys.SYS_mprotect, (long)addr, (long)length, prot));

    public StopInfo Switch(ref UserRegs regs)
    {
        if (_gone) return new StopInfo(StopReason.Gone);
        fixed (UserRegs* p = &regs)
        {
            long r = Sys.Ptrace(PtraceRequest.SETREGS, _pid, 0, (ulong)p);
            if (r < 0) return LostStub(r);
            r = Sys.Ptrace(PtraceRequest.SYSEMU, _pid, 0, 0);
            if (r < 0) return LostStub(r);
            int w = Sys.WaitPid(_pid, out int status, Wait.__WALL);
            if (w != _pid) return LostStub(w);
            if (!Wait.IfStopped(status)) { MarkGone(status); return new StopInfo(StopReason.Gone, Wait.IfSignaled(status) ? Wait.TermSig(status) : 0); }
            r = Sys.Ptrace(PtraceRequest.GETREGS, _pid, 0, (ulong)p);
            if (r < 0) return LostStub(r);
            int sig = Wait.StopSig(status);
            if (sig == (Signals.SIGTRAP | 0x80)) return new StopInfo(StopReason.Syscall);
            byte* si = stackalloc byte[128];
            Sys.Ptrace(PtraceRequest.GETSIGINFO, _pid, 0, (ulong)si);
            int code = *(int*)(si + 8);
            bool synchronous = code > 0 && code < 0x80; // SI_KERNEL and user codes are <= 0 or 0x80
            if (synchronous && sig is Signals.SIGSEGV or Signals.SIGBUS or Signals.SIGILL or Signals.SIGFPE or Signals.SIGTRAP)
                return new StopInfo(StopReason.Fault, sig, code, *(ulong*)(si + 16));
            if (sig == Signals.SIGTRAP || sig == Signals.SIGSEGV)
                return new StopInfo(StopReason.Fault, sig, code, *(ulong*)(si + 16));
            return new StopInfo(StopReason.Signal, sig, code);
        }
    }

    private StopInfo LostStub(long err)
    {
        _gone = true;
        return new StopInfo(StopReason.Gone, 0, (int)err);
    }

    private void MarkGone(int status)
    {
        if (!Wait.IfStopped(status)) _gone = true;
    }

    private void CheckThread()
    {
        int tid = (int)Sys.Syscall(Sys.SYS_gettid);
        if (tid != _tracerTid) throw new InvalidOperationException($"stub {_pid} is traced by thread {_tracerTid}, called from {tid}");
    }

    public void Dispose()
    {
        if (_pid <= 0) return;
        Sys.Syscall(Sys.SYS_kill, _pid, Signals.SIGKILL);
        // Only the tracer thread may reap a traced child reliably; elsewhere EXITKILL/PDEATHSIG cover it.
        if ((int)Sys.Syscall(Sys.SYS_gettid) == _tracerTid || _gone) Sys.WaitPid(_pid, out _, Wait.__WALL);
        _gone = true;
    }
}

public sealed class PlatformException(string message) : Exception(message);
