using Sandbox.Linux.Abi;
using Sandbox.Sentry.Memory;

namespace Sandbox.Sentry.Platform;

/// <summary>
/// What a platform provides to the Sentry: address spaces the application runs in, and a way
/// to run application code on the current thread until it traps. The Sentry never knows which
/// platform it runs on.
/// </summary>
public interface IPlatform
{
    string Name { get; }

    /// <summary>
    /// Creates an empty address space whose mappings will be ranges of <paramref name="file"/>,
    /// together with the context that runs its first thread. Must be called on the OS thread
    /// that will drive that context for its whole life.
    /// </summary>
    IAddressSpace NewAddressSpace(MemoryFile file);
}

/// <summary>
/// The platform's half of an address space: it mirrors the Sentry's VMAs. Calls come from a
/// thread that owns a context of this address space.
/// </summary>
public interface IAddressSpace : IDisposable
{
    /// <summary>The context of the thread that created the address space.</summary>
    IContext MainContext { get; }

    /// <summary>The host process behind it (for CPU accounting), or 0.</summary>
    int HostPid { get; }

    /// <summary>Maps [addr, addr+length) to the memory file at fileOffset. 0 or -errno.</summary>
    long MapFile(ulong addr, ulong length, long fileOffset, int prot);

    /// <summary>
    /// Maps [addr, addr+length) to a host System V segment (IPC namespace "host") from
    /// <paramref name="offset"/> in it; <paramref name="segmentLength"/> is its page-rounded size.
    /// 0 or -errno; platforms that cannot reach host segments answer -EINVAL.
    /// </summary>
    long MapHostShm(ulong addr, ulong length, int shmid, long offset, ulong segmentLength, int prot) => -(long)Linux.Errno.EINVAL;

    long Unmap(ulong addr, ulong length);

    long Protect(ulong addr, ulong length, int prot);

    /// <summary>
    /// A context for a new thread of this address space (clone with CLONE_VM). Called on a
    /// thread that has a context here; the new context is attached by its own thread.
    /// </summary>
    IContext NewThreadContext();
}

public enum StopReason
{
    /// <summary>The application made a system call; it did not run on the host.</summary>
    Syscall,
    /// <summary>A synchronous fault: SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP.</summary>
    Fault,
    /// <summary>An asynchronous host signal reached the application's thread.</summary>
    Signal,
    /// <summary>The context is gone (killed from outside).</summary>
    Gone,
}

public readonly record struct StopInfo(StopReason Reason, int Signal = 0, int Code = 0, ulong FaultAddress = 0);

/// <summary>One application thread as the platform runs it.</summary>
public interface IContext
{
    /// <summary>
    /// Loads <paramref name="regs"/>, runs the application until it traps, stores the
    /// registers back and says why it stopped. For a syscall, regs.OrigRax is the number and
    /// regs.Rip already points after the instruction.
    /// </summary>
    StopInfo Switch(ref UserRegs regs);

    /// <summary>Host pid/tid of the context (for diagnostics and CPU clocks).</summary>
    int HostTid { get; }

    /// <summary>Registers a new application thread starts from (segments, flags), all else zero.</summary>
    UserRegs InitialRegisters();

    /// <summary>Binds a context made by NewThreadContext to the calling thread (before its first Switch).</summary>
    void Attach();

    /// <summary>Makes <see cref="Switch"/> return soon (from any thread): a signal needs the task.</summary>
    void Interrupt();

    /// <summary>The FPU/SSE state as fxsave lays it out (512 bytes).</summary>
    void GetFpState(Span<byte> fxsave);
    void SetFpState(ReadOnlySpan<byte> fxsave);

    /// <summary>Size of the XSAVE area (AVX and beyond), or 0 when only fxsave state exists.</summary>
    int XStateSize { get; }

    /// <summary>The XSAVE area, with the kernel's software bytes (fpx_sw_bytes) at offset 464. True if read.</summary>
    bool GetXState(Span<byte> xsave);

    /// <summary>Restores an XSAVE area; false if the platform refused it (bad header).</summary>
    bool SetXState(ReadOnlySpan<byte> xsave);

    /// <summary>
    /// The task is done with this context while its address space lives on (thread exit, exec
    /// of a vfork child). False when the context cannot go before the address space does (the
    /// first thread of a process); then call <see cref="Reap"/> once the address space is gone.
    /// </summary>
    bool Retire();

    /// <summary>Collects the context's end after its address space was disposed.</summary>
    void Reap();
}
