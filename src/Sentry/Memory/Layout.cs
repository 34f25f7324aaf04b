namespace Sandbox.Sentry.Memory;

/// <summary>Where things go in an application address space.</summary>
public static class Layout
{
    public const ulong PageSize = 4096;
    public const ulong PageMask = PageSize - 1;

    /// <summary>vm.mmap_min_addr's default: the lowest address an application may map.</summary>
    public const ulong MinUserAddress = 0x10000;

    /// <summary>
    /// The top of what the application may use. The ptrace platform's stub is linked at this
    /// address (native/Makefile STUB_BASE), so the application never sees it.
    /// </summary>
    public const ulong MaxUserAddress = 0x7fff_f000_0000;

    /// <summary>The initial stack's top, as Linux without ASLR would put it, below the stub.</summary>
    public const ulong StackTop = 0x7fff_eff0_0000;

    /// <summary>Gap kept between the stack limit and the top of the mmap area.</summary>
    public const ulong StackGap = 128UL << 20;

    /// <summary>Load address of an ET_DYN main executable (ELF_ET_DYN_BASE without ASLR).</summary>
    public const ulong DynBase = 0x5555_5555_4000;

    public static ulong PageRoundDown(ulong a) => a & ~PageMask;
    public static ulong PageRoundUp(ulong a) => (a + PageMask) & ~PageMask;
    public static bool IsPageAligned(ulong a) => (a & PageMask) == 0;
}
