using System.Buffers.Binary;
using System.Text;
using Sandbox.MicroVm.Kernel;
using Sandbox.MicroVm.Kvm;
using Sandbox.MicroVm.VhostUser;
using Sandbox.MicroVm.Vm;

namespace Sandbox.MicroVm.Tests;

/// <summary>The direct-KVM VMM: its pieces without KVM (boot loader, UART, virtio-mmio console
/// driven by a test driver), and a real boot where /dev/kvm can run a guest.</summary>
public sealed unsafe class KvmVmmTests
{
    [Fact]
    public void TheZeroPageCarriesTheSetupHeaderE820CommandLineAndInitrd()
    {
        var ram = new byte[64 << 20];
        BootLoader.WriteZeroPage(ram, "console=ttyS0 quiet", 0x3000000, 12345);
        var zp = ram.AsSpan((int)BootLoader.ZeroPage, 4096);
        Assert.Equal(0xaa55, BinaryPrimitives.ReadUInt16LittleEndian(zp[0x1fe..]));
        Assert.Equal(0x53726448u, BinaryPrimitives.ReadUInt32LittleEndian(zp[0x202..]));
        Assert.Equal(0x3000000u, BinaryPrimitives.ReadUInt32LittleEndian(zp[0x218..]));
        Assert.Equal(12345u, BinaryPrimitives.ReadUInt32LittleEndian(zp[0x21c..]));
        uint cmd = BinaryPrimitives.ReadUInt32LittleEndian(zp[0x228..]);
        Assert.Equal("console=ttyS0 quiet\0", Encoding.ASCII.GetString(ram, (int)cmd, 20));
        Assert.Equal(2, zp[0x1e8]);
        Assert.Equal(0x100000UL, BinaryPrimitives.ReadUInt64LittleEndian(zp[(0x2d0 + 20)..]));
        Assert.Equal((ulong)(64 << 20) - 0x100000, BinaryPrimitives.ReadUInt64LittleEndian(zp[(0x2d0 + 28)..]));
    }

    [Fact]
    public void PageTablesIdentityMapTheFirstGibAndTheGdtDecodesToLongModeSegments()
    {
        var ram = new byte[16 << 20];
        BootLoader.WritePageTablesAndGdt(ram);
        Assert.Equal(BootLoader.Pdpt | 3, BinaryPrimitives.ReadUInt64LittleEndian(ram.AsSpan((int)BootLoader.Pml4)));
        Assert.Equal((511UL << 21) | 0x83, BinaryPrimitives.ReadUInt64LittleEndian(ram.AsSpan((int)BootLoader.Pd + 8 * 511)));
        var cs = BootLoader.SegmentFrom(BootLoader.Gdt[1], 8);
        Assert.Equal((1, 0, 0xb, 1, 0xffffffffu), (cs.L, cs.Db, cs.Type, cs.Present, cs.Limit));
        var ds = BootLoader.SegmentFrom(BootLoader.Gdt[2], 0x10);
        Assert.Equal((0, 1, 3, 1), (ds.L, ds.Db, ds.Type, ds.S));
    }

