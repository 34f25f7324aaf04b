using Sandbox.Linux;
using Sandbox.Sentry.Platform;

namespace Sandbox.Platforms.Kvm;

/// <summary>
/// Turns an exception vector into the stop the ptrace platform reports for the same fault, i.e.
/// the signal and si_code Linux sends (arch/x86/kernel/traps.c, arch/x86/mm/fault.c).
/// </summary>
internal static class Faults
{
    public const int SI_KERNEL = 0x80, FPE_INTDIV = 1, FPE_FLTDIV = 3, FPE_FLTOVF = 4, FPE_FLTUND = 5, FPE_FLTRES = 6, FPE_FLTINV = 7,
        ILL_ILLOPN = 2, TRAP_TRACE = 2, BUS_ADRALN = 1, SEGV_MAPERR = 1, SEGV_ACCERR = 2;

    /// <summary>
    /// <paramref name="mapped"/>: whether the page at cr2 belongs to a mapping (PROT_NONE
    /// included); <paramref name="fpStatus"/>: for #MF/#XM, the unmasked exception flags.
    /// </summary>
    public static StopInfo ToStop(int vector, ulong error, ulong cr2, ulong rip, bool mapped, int fpStatus) => vector switch
    {
        0 => new StopInfo(StopReason.Fault, Signals.SIGFPE, FPE_INTDIV, rip),
        1 => new StopInfo(StopReason.Fault, Signals.SIGTRAP, TRAP_TRACE, rip),
        3 => new StopInfo(StopReason.Fault, Signals.SIGTRAP, SI_KERNEL, 0),
        6 => new StopInfo(StopReason.Fault, Signals.SIGILL, ILL_ILLOPN, rip),
        12 => new StopInfo(StopReason.Fault, Signals.SIGBUS, SI_KERNEL, 0),
        14 => new StopInfo(StopReason.Fault, Signals.SIGSEGV, (error & 1) != 0 || mapped ? SEGV_ACCERR : SEGV_MAPERR, cr2),
        16 or 19 => new StopInfo(StopReason.Fault, Signals.SIGFPE, FpCode(fpStatus), rip),
        17 => new StopInfo(StopReason.Fault, Signals.SIGBUS, BUS_ADRALN, 0),
        _ => new StopInfo(StopReason.Fault, Signals.SIGSEGV, SI_KERNEL, 0),
    };

    /// <summary>si_code for a floating-point exception from its unmasked status bits (fpu__exception_code).</summary>
    public static int FpCode(int status)
    {
        if ((status & 0x01) != 0) return FPE_FLTINV;
        if ((status & 0x04) != 0) return FPE_FLTDIV;
        if ((status & 0x08) != 0) return FPE_FLTOVF;
        if ((status & 0x12) != 0) return FPE_FLTUND;
        if ((status & 0x20) != 0) return FPE_FLTRES;
        return 0;
    }
}
