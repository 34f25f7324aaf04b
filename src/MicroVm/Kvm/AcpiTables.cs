using System.Buffers.Binary;
using System.Text;

namespace Sandbox.MicroVm.Kvm;

/// <summary>
/// The ACPI tables that tell the guest how many CPUs it has (ACPI 6.x, chapter 5): an RSDP in
/// the BIOS area the kernel scans (0xE0000..0xFFFFF, 5.2.5.1), an XSDT pointing at a FADT
/// (5.2.9: no fixed hardware, already in ACPI mode since SMI_CMD is 0) with a FACS and a DSDT,
/// and a MADT with one Local APIC per vCPU and KVM's in-kernel I/O APIC (5.2.12). Not
/// hardware-reduced ACPI: that would make Linux drop the legacy 8259s and their IRQ numbers,
/// which the virtio-mmio devices (IRQ 5 onwards) rely on. The trimmed kernel has ACPI but no
/// MP-table parser, so this is how the application processors are found; KVM's in-kernel LAPIC
/// then starts them (INIT/SIPI). The DSDT is empty when the devices are on the command line
/// (virtio_mmio.device=, CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES); else it describes each
/// virtio-mmio window as a LNRO0005 device (the _HID Linux's virtio_mmio driver matches, as
/// QEMU's microvm machine and Firecracker describe theirs), so a distribution kernel finds
/// them. The region is outside the e820 RAM map.
/// </summary>
internal static class AcpiTables
{
    public const ulong Rsdp = 0xe0000;
    const ulong Xsdt = Rsdp + 0x40, Fadt = Xsdt + 0x40, Facs = Fadt + 0x200, Madt = Facs + 0x40, Dsdt = Rsdp + 0x8000;
    /// <summary>Room for the DSDT (0xE8000..0xF0000): 61 bytes of AML per device.</summary>
    const int DsdtRoom = 0x8000;
    public const ulong LapicBase = 0xfee00000, IoApicBase = 0xfec00000;
    /// <summary>What fits below 0xF0000 with the MADT's 8 bytes per CPU.</summary>
    public const int MaxCpus = 255;

