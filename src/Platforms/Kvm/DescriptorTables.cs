using System.Buffers.Binary;

namespace Sandbox.Platforms.Kvm;

/// <summary>
/// The GDT, TSS and IDT as the CPU reads them from guest memory (Intel SDM vol. 3, 3.4.5
/// segment descriptors, 7.2.3 TSS descriptor in 64-bit mode, 7.7 64-bit TSS, 6.14.1 64-bit IDT
/// gate descriptors). KVM_SET_SREGS loads the segment caches directly, but the CPU reads the
/// tables again on iretq, sysretq and exceptions.
/// </summary>
internal static class DescriptorTables
{
    // Access byte | flags nibble, placed at bits 40..55 of a flat descriptor (base 0, limit 0xfffff).
    public const ulong Kernel32Code = 0x00cf_9b00_0000_ffff, KernelCode = 0x00af_9b00_0000_ffff,
        KernelData = 0x00cf_9300_0000_ffff, User32Code = 0x00cf_fb00_0000_ffff,
        UserData = 0x00cf_f300_0000_ffff, UserCode = 0x00af_fb00_0000_ffff;

    /// <summary>Fills a vCPU's GDT (<see cref="GuestLayout.GdtEntries"/> entries) with its TSS at <paramref name="tssBase"/>.</summary>
    public static void WriteGdt(Span<byte> gdt, ulong tssBase)
    {
        Span<ulong> e = stackalloc ulong[GuestLayout.GdtEntries];
        e[GuestLayout.KernelCs / 8 - 1] = Kernel32Code;
        e[GuestLayout.KernelCs / 8] = KernelCode;
        e[GuestLayout.KernelDs / 8] = KernelData;
        e[GuestLayout.User32Cs / 8] = User32Code;
        e[GuestLayout.UserDs / 8] = UserData;
        e[GuestLayout.UserCs / 8] = UserCode;
        (e[GuestLayout.TssSel / 8], e[GuestLayout.TssSel / 8 + 1]) = TssDescriptor(tssBase, GuestLayout.TssSize - 1);
        for (int i = 0; i < e.Length; i++) BinaryPrimitives.WriteUInt64LittleEndian(gdt[(i * 8)..], e[i]);
    }

    /// <summary>A 16-byte available 64-bit TSS descriptor (type 9, present, DPL 0).</summary>
    public static (ulong Low, ulong High) TssDescriptor(ulong b, uint limit)
    {
        ulong low = (limit & 0xffff) | ((b & 0xff_ffff) << 16) | (0x89UL << 40) | ((ulong)(limit >> 16 & 0xf) << 48) | ((b >> 24 & 0xff) << 56);
        return (low, b >> 32);
    }

    /// <summary>A 64-bit TSS whose RSP0 and IST1 are both <paramref name="stackTop"/>, with no I/O bitmap.</summary>
    public static void WriteTss(Span<byte> tss, ulong stackTop)
    {
        tss[..GuestLayout.TssSize].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(tss[4..], stackTop);   // RSP0
        BinaryPrimitives.WriteUInt64LittleEndian(tss[36..], stackTop);  // IST1
        // I/O map base beyond the limit: no bitmap, so every in/out from ring 3 is a #GP.
        BinaryPrimitives.WriteUInt16LittleEndian(tss[102..], GuestLayout.TssSize);
    }

    /// <summary>A 64-bit interrupt gate to <paramref name="target"/> in the kernel code segment, on IST1.</summary>
    public static (ulong Low, ulong High) InterruptGate(ulong target, int dpl)
    {
        ulong type = 0x8e | ((ulong)dpl << 5); // present, 64-bit interrupt gate (IF cleared on entry)
        ulong low = (target & 0xffff) | ((ulong)GuestLayout.KernelCs << 16) | (1UL << 32) /* IST1 */ | (type << 40) | ((target >> 16 & 0xffff) << 48);
        return (low, target >> 32);
    }

    /// <summary>
    /// The IDT: vectors 0-31 go to their stubs; int3 and into may be used from ring 3 (DPL 3),
    /// as on Linux. Other vectors are not present, so `int n` from the application is a #GP.
    /// </summary>
    public static void WriteIdt(Span<byte> idt, ulong codeVirt)
    {
        idt[..(256 * 16)].Clear();
        for (int v = 0; v < EntryCode.Vectors; v++)
        {
            var (lo, hi) = InterruptGate(codeVirt + (ulong)EntryCode.VectorStub(v), v is 3 or 4 ? 3 : 0);
            BinaryPrimitives.WriteUInt64LittleEndian(idt[(v * 16)..], lo);
            BinaryPrimitives.WriteUInt64LittleEndian(idt[(v * 16 + 8)..], hi);
        }
    }
}
