using System.Net.Sockets;
using System.Runtime.InteropServices;
using Sandbox.MicroVm.VhostUser;

namespace Sandbox.MicroVm.Kvm;

/// <summary>The direct-KVM VMM (no QEMU): one VM with guest RAM mapped in this process, KVM's
/// in-kernel irqchip and PIT, one thread per vCPU (the boot CPU enters the kernel through the
/// 64-bit boot protocol; ACPI tables list the others, which the guest starts), the 8250 console at 0x3f8 and a virtio-mmio console (the agent's channel,
/// hvc0) described on the command line (virtio_mmio.device=). The guest stops itself by
/// rebooting (reboot=t: a triple fault, KVM_EXIT_SHUTDOWN).</summary>
public sealed unsafe partial class KvmMachine : IDisposable
{
    /// <summary>Device windows from here, 4 KiB apart, interrupts from FirstIrq (the console first: hvc0).</summary>
    public const ulong MmioBase = 0xd0000000;
    public const int FirstIrq = 5;
    public const int MaxCpus = 64;

    int _kvm = -1, _vm = -1, _vmmSock = -1;
    readonly List<KvmVcpu> _vcpus = new();
    /// <summary>Device emulation is shared by the vCPU threads.</summary>
    readonly object _io = new();
    int _stopped;
    readonly List<int> _irqFds = new();
    readonly List<VirtioMmioDevice> _devices = new();
    byte* _ram;
    nuint _ramSize;
    Serial8250 _serial = null!;
    readonly Cmos _cmos = new();
    VirtioConsole _console = null!;
    readonly TaskCompletionSource<string> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The agent's end of the console channel (null when the caller gave its own, agentFd).</summary>
    public Socket? AgentSocket { get; private set; }
    /// <summary>Completes with why the guest stopped (shutdown, an error).</summary>
    public Task<string> Exited => _exited.Task;
    public long Exits;

    KvmMachine() { }

    /// <summary>Boots vmlinux with the initramfs; the console (ttyS0) is written to consoleSink;
    /// rootImage, when given, is a read-only virtio-blk disk (/dev/vda);
    /// tap, when given, backs a virtio-net device with that MAC; agentFd, when given, is the
    /// stream socket the agent's channel is relayed to (the machine owns it), else AgentSocket.</summary>
    /// <param name="acpiDevices">Describe the virtio-mmio devices in the DSDT (a distribution
    /// kernel) rather than on the command line (CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES).</param>
    public static KvmMachine Start(string vmlinux, string initrd, string cmdline, int memoryMiB, Stream consoleSink, string? rootImage = null,
        Tap? tap = null, byte[]? mac = null, int cpus = 1, int agentFd = -1, bool acpiDevices = false)
    {
        if (cpus is < 1 or > MaxCpus) throw new ArgumentException($"the direct-KVM VMM takes 1 .. {MaxCpus} vCPUs (the trimmed kernel's NR_CPUS)");
        if (KvmApi.Unusable() is { } why) throw new NotSupportedException($"the direct-KVM VMM needs KVM: {why}");
        if (memoryMiB is < 64 or > 3072) throw new ArgumentException("the direct-KVM VMM takes 64 .. 3072 MiB (RAM stays below the device window)");
        var m = new KvmMachine();
        try
        {
            using var elf = new MappedFile(vmlinux);
            using var ird = new MappedFile(initrd);
            m.Create(elf.Span, ird.Span, cmdline, memoryMiB, consoleSink, rootImage, tap, mac, cpus, agentFd, acpiDevices);
            return m;
        }
        catch
        {
            m.Dispose();
            throw;
        }
    }