    /// <summary>
    /// The DSDT's virtio-mmio devices, disassembled by ACPICA's iasl (the reference AML
    /// compiler): one LNRO0005 device per window, its memory and its edge-triggered interrupt;
    /// and PkgLength's one- and two-byte forms at the boundary.
    /// </summary>
    [SkippableFact]
    public void DsdtDescribesVirtioMmioDevicesAsIaslReadsThem()
    {
        Assert.Equal(new byte[] { 63 }, Aml.PkgLength(62));
        Assert.Equal(new byte[] { 0x40 | (65 & 0xf), 65 >> 4 }, Aml.PkgLength(63));
        Assert.Equal(new byte[] { 0x40 | 0xf, 0xff }, Aml.PkgLength(4093));
        Assert.Equal(3, Aml.PkgLength(4094).Length);

        var ram = new byte[16 << 20];
        var devices = Enumerable.Range(0, 5).Select(i => (0xd0000000UL + (ulong)i * 0x1000, 5 + i)).ToList();
        AcpiTables.Write(ram, 2, devices);
        var fadt = (int)BinaryPrimitives.ReadUInt64LittleEndian(ram.AsSpan((int)BinaryPrimitives.ReadUInt64LittleEndian(ram.AsSpan((int)AcpiTables.Rsdp + 24)) + 36));
        int dsdt = (int)BinaryPrimitives.ReadUInt64LittleEndian(ram.AsSpan(fadt + 140));
        int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(ram.AsSpan(dsdt + 4));
        byte sum = 0;
        foreach (var b in ram.AsSpan(dsdt, len)) sum += b;
        Assert.Equal(0, sum);

        Skip.If(!File.Exists("/usr/bin/iasl"), "iasl is not installed (setup.d/microvm.packages installs acpica-tools)");
        string dir = Directory.CreateTempSubdirectory("dsdt").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "dsdt.dat"), ram.AsSpan(dsdt, len).ToArray());
            var psi = new System.Diagnostics.ProcessStartInfo("/usr/bin/iasl", ["-d", "dsdt.dat"]) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
            using (var p = System.Diagnostics.Process.Start(psi)!)
            {
                string log = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
                p.WaitForExit();
                Assert.True(p.ExitCode == 0, log);
            }
            string dsl = System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(Path.Combine(dir, "dsdt.dsl")), @"\s+", " ");
            for (int i = 0; i < devices.Count; i++)
            {
                Assert.Contains($"Device (VR{i:X2}) {{ Name (_HID, \"LNRO0005\")", dsl);
                Assert.Contains($"Memory32Fixed (ReadWrite, 0x{devices[i].Item1:X8}, // Address Base 0x00001000, // Address Length )", dsl);
                Assert.Contains($"Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, ) {{ 0x{devices[i].Item2:X8}, }}", dsl);
            }
            Assert.Contains("Scope (\\_SB) {", dsl);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>The RSDP the kernel finds by scanning, the XSDT, and a MADT with one enabled Local APIC per vCPU.</summary>
    [Fact]
    public void AcpiTablesListEveryVcpuWithValidChecksums()
    {
        var ram = new byte[16 << 20];
        AcpiTables.Write(ram, 3);
        var rsdp = ram.AsSpan((int)AcpiTables.Rsdp, 36);
        Assert.Equal("RSD PTR ", Encoding.ASCII.GetString(rsdp[..8]));
        Assert.Equal(0, Sum(rsdp[..20]));
        Assert.Equal(0, Sum(rsdp));
        var xsdt = Table(ram, BinaryPrimitives.ReadUInt64LittleEndian(rsdp[24..]), "XSDT");
        var tables = new Dictionary<string, byte[]>();
        for (int i = 36; i < xsdt.Length; i += 8)
        {
            ulong at = BinaryPrimitives.ReadUInt64LittleEndian(xsdt.AsSpan(i));
            string sig = Encoding.ASCII.GetString(ram, (int)at, 4);
            tables[sig] = Table(ram, at, sig);
        }
        Assert.Equal(new[] { "APIC", "FACP" }, tables.Keys.Order());
        var fadt = tables["FACP"];
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(fadt.AsSpan(112)) & (1u << 20)); // not hardware-reduced: the 8259s stay
        Assert.Equal("FACS", Encoding.ASCII.GetString(ram, (int)BinaryPrimitives.ReadUInt64LittleEndian(fadt.AsSpan(132)), 4));
        Table(ram, BinaryPrimitives.ReadUInt64LittleEndian(fadt.AsSpan(140)), "DSDT");
        var madt = tables["APIC"];
        var apicIds = new List<int>();
        int ioapics = 0;
        for (int at = 44; at < madt.Length; at += madt[at + 1])
        {
            if (madt[at] == 0 && (madt[at + 4] & 1) != 0) apicIds.Add(madt[at + 3]);
            if (madt[at] == 1) ioapics++;
        }
        Assert.Equal(new[] { 0, 1, 2 }, apicIds);
        Assert.Equal(1, ioapics);
        Assert.Throws<ArgumentOutOfRangeException>(() => AcpiTables.Write(ram, 0));

        static int Sum(ReadOnlySpan<byte> b) { byte s = 0; foreach (var v in b) s += v; return s; }
        static byte[] Table(byte[] ram, ulong at, string sig)
        {
            Assert.Equal(sig, Encoding.ASCII.GetString(ram, (int)at, 4));
            int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(ram.AsSpan((int)at + 4));
            var t = ram.AsSpan((int)at, len).ToArray();
            Assert.Equal(0, Sum(t));
            return t;
        }
    }

    [Fact]
    public void TheElfLoaderPlacesSegmentsAndRejectsWhatDoesNotFit()
    {
        var elf = new byte[0x200];
        BinaryPrimitives.WriteUInt32LittleEndian(elf, 0x464c457f);
        elf[4] = 2;
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(18), 62);
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(24), 0x1000000);
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(32), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(54), 56);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(56), 1);
        var ph = elf.AsSpan(64);
        BinaryPrimitives.WriteUInt32LittleEndian(ph, 1);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[8..], 0x100);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[24..], 0x1000000);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[32..], 0x10);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[40..], 0x20);
        elf.AsSpan(0x100, 0x10).Fill(0xcc);
        var ram = new byte[32 << 20];
        ram.AsSpan(0x1000010, 0x10).Fill(0x55);
        Assert.Equal(0x1000000UL, BootLoader.LoadElf(ram, elf));
        Assert.Equal(0xcc, ram[0x100000f]);
        Assert.Equal(0, ram[0x1000010]);
        Assert.Throws<InvalidDataException>(() => BootLoader.LoadElf(new byte[8 << 20], elf));
        Assert.Throws<InvalidDataException>(() => BootLoader.LoadElf(ram, new byte[100]));
    }

    [Fact]
    public void TheUartShowsAnEmptyTransmitterAndForwardsBytes()
    {
        var sink = new MemoryStream();
        var u = new Serial8250(sink);
        Assert.Equal(0x60, u.Read(0x3fd) & 0x60);
        u.Write(0x3fb, 0x80);        // DLAB
        u.Write(0x3f8, 12);          // divisor, not data
        u.Write(0x3fb, 0x03);
        foreach (var b in "ok\n"u8.ToArray()) u.Write(0x3f8, b);
        Assert.Equal("ok\n", Encoding.ASCII.GetString(sink.ToArray()));
        Assert.Equal(0x01, u.Read(0x3fa));
    }

    [Fact]
    public void TheVirtioConsoleCarriesBytesBothWaysThroughItsQueues()
    {
        const ulong Base = 0xd0000000;
        var memBytes = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(1 << 20);
        int irq = VhostUserFrontEnd.eventfd(0, 0x800);
        int* sv = stackalloc int[2];
        Assert.Equal(0, VhostUserFrontEnd.socketpair(1, 1, 0, sv));
        try
        {
            var dev = new VirtioConsole(Base, 5, irq, GuestMemory.Wrap(memBytes, 1 << 20), sv[0]);
            Assert.Equal(0x74726976u, dev.Read(Base, 4));
            Assert.Equal(3u, dev.Read(Base + 8, 4));
            dev.Write(Base + 0x70, 1 | 2);
            dev.Write(Base + 0x24, 1);
            dev.Write(Base + 0x20, 1);                      // VERSION_1
            for (uint q = 0; q < 2; q++)
            {
                ulong d = 0x1000 + q * 0x4000;
                dev.Write(Base + 0x30, q);
                Assert.Equal(256u, dev.Read(Base + 0x34, 4));
                dev.Write(Base + 0x38, 8);
                dev.Write(Base + 0x80, (uint)d); dev.Write(Base + 0x90, (uint)(d + 0x1000)); dev.Write(Base + 0xa0, (uint)(d + 0x2000));
                dev.Write(Base + 0x44, 1);
            }
            dev.Write(Base + 0x70, 1 | 2 | 4 | 8);

            // Guest -> host: a buffer on the transmit queue comes out of the socket.
            "hello"u8.CopyTo(new Span<byte>(memBytes + 0x10000, 5));
            SetDesc(memBytes, 0x5000, 0, 0x10000, 5, 0);
            Offer(memBytes, 0x5000 + 0x1000, 0);
            dev.Write(Base + 0x50, 1);
            var got = new byte[16];
            fixed (byte* g = got) Assert.Equal(5, (int)VhostUserFrontEnd.read(sv[1], g, 16));
            Assert.Equal("hello", Encoding.ASCII.GetString(got, 0, 5));
            Assert.Equal(1u, dev.Read(Base + 0x60, 4));     // interrupt status: used buffer
            dev.Write(Base + 0x64, 1);

            // Host -> guest: bytes written to the socket land in the receive buffer.
            SetDesc(memBytes, 0x1000, 0, 0x20000, 64, 2);
            Offer(memBytes, 0x1000 + 0x1000, 0);
            dev.Write(Base + 0x50, 0);
            fixed (byte* w = "world"u8) VhostUserFrontEnd.write(sv[1], w, 5);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Volatile.Read(ref *(ushort*)(memBytes + 0x3000 + 2)) == 0 && DateTime.UtcNow < deadline) Thread.Sleep(5);
            Assert.Equal(5u, *(uint*)(memBytes + 0x3000 + 8));
            Assert.Equal("world", Encoding.ASCII.GetString(new ReadOnlySpan<byte>(memBytes + 0x20000, 5)));
            dev.Stop();
        }
        finally
        {
            VhostUserFrontEnd.close(sv[1]);
            VhostUserFrontEnd.close(irq);
            System.Runtime.InteropServices.NativeMemory.Free(memBytes);
        }
    }

    [SkippableFact]
    public void TheBlockDeviceReadsTheRootfsImageAndRefusesWrites()
    {
        Skip.If(HostSystem.FindProgram("mkfs.ext4", "/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4") is null, "no mkfs.ext4");
        var dir = Directory.CreateTempSubdirectory("rootfs").FullName;
        var image = Path.Combine(Path.GetTempPath(), $"img-{Guid.NewGuid():n}.ext4");
        const ulong Base = 0xd0001000;
        var mem = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(1 << 20);
        int irq = VhostUserFrontEnd.eventfd(0, 0x800);
        try
        {
            File.WriteAllText(Path.Combine(dir, "hello"), "hi");
            RootfsImage.Create(dir, image);
            var dev = new VirtioBlock(Base, 6, irq, GuestMemory.Wrap(mem, 1 << 20), image, readOnly: true);
            Assert.Equal(2u, dev.Read(Base + 8, 4));
            dev.Write(Base + 0x14, 0);
            Assert.NotEqual(0u, dev.Read(Base + 0x10, 4) & (1u << 5));   // VIRTIO_BLK_F_RO
            Assert.Equal((ulong)new FileInfo(image).Length / 512, dev.Read(Base + 0x100, 4) | (ulong)dev.Read(Base + 0x104, 4) << 32);
            dev.Write(Base + 0x30, 0);
            dev.Write(Base + 0x38, 8);
            dev.Write(Base + 0x80, 0x1000); dev.Write(Base + 0x90, 0x2000); dev.Write(Base + 0xa0, 0x3000);
            dev.Write(Base + 0x44, 1);

            // Read sectors 2-3 (the ext4 superblock): header, 1 KiB of data, status.
            *(uint*)(mem + 0x10000) = 0; *(ulong*)(mem + 0x10008) = 2;
            SetDesc(mem, 0x1000, 0, 0x10000, 16, 1, 1);
            SetDesc(mem, 0x1000, 1, 0x20000, 1024, 1 | 2, 2);
            SetDesc(mem, 0x1000, 2, 0x30000, 1, 2);
            Offer(mem, 0x2000, 0);
            dev.Write(Base + 0x50, 0);
            Assert.Equal(1, *(ushort*)(mem + 0x3002));
            Assert.Equal(1025u, *(uint*)(mem + 0x3008));
            Assert.Equal(0, mem[0x30000]);
            Assert.Equal(0xef53, *(ushort*)(mem + 0x20000 + 56));

            // A write to the read-only disk: an I/O error status.
            *(uint*)(mem + 0x10000) = 1;
            SetDesc(mem, 0x1000, 1, 0x20000, 512, 1, 2);
            Offer(mem, 0x2000, 0);
            dev.Write(Base + 0x50, 0);
            Assert.Equal(2, *(ushort*)(mem + 0x3002));
            Assert.Equal(1, mem[0x30000]);
            dev.Close();
        }
        finally
        {
            VhostUserFrontEnd.close(irq);
            System.Runtime.InteropServices.NativeMemory.Free(mem);
            Directory.Delete(dir, true);
            File.Delete(image);
        }
    }

    static void SetDesc(byte* mem, ulong table, int i, ulong addr, uint len, ushort flags, ushort next)
    {
        byte* d = mem + table + (ulong)(16 * i);
        *(ulong*)d = addr; *(uint*)(d + 8) = len; *(ushort*)(d + 12) = flags; *(ushort*)(d + 14) = next;
    }

    static void SetDesc(byte* mem, ulong table, int i, ulong addr, uint len, ushort flags)
    {
        byte* d = mem + table + (ulong)(16 * i);
        *(ulong*)d = addr; *(uint*)(d + 8) = len; *(ushort*)(d + 12) = flags; *(ushort*)(d + 14) = 0;
    }

    static void Offer(byte* mem, ulong avail, ushort head)
    {
        ushort* a = (ushort*)(mem + avail);
        a[2 + a[1] % 8] = head;
        Volatile.Write(ref a[1], (ushort)(a[1] + 1));
    }
}