    /// <param name="virtioMmio">The virtio-mmio windows (4 KiB each) and their GSIs to describe in the DSDT; empty: none.</param>
    public static void Write(Span<byte> ram, int cpus, IReadOnlyList<(ulong Base, int Irq)>? virtioMmio = null)
    {
        if (cpus is < 1 or > MaxCpus) throw new ArgumentOutOfRangeException(nameof(cpus));
        ram.Slice((int)Rsdp, 0x10000).Clear();

        // RSDP (36 bytes, revision 2): checksum over the first 20, extended checksum over all.
        var r = ram.Slice((int)Rsdp, 36);
        Encoding.ASCII.GetBytes("RSD PTR ").CopyTo(r);
        Encoding.ASCII.GetBytes("SANDBX").CopyTo(r[9..]);
        r[15] = 2;
        BinaryPrimitives.WriteUInt32LittleEndian(r[20..], 36);
        BinaryPrimitives.WriteUInt64LittleEndian(r[24..], Xsdt);
        r[8] = Checksum(r[..20]);
        r[32] = Checksum(r);

        // XSDT: the FADT and the MADT.
        var x = Header(ram, Xsdt, "XSDT", 36 + 16, 1);
        BinaryPrimitives.WriteUInt64LittleEndian(x[36..], Fadt);
        BinaryPrimitives.WriteUInt64LittleEndian(x[44..], Madt);
        x[9] = Checksum(x);

        // DSDT: a header, then the devices' AML (none: virtio-mmio comes from the command line).
        var aml = Aml.VirtioMmioDevices(virtioMmio ?? []);
        if (36 + aml.Length > DsdtRoom) throw new ArgumentException("too many devices for the DSDT");
        var d = Header(ram, Dsdt, "DSDT", 36 + aml.Length, 2);
        aml.CopyTo(d[36..]);
        d[9] = Checksum(d);

        // FACS (5.2.10, 64 bytes, no checksum).
        var fa = ram.Slice((int)Facs, 64);
        Encoding.ASCII.GetBytes("FACS").CopyTo(fa);
        BinaryPrimitives.WriteUInt32LittleEndian(fa[4..], 64);
        fa[32] = 2;                                                                      // version

        // FADT (revision 6, 276 bytes).
        var f = Header(ram, Fadt, "FACP", 276, 6);
        BinaryPrimitives.WriteUInt32LittleEndian(f[36..], (uint)Facs);                 // FIRMWARE_CTRL
        BinaryPrimitives.WriteUInt32LittleEndian(f[40..], (uint)Dsdt);                 // DSDT
        BinaryPrimitives.WriteUInt16LittleEndian(f[46..], 9);                           // SCI_INT (never raised)
        BinaryPrimitives.WriteUInt16LittleEndian(f[109..], 1 << 2 | 1 << 4);            // IAPC_BOOT_ARCH: no VGA, no ASPM
        f[131] = 3;                                                                      // FADT minor version
        BinaryPrimitives.WriteUInt64LittleEndian(f[132..], Facs);                       // X_FIRMWARE_CTRL
        BinaryPrimitives.WriteUInt64LittleEndian(f[140..], Dsdt);                       // X_DSDT
        Encoding.ASCII.GetBytes("SANDBOX").CopyTo(f[268..]);                            // hypervisor vendor identity
        f[9] = Checksum(f);

        // MADT: local APIC address, PCAT_COMPAT (KVM's in-kernel 8259s exist), then the entries.
        int len = 44 + 8 * cpus + 12;
        var m = Header(ram, Madt, "APIC", len, 5);
        BinaryPrimitives.WriteUInt32LittleEndian(m[36..], (uint)LapicBase);
        BinaryPrimitives.WriteUInt32LittleEndian(m[40..], 1);
        int at = 44;
        for (int i = 0; i < cpus; i++, at += 8)
        {
            m[at] = 0; m[at + 1] = 8;                                   // Processor Local APIC
            m[at + 2] = (byte)i; m[at + 3] = (byte)i;                   // ACPI processor UID, APIC ID (= vCPU id)
            BinaryPrimitives.WriteUInt32LittleEndian(m[(at + 4)..], 1); // enabled
        }
        m[at] = 1; m[at + 1] = 12;                                      // I/O APIC
        m[at + 2] = (byte)cpus;                                         // its id, after the CPUs'
        BinaryPrimitives.WriteUInt32LittleEndian(m[(at + 4)..], (uint)IoApicBase);
        BinaryPrimitives.WriteUInt32LittleEndian(m[(at + 8)..], 0);     // GSI base
        m[9] = Checksum(m);
    }

    /// <summary>The 36-byte System Description Table header (5.2.6), checksum left to the caller.</summary>
    static Span<byte> Header(Span<byte> ram, ulong addr, string sig, int length, byte revision)
    {
        var t = ram.Slice((int)addr, length);
        Encoding.ASCII.GetBytes(sig).CopyTo(t);
        BinaryPrimitives.WriteUInt32LittleEndian(t[4..], (uint)length);
        t[8] = revision;
        Encoding.ASCII.GetBytes("SANDBX").CopyTo(t[10..]);
        Encoding.ASCII.GetBytes("SANDBOXV").CopyTo(t[16..]);
        BinaryPrimitives.WriteUInt32LittleEndian(t[24..], 1);
        Encoding.ASCII.GetBytes("SBOX").CopyTo(t[28..]);
        BinaryPrimitives.WriteUInt32LittleEndian(t[32..], 1);
        return t;
    }

    /// <summary>The byte that makes the sum of the bytes zero (with the checksum byte itself still 0).</summary>
    public static byte Checksum(ReadOnlySpan<byte> b)
    {
        byte s = 0;
        foreach (var v in b) s += v;
        return (byte)(0 - s);
    }
}