    void Create(ReadOnlySpan<byte> elf, ReadOnlySpan<byte> initrd, string cmdline, int memoryMiB, Stream consoleSink, string? rootImage, Tap? tap, byte[]? mac, int cpus, int agentFd, bool acpiDevices)
    {
        _kvm = KvmApi.Check(KvmApi.open("/dev/kvm", 2 | 0x80000), "open /dev/kvm");
        _vm = KvmApi.Check(KvmApi.ioctl(_kvm, KvmApi.CREATE_VM, 0), "CREATE_VM");
        KvmApi.Check(KvmApi.ioctl(_vm, KvmApi.SET_TSS_ADDR, unchecked((nint)0xfffbd000L)), "SET_TSS_ADDR");
        ulong identity = 0xfffbc000;
        KvmApi.Check(KvmApi.ioctl(_vm, KvmApi.SET_IDENTITY_MAP_ADDR, &identity), "SET_IDENTITY_MAP_ADDR");
        KvmApi.Check(KvmApi.ioctl(_vm, KvmApi.CREATE_IRQCHIP, 0), "CREATE_IRQCHIP");
        var pit = stackalloc byte[64];
        new Span<byte>(pit, 64).Clear();
        *(uint*)pit = 1; // KVM_PIT_SPEAKER_DUMMY
        KvmApi.Check(KvmApi.ioctl(_vm, KvmApi.CREATE_PIT2, pit), "CREATE_PIT2");

        _ramSize = (nuint)memoryMiB << 20;
        // A memfd, shared: guest RAM then shows as RssShmem, so this process's VMM overhead is
        // VmRSS - RssShmem, measured like QEMU's.
        int memfd = KvmApi.Check(memfd_create("guest-ram", 1 /* MFD_CLOEXEC */), "memfd_create");
        try
        {
            KvmApi.Check(ftruncate(memfd, (long)_ramSize), "ftruncate guest RAM");
            _ram = (byte*)KvmApi.mmap(null, _ramSize, 3, 1 /* MAP_SHARED */ | 0x4000 /* MAP_NORESERVE */, memfd, 0);
        }
        finally { KvmApi.close(memfd); }
        if (_ram == (byte*)-1) { _ram = null; throw new IOException($"guest RAM: {KvmApi.Err()}"); }
        var region = new KvmApi.MemoryRegion { Slot = 0, GuestPhysAddr = 0, MemorySize = _ramSize, UserspaceAddr = (ulong)_ram };
        KvmApi.Check(KvmApi.ioctl(_vm, KvmApi.SET_USER_MEMORY_REGION, &region), "SET_USER_MEMORY_REGION");

        var ram = new Span<byte>(_ram, (int)_ramSize);
        ulong entry = BootLoader.LoadElf(ram, elf);
        ulong initrdAddr = BootLoader.LoadInitrd(ram, initrd, 0x1000000 + (ulong)elf.Length);
        var mem = GuestMemory.Wrap(_ram, _ramSize);
        _serial = new Serial8250(consoleSink);
        if (agentFd >= 0) _vmmSock = agentFd;
        else
        {
            var pair = stackalloc int[2];
            if (socketpair(1, 1 /* SOCK_STREAM */ | 0x80000, 0, pair) != 0) throw new IOException($"socketpair: {KvmApi.Err()}");
            _vmmSock = pair[0];
            AgentSocket = new Socket(new SafeSocketHandle(pair[1], ownsHandle: true));
        }
        _console = new VirtioConsole(MmioBase, FirstIrq, IrqFd(FirstIrq), mem, _vmmSock);
        _devices.Add(_console);
        if (rootImage is not null)
            _devices.Add(new VirtioBlock(MmioBase + VirtioMmioDevice.WindowSize, FirstIrq + 1, IrqFd(FirstIrq + 1), mem, rootImage, readOnly: true));
        if (tap is not null)
        {
            ulong b = MmioBase + (ulong)_devices.Count * VirtioMmioDevice.WindowSize;
            int irq = FirstIrq + _devices.Count;
            var kicks = new[] { IoEventFd(b + 0x50, 0), IoEventFd(b + 0x50, 1) };
            _devices.Add(new VirtioNet(b, irq, IrqFd(irq), mem, tap, mac ?? [0x52, 0x54, 0, 0x5a, 0x4d, 1], kicks));
        }
        var full = new System.Text.StringBuilder(cmdline);
        if (!acpiDevices) foreach (var d in _devices) full.Append($" virtio_mmio.device=4K@0x{d.Base:x}:{d.Irq}");
        full.Append(" sandbox.port=hvc0 reboot=t panic=-1");
        BootLoader.WriteZeroPage(ram, full.ToString(), initrdAddr, (ulong)initrd.Length);
        BootLoader.WritePageTablesAndGdt(ram);
        AcpiTables.Write(ram, cpus, acpiDevices ? _devices.Select(d => (d.Base, d.Irq)).ToList() : null);

        for (int i = 0; i < cpus; i++)
        {
            var v = new KvmVcpu(_vm, _kvm, i);
            _vcpus.Add(v);
            SetCpuid(v, cpus);
        }
        SetRegisters(_vcpus[0], entry);
        foreach (var v in _vcpus)
        {
            v.Thread = new Thread(() => RunLoop(v)) { IsBackground = true, Name = $"kvm-vcpu{v.Id}" };
            v.Thread.Start();
        }
    }

    /// <summary>An eventfd wired to interrupt line gsi of the in-kernel irqchip.</summary>
    int IrqFd(int gsi)
    {
        int fd = KvmApi.Check(KvmApi.eventfd(0, 0x80000), "eventfd");
        _irqFds.Add(fd);
        var irqfd = new KvmApi.IrqFd { Fd = (uint)fd, Gsi = (uint)gsi };
        KvmApi.Check(KvmApi.ioctl(_vm, KvmApi.IRQFD, &irqfd), "IRQFD");
        return fd;
    }

