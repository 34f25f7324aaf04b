namespace Sandbox.Platforms.Kvm;

/// <summary>
/// Where things are in the guest. Guest-physical [0, MemoryFile.Capacity) is the Sentry's memory
/// file, so a page-table entry holds the file offset of the page. Above it lies the platform's
/// own region (descriptor tables, entry code, per-vCPU pages, page tables), visible to ring 0
/// only, at the top of the virtual address space where no application address can be.
/// </summary>
internal static class GuestLayout
{
    public const ulong PageSize = 4096, LargePageSize = 2UL << 20;

    /// <summary>Guest-physical base of the platform region (just above a 256 GiB memory file).</summary>
    public const ulong RegionPhys = 256UL << 30;

    /// <summary>Size of the platform region: one kernel page directory of 2 MiB pages maps it all.</summary>
    public const ulong RegionSize = 1UL << 30;

    /// <summary>Virtual base of the region: the last PML4 slot (ring 0 only).</summary>
    public const ulong RegionVirt = 0xffff_ff80_0000_0000;

    // Fixed pages at the start of the region; the rest is allocated page by page.
    public const ulong IdtPage = 0, CodePage = 1, Pml4Page = 2, KernelPdptPage = 3, KernelPdPage = 4, FirstFreePage = 5;

    public static ulong PhysOfPage(ulong page) => RegionPhys + page * PageSize;
    public static ulong VirtOfPhys(ulong phys) => RegionVirt + (phys - RegionPhys);

    // Selectors as Linux lays out its GDT, so the application sees the same CS/SS as natively.
    public const ushort KernelCs = 0x10, KernelDs = 0x18, User32Cs = 0x23, UserDs = 0x2b, UserCs = 0x33, TssSel = 0x40;
    public const int GdtEntries = 10; // null, kernel32 cs, kernel cs, kernel ds, user32 cs, user ds, user cs, unused, tss (2)

    /// <summary>Per-vCPU page: GDT at 0, TSS at TssOffset, the ring-0 (IST1) stack ends at the page end.</summary>
    public const int TssOffset = 128, TssSize = 104;

    public const uint MsrStar = 0xC0000081, MsrLstar = 0xC0000082, MsrCstar = 0xC0000083, MsrSfmask = 0xC0000084,
        MsrKernelGsBase = 0xC0000102;

    /// <summary>
    /// STAR: syscall loads CS=KernelCs (SS=+8); sysretq loads CS=User32Cs+16 and SS=User32Cs+8,
    /// the same values as Linux (arch/x86/kernel/cpu/common.c, syscall_init).
    /// </summary>
    public const ulong Star = ((ulong)User32Cs << 48) | ((ulong)KernelCs << 32);

    /// <summary>RFLAGS bits cleared on syscall entry: TF, IF, DF, IOPL, NT, AC (as Linux).</summary>
    public const ulong Sfmask = 0x100 | 0x200 | 0x400 | 0x3000 | 0x4000 | 0x40000;

    public const ulong Cr0 = 0x1 /*PE*/ | 0x2 /*MP*/ | 0x10 /*ET*/ | 0x20 /*NE*/ | 0x10000 /*WP*/ | 0x40000 /*AM*/ | 0x8000_0000 /*PG*/;
    public const ulong Cr4Pae = 0x20, Cr4Osfxsr = 0x200, Cr4Osxmmexcpt = 0x400, Cr4Osxsave = 0x40000;
    public const ulong EferSce = 0x1, EferLme = 0x100, EferLma = 0x400, EferNxe = 0x800;

    /// <summary>The RFLAGS bits an application may set (others, IOPL above all, never reach ring 3).</summary>
    public const ulong UserFlags = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x40000 | 0x200000;

    /// <summary>Highest canonical user address + 1.</summary>
    public const ulong UserTop = 0x0000_8000_0000_0000;

    public static bool IsCanonical(ulong a) => a < UserTop || a >= 0xffff_8000_0000_0000;
}