/// <summary>A real boot with the direct-KVM VMM (skips where /dev/kvm cannot run a guest).</summary>
public sealed class KvmVmmBootTests
{
    [SkippableFact]
    public async Task BootsTheTrimmedKernelAndRunsBusyboxFromABlockRootfs()
    {
        var why = HostSystem.KvmUnusableReason();
        Skip.If(why is not null, $"the direct-KVM VMM needs a working /dev/kvm: {why}");
        Skip.If(KernelBuilder.FindBuilt(HostSystem.CacheDir()) is null, "no trimmed kernel (sandbox microvm kernel --build): Debian's kernels do not read virtio_mmio.device=");
        Skip.If(HostSystem.FindAgent() is null, "the guest agent was not published");
        var rootfs = Directory.CreateTempSubdirectory("kvmroot").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(rootfs, "bin"));
            File.Copy("/bin/busybox", Path.Combine(rootfs, "bin/busybox"));
            // Two vCPUs: the guest finds the second in the ACPI MADT and starts it.
            await using var vm = await VirtualMachine.StartAsync(new MicroVmOptions { Vmm = Vmm.Kvm, Rootfs = rootfs, MemoryMiB = 256, Cpus = 2, BootTimeout = TimeSpan.FromSeconds(120) });
            var o = new MemoryStream();
            int code = await vm.RunAsync(["/bin/busybox", "sh", "-c", "uname -r; echo hi; /bin/busybox nproc; exit 3"], stdout: o, stderr: o).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(3, code);
            Assert.Matches(@"^\d+\.\d+.*-sandbox-microvm\nhi\n2\n$", Encoding.UTF8.GetString(o.ToArray()));
        }
        finally { Directory.Delete(rootfs, true); }
    }
}