    /// <summary>An eventfd KVM signals when the guest writes value to the 4-byte register at addr.</summary>
    int IoEventFd(ulong addr, uint value)
    {
        int fd = KvmApi.Check(KvmApi.eventfd(0, 0x80000 | 0x800), "eventfd");
        _irqFds.Add(fd);
        var e = new KvmApi.IoEventFd { Datamatch = value, Addr = addr, Len = 4, Fd = fd, Flags = 1 /* DATAMATCH */ };
        KvmApi.Check(KvmApi.ioctl(_vm, KvmApi.IOEVENTFD, &e), "IOEVENTFD");
        return fd;
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int memfd_create(string name, uint flags);
    [LibraryImport("libc", SetLastError = true)] private static partial int ftruncate(int fd, long length);
    [LibraryImport("libc", SetLastError = true)] private static partial int socketpair(int domain, int type, int protocol, int* sv);

    /// <summary>The host's supported CPUID, with the hypervisor bit and this vCPU's APIC id (leaves 1, 0xB, 0x1F).</summary>
    void SetCpuid(KvmVcpu v, int cpus)
    {
        const int max = 256;
        var buf = new byte[8 + max * sizeof(KvmApi.CpuidEntry)];
        fixed (byte* b = buf)
        {
            *(uint*)b = max;
            KvmApi.Check(KvmApi.ioctl(_kvm, KvmApi.GET_SUPPORTED_CPUID, b), "GET_SUPPORTED_CPUID");
            var e = (KvmApi.CpuidEntry*)(b + 8);
            for (int i = 0; i < *(uint*)b; i++)
            {
                if (e[i].Function == 1)
                {
                    e[i].Ecx |= 1u << 31;                                       // running under a hypervisor
                    e[i].Ebx = (e[i].Ebx & 0x0000ffff) | (uint)v.Id << 24 | (uint)Math.Min(cpus, 255) << 16;
                    if (cpus > 1) e[i].Edx |= 1u << 28;                         // HTT: the count above is valid
                }
                if (e[i].Function is 0xb or 0x1f) e[i].Edx = (uint)v.Id;       // x2APIC id
            }
            KvmApi.Check(KvmApi.ioctl(v.Fd, KvmApi.SET_CPUID2, b), "SET_CPUID2");
        }
    }

    void SetRegisters(KvmVcpu v, ulong entry)
    {
        int vcpu = v.Fd;
        KvmApi.Sregs s;
        KvmApi.Check(KvmApi.ioctl(vcpu, KvmApi.GET_SREGS, &s), "GET_SREGS");
        var code = BootLoader.SegmentFrom(BootLoader.Gdt[1], 0x08);
        var data = BootLoader.SegmentFrom(BootLoader.Gdt[2], 0x10);
        s.Cs = code;
        s.Ds = s.Es = s.Fs = s.Gs = s.Ss = data;
        s.Tr = BootLoader.SegmentFrom(BootLoader.Gdt[3], 0x18);
        s.Gdt.Base = BootLoader.GdtAddr;
        s.Gdt.Limit = (ushort)(8 * BootLoader.Gdt.Length - 1);
        s.Idt.Base = 0; s.Idt.Limit = 0;
        s.Cr3 = BootLoader.Pml4;
        s.Cr4 |= 0x20;                                  // PAE
        s.Cr0 |= 0x80000001 | 0x10;                     // PG | PE | ET
        s.Efer |= 0x500;                                // LME | LMA
        KvmApi.Check(KvmApi.ioctl(vcpu, KvmApi.SET_SREGS, &s), "SET_SREGS");
        var r = new KvmApi.Regs { Rip = entry, Rsi = BootLoader.ZeroPage, Rsp = BootLoader.BootStack, Rbp = BootLoader.BootStack, Rflags = 2 };
        KvmApi.Check(KvmApi.ioctl(vcpu, KvmApi.SET_REGS, &r), "SET_REGS");
        var fpu = stackalloc byte[416];
        new Span<byte>(fpu, 416).Clear();
        *(ushort*)(fpu + 128) = 0x37f;
        *(uint*)(fpu + 408) = 0x1f80;
        KvmApi.Check(KvmApi.ioctl(vcpu, KvmApi.SET_FPU, fpu), "SET_FPU");
    }

    void RunLoop(KvmVcpu v)
    {
        v.Entered();
        string why;
        try { why = Loop(v); }
        catch (Exception e) { why = $"VMM error: {e.Message}"; }
        // The first vCPU to stop stops the VM: the others are kicked out of KVM_RUN (after a
        // reboot the guest leaves them halted with interrupts off, where they would stay).
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        _stop = true;
        foreach (var o in _vcpus) if (o != v) o.Kick();
        _console.Stop();
        try { AgentSocket?.Shutdown(SocketShutdown.Both); } catch (Exception) { }
        if (_vmmSock >= 0) { KvmApi.close(_vmmSock); _vmmSock = -1; }
        _exited.TrySetResult(why);
    }

    volatile bool _stop;

    string Loop(KvmVcpu v)
    {
        byte* _run = v.Run;
        while (!_stop)
        {
            if (!v.Enter())
            {
                if (KvmApi.Errno is 4 or 11) continue;
                return $"KVM_RUN (vCPU {v.Id}): {KvmApi.Err()}";
            }
            Interlocked.Increment(ref Exits);
            uint reason = *(uint*)(_run + 8);
            switch (reason)
            {
                case KvmApi.EXIT_IO:
                {
                    byte dir = _run[32], size = _run[33];
                    ushort port = *(ushort*)(_run + 34);
                    uint count = *(uint*)(_run + 36);
                    byte* data = _run + *(ulong*)(_run + 40);
                    lock (_io)
                        for (uint i = 0; i < count; i++, data += size) Io(port, dir == 1, data, size);
                    break;
                }
                case KvmApi.EXIT_MMIO:
                {
                    ulong addr = *(ulong*)(_run + 32);
                    byte* data = _run + 40;
                    uint len = *(uint*)(_run + 48);
                    bool write = _run[52] != 0;
                    lock (_io)
                    {
                        var dev = Device(addr);
                        if (dev is not null)
                        {
                            if (write) dev.Write(addr, len >= 4 ? *(uint*)data : len == 2 ? *(ushort*)data : *data);
                            else { uint r = dev.Read(addr, (int)Math.Min(len, 4)); for (int i = 0; i < len && i < 8; i++) data[i] = i < 4 ? (byte)(r >> (8 * i)) : (byte)0; }
                        }
                        else if (!write) new Span<byte>(data, (int)Math.Min(len, 8u)).Fill(0xff);
                    }
                    break;
                }
                case KvmApi.EXIT_HLT: return $"the guest halted (vCPU {v.Id})";
                case KvmApi.EXIT_SHUTDOWN: return "shutdown";
                case KvmApi.EXIT_SYSTEM_EVENT: return "system event (power off or reset)";
                case KvmApi.EXIT_INTR: break;
                case KvmApi.EXIT_FAIL_ENTRY: return $"KVM entry failed (reason {*(ulong*)(_run + 32):x})";
                case KvmApi.EXIT_INTERNAL_ERROR: return $"KVM internal error (suberror {*(uint*)(_run + 32)})";
                default: return $"unexpected KVM exit {reason}";
            }
        }
        return "stopped";
    }

    VirtioMmioDevice? Device(ulong addr)
    {
        foreach (var d in _devices) if (d.Contains(addr)) return d;
        return null;
    }

    void Io(ushort port, bool write, byte* data, int size)
    {
        if (_serial.Handles(port))
        {
            if (write) _serial.Write(port, *data);
            else *data = _serial.Read(port);
            return;
        }
        if (Cmos.Handles(port))
        {
            if (write) _cmos.Write(port, *data);
            else *data = _cmos.Read(port);
            return;
        }
        // Nothing else is emulated: reads float high, writes are dropped.
        if (!write) new Span<byte>(data, size).Fill(0xff);
    }

    public void Dispose()
    {
        _stop = true;
        // The guest is asked to stop (agent shutdown) before this; vCPUs still in KVM_RUN are kicked out.
        foreach (var v in _vcpus) v.Kick();
        foreach (var v in _vcpus)
            if (v.Thread is not null && !v.Thread.Join(TimeSpan.FromSeconds(2))) return; // stuck: abandoned, not freed under it
        _console?.Stop();
        AgentSocket?.Dispose();
        if (_vmmSock >= 0) KvmApi.close(_vmmSock);
        foreach (var v in _vcpus) v.Dispose();
        _vcpus.Clear();
        foreach (var d in _devices)
        {
            if (d is VirtioBlock b) b.Close();
            if (d is VirtioNet n) n.Close();
        }
        foreach (var fd in _irqFds) KvmApi.close(fd);
        _irqFds.Clear();
        foreach (var fd in new[] { _vm, _kvm }) if (fd >= 0) KvmApi.close(fd);
        if (_ram != null) KvmApi.munmap(_ram, _ramSize);
        _ram = null; _vm = _kvm = _vmmSock = -1;
    }
}
