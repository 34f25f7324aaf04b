using System.Buffers.Binary;

namespace Sandbox.MicroVm.Kvm;

/// <summary>Puts a vmlinux, its initramfs and command line into guest memory for the Linux 64-bit
/// boot protocol: the ELF's PT_LOAD segments at their physical addresses, the zero page
/// (boot_params: setup header, e820 map, command line and initrd pointers), an identity map of
/// the first GiB (2 MiB pages) and a flat GDT. The vCPU then starts in long mode at the ELF
/// entry with RSI pointing at the zero page.</summary>
internal static class BootLoader
{
    public const ulong GdtAddr = 0x500, ZeroPage = 0x7000, BootStack = 0x8ff0, Pml4 = 0x9000, Pdpt = 0xa000, Pd = 0xb000,
        CmdlineAddr = 0x20000, HighMem = 0x100000, EbdaStart = 0x9fc00;
    public const int CmdlineMax = 4096;

    /// <summary>The GDT: null, 64-bit code (0x08), data (0x10), TSS (0x18).</summary>
    public static readonly ulong[] Gdt = [0, 0x00af9b000000ffff, 0x00cf93000000ffff, 0x008f8b000000ffff];

    /// <summary>Loads the ELF (validated: x86-64, segments inside RAM); returns its entry point.</summary>
    public static ulong LoadElf(Span<byte> ram, ReadOnlySpan<byte> elf)
    {
        if (elf.Length < 64 || BinaryPrimitives.ReadUInt32LittleEndian(elf) != 0x464c457f || elf[4] != 2 || BinaryPrimitives.ReadUInt16LittleEndian(elf[18..]) != 62)
            throw new InvalidDataException("the kernel is not an x86-64 ELF vmlinux");
        ulong entry = BinaryPrimitives.ReadUInt64LittleEndian(elf[24..]);
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(elf[32..]);
        int phentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf[54..]), phnum = BinaryPrimitives.ReadUInt16LittleEndian(elf[56..]);
        int loaded = 0;
        for (int i = 0; i < phnum; i++)
        {
            var ph = elf.Slice(checked((int)phoff + i * phentsize), 56);
            if (BinaryPrimitives.ReadUInt32LittleEndian(ph) != 1) continue; // PT_LOAD
            ulong off = BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]), paddr = BinaryPrimitives.ReadUInt64LittleEndian(ph[24..]),
                filesz = BinaryPrimitives.ReadUInt64LittleEndian(ph[32..]), memsz = BinaryPrimitives.ReadUInt64LittleEndian(ph[40..]);
            if (paddr + memsz > (ulong)ram.Length || off + filesz > (ulong)elf.Length || filesz > memsz)
                throw new InvalidDataException($"kernel segment at {paddr:x} ({memsz} bytes) does not fit in {ram.Length >> 20} MiB of RAM");
            elf.Slice((int)off, (int)filesz).CopyTo(ram[(int)paddr..]);
            ram.Slice((int)(paddr + filesz), (int)(memsz - filesz)).Clear();
            loaded++;
        }
        if (loaded == 0) throw new InvalidDataException("the kernel has no loadable segment");
        return entry;
    }

    /// <summary>Copies the initramfs to the top of RAM (page aligned); returns its address.</summary>
    public static ulong LoadInitrd(Span<byte> ram, ReadOnlySpan<byte> initrd, ulong kernelEnd)
    {
        ulong addr = ((ulong)ram.Length - (ulong)initrd.Length) & ~0xfffUL;
        if ((ulong)initrd.Length >= (ulong)ram.Length || addr < kernelEnd) throw new InvalidDataException("the initramfs does not fit in RAM above the kernel");
        initrd.CopyTo(ram[(int)addr..]);
        return addr;
    }

    public static void WriteZeroPage(Span<byte> ram, string cmdline, ulong initrdAddr, ulong initrdSize)
    {
        var cmd = System.Text.Encoding.ASCII.GetBytes(cmdline);
        if (cmd.Length >= CmdlineMax) throw new ArgumentException("kernel command line too long");
        cmd.CopyTo(ram[(int)CmdlineAddr..]);
        ram[(int)CmdlineAddr + cmd.Length] = 0;

        var zp = ram.Slice((int)ZeroPage, 4096);
        zp.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(zp[0x1fe..], 0xaa55);                  // boot_flag
        BinaryPrimitives.WriteUInt32LittleEndian(zp[0x202..], 0x53726448);              // "HdrS"
        BinaryPrimitives.WriteUInt16LittleEndian(zp[0x206..], 0x020c);                  // protocol 2.12
        zp[0x210] = 0xff;                                                               // type_of_loader: undefined
        zp[0x211] = 0x01;                                                               // loadflags: LOADED_HIGH
        BinaryPrimitives.WriteUInt32LittleEndian(zp[0x218..], (uint)initrdAddr);        // ramdisk_image
        BinaryPrimitives.WriteUInt32LittleEndian(zp[0x21c..], (uint)initrdSize);        // ramdisk_size
        BinaryPrimitives.WriteUInt32LittleEndian(zp[0x228..], (uint)CmdlineAddr);       // cmd_line_ptr
        BinaryPrimitives.WriteUInt32LittleEndian(zp[0x230..], 0x1000000);               // kernel_alignment
        BinaryPrimitives.WriteUInt32LittleEndian(zp[0x238..], (uint)cmd.Length);        // cmdline_size
        // e820: low memory below the EBDA, then everything from 1 MiB.
        var e820 = new (ulong Addr, ulong Size)[] { (0, EbdaStart), (HighMem, (ulong)ram.Length - HighMem) };
        zp[0x1e8] = (byte)e820.Length;
        for (int i = 0; i < e820.Length; i++)
        {
            var e = zp.Slice(0x2d0 + 20 * i, 20);
            BinaryPrimitives.WriteUInt64LittleEndian(e, e820[i].Addr);
            BinaryPrimitives.WriteUInt64LittleEndian(e[8..], e820[i].Size);
            BinaryPrimitives.WriteUInt32LittleEndian(e[16..], 1); // E820_RAM
        }
    }

    /// <summary>Identity map of the first GiB with 2 MiB pages, and the GDT.</summary>
    public static void WritePageTablesAndGdt(Span<byte> ram)
    {
        ram.Slice((int)Pml4, 0x3000).Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(ram[(int)Pml4..], Pdpt | 0x3);
        BinaryPrimitives.WriteUInt64LittleEndian(ram[(int)Pdpt..], Pd | 0x3);
        for (ulong i = 0; i < 512; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(ram[(int)(Pd + 8 * i)..], (i << 21) | 0x83); // present, writable, 2 MiB
        for (int i = 0; i < Gdt.Length; i++) BinaryPrimitives.WriteUInt64LittleEndian(ram[((int)GdtAddr + 8 * i)..], Gdt[i]);
    }

    /// <summary>A kvm_segment from a GDT entry (what the CPU would load for that selector).</summary>
    public static KvmApi.Segment SegmentFrom(ulong entry, ushort selector)
    {
        uint raw = (uint)((((entry >> 48) & 0xf) << 16) | (entry & 0xffff));
        bool g = ((entry >> 55) & 1) != 0;
        return new KvmApi.Segment
        {
            Base = ((entry >> 16) & 0xffffff) | (((entry >> 56) & 0xff) << 24),
            Limit = g ? (raw << 12) | 0xfff : raw,
            Selector = selector,
            Type = (byte)((entry >> 40) & 0xf),
            S = (byte)((entry >> 44) & 1),
            Dpl = (byte)((entry >> 45) & 3),
            Present = (byte)((entry >> 47) & 1),
            Avl = (byte)((entry >> 52) & 1),
            L = (byte)((entry >> 53) & 1),
            Db = (byte)((entry >> 54) & 1),
            G = (byte)(g ? 1 : 0),
        };
    }
}
