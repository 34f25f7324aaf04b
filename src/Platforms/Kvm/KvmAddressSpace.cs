using Sandbox.Linux;
using Sandbox.Linux.Native;
using Sandbox.Sentry.Memory;
using Sandbox.Sentry.Platform;

namespace Sandbox.Platforms.Kvm;

/// <summary>
/// One VM: slot 0 holds the platform's own pages, slots 1.. the memory file as far as it is
/// used (guest-physical = file offset); the page tables mirror the Sentry's VMAs; each thread
/// is a vCPU.
/// </summary>
internal sealed unsafe class KvmAddressSpace : IAddressSpace
{
    public KvmPlatform Platform { get; }
    public int VmFd { get; }
    public GuestPages Pages { get; }
    public PageTables Tables { get; }
    public IContext MainContext { get; private set; } = null!;
    public int HostPid => 0;

    private readonly object _lock = new();
    private readonly List<KvmContext> _contexts = new();
    private readonly Stack<KvmContext> _idle = new();
    private int _nextVcpuId;
    private int _disposed;

    /// <summary>Bumped on every mapping change; a vCPU that saw an older one flushes its TLB on entry.</summary>
    internal int Generation;

    private KvmAddressSpace(KvmPlatform platform, int vmFd, GuestPages pages)
    {
        Platform = platform; VmFd = vmFd; Pages = pages;
        Tables = new PageTables(pages, GuestLayout.PhysOfPage(GuestLayout.Pml4Page));
    }

    public static KvmAddressSpace Create(KvmPlatform platform, MemoryFile file)
    {
        int vm = (int)KvmAbi.Ioctl(platform.KvmFd, KvmAbi.CREATE_VM, 0);
        if (vm < 0) throw new PlatformException($"KVM_CREATE_VM failed (errno {-vm})");
        GuestPages pages;
        try { pages = new GuestPages(GuestLayout.RegionPhys, GuestLayout.RegionSize, GuestLayout.FirstFreePage); }
        catch { Sys.Syscall(Sys.SYS_close, vm); throw; }
        var space = new KvmAddressSpace(platform, vm, pages);
        try
        {
            space._file = file;
            space.SetSlot(0, GuestLayout.RegionPhys, GuestLayout.RegionSize, (ulong)pages.Host);
            WriteKernelPages(pages, platform.Code);
            var main = space.NewContextLocked();
            main.Attach();
            space.MainContext = main;
        }
        catch
        {
            space.Dispose();
            throw;
        }
        return space;
    }

    private void SetSlot(uint slot, ulong phys, ulong size, ulong host)
    {
        var r = new KvmMemoryRegion { Slot = slot, GuestPhysAddr = phys, MemorySize = size, UserspaceAddr = host };
        long e = KvmAbi.Ioctl(VmFd, KvmAbi.SET_USER_MEMORY_REGION, &r);
        if (e < 0) throw new PlatformException($"KVM_SET_USER_MEMORY_REGION slot {slot} at 0x{phys:x} ({size >> 20} MiB) failed: {ErrnoText.Name((int)-e)}");
    }

    /// <summary>The IDT, the entry code, and the kernel half of the page tables (the region itself, 2 MiB pages).</summary>
    internal static void WriteKernelPages(GuestPages pages, byte[] code)
    {
        ulong codeVirt = pages.VirtOf(GuestLayout.PhysOfPage(GuestLayout.CodePage));
        DescriptorTables.WriteIdt(new Span<byte>(pages.HostOf(GuestLayout.PhysOfPage(GuestLayout.IdtPage)), 4096), codeVirt);
        code.CopyTo(new Span<byte>(pages.HostOf(GuestLayout.PhysOfPage(GuestLayout.CodePage)), 4096));
        ulong* pml4 = pages.Table(GuestLayout.PhysOfPage(GuestLayout.Pml4Page));
        ulong* pdpt = pages.Table(GuestLayout.PhysOfPage(GuestLayout.KernelPdptPage));
        ulong* pd = pages.Table(GuestLayout.PhysOfPage(GuestLayout.KernelPdPage));
        const ulong rw = PageTables.Present | PageTables.Writable;
        pml4[511] = GuestLayout.PhysOfPage(GuestLayout.KernelPdptPage) | rw;
        pdpt[0] = GuestLayout.PhysOfPage(GuestLayout.KernelPdPage) | rw;
        for (ulong i = 0; i < GuestLayout.RegionSize / GuestLayout.LargePageSize; i++)
            pd[i] = (pages.Phys + i * GuestLayout.LargePageSize) | rw | PageTables.Large;
    }

    private MemoryFile _file = null!;
    private ulong _covered;
    private uint _nextSlot = 1;

    /// <summary>
    /// Memory slots over the memory file up to <paramref name="end"/>, added as the file is
    /// used, each as large as all before it: KVM keeps per-page metadata for a slot (2 bytes a
    /// page for write tracking on some kernels: 128 MiB for the whole 256 GiB file, per VM).
    /// </summary>
    private bool CoverLocked(ulong end)
    {
        while (_covered < end)
        {
            ulong size = Math.Max(64UL << 20, _covered);
            size = Math.Min(size, (ulong)MemoryFile.Capacity - _covered);
            var r = new KvmMemoryRegion { Slot = _nextSlot, GuestPhysAddr = _covered, MemorySize = size, UserspaceAddr = (ulong)_file.Base + _covered };
            if (KvmAbi.Ioctl(VmFd, KvmAbi.SET_USER_MEMORY_REGION, &r) < 0) return false;
            _nextSlot++;
            _covered += size;
        }
        return true;
    }

    public long MapFile(ulong addr, ulong length, long fileOffset, int prot)
    {
        if (fileOffset < 0 || (ulong)fileOffset + length > (ulong)MemoryFile.Capacity) return -(long)Errno.EINVAL;
        lock (_lock)
        {
            if (!CoverLocked((ulong)fileOffset + length)) return -(long)Errno.ENOMEM;
            if (!Tables.Map(addr, length, (ulong)fileOffset, prot)) return -(long)Errno.EINVAL;
            if (Tables.ChangedPresent) ChangedLocked(); // a fresh mapping cannot be in a TLB

        }
        return 0;
    }

    public long Unmap(ulong addr, ulong length)
    {
        lock (_lock)
        {
            if (!Tables.Unmap(addr, length)) return -(long)Errno.EINVAL;
            if (Tables.ChangedPresent) ChangedLocked();
        }
        return 0;
    }

    public long Protect(ulong addr, ulong length, int prot)
    {
        lock (_lock)
        {
            if (!Tables.Protect(addr, length, prot)) return -(long)Errno.EINVAL;
            if (Tables.ChangedPresent) ChangedLocked();
        }
        return 0;
    }

    /// <summary>
    /// A TLB shoot-down: every vCPU flushes on its next entry, and the ones running now are
    /// kicked out of the guest and waited for (briefly), as munmap waits for other CPUs.
    /// </summary>
    private void ChangedLocked()
    {
        Interlocked.Increment(ref Generation);
        int me = (int)Sys.Syscall(Sys.SYS_gettid);
        foreach (var c in _contexts)
            if (c.HostTid != me && c.InGuest) c.Kick();
        foreach (var c in _contexts)
            if (c.HostTid != me) c.WaitOutOfGuest();
    }

    public IContext NewThreadContext()
    {
        lock (_lock) return NewContextLocked();
    }

    /// <summary>A vCPU: a retired one when there is one (KVM frees vCPUs only with their VM), else a new one.</summary>
    private KvmContext NewContextLocked()
    {
        if (_disposed != 0) throw new PlatformException("kvm: the address space is gone");
        KvmContext c;
        if (_idle.Count > 0) { c = _idle.Pop(); c.Reset(); }
        else c = new KvmContext(this, _nextVcpuId++);
        _contexts.Add(c);
        return c;
    }

    internal void Retired(KvmContext c)
    {
        lock (_lock)
        {
            if (!_contexts.Remove(c)) return;
            if (_disposed == 0) { _idle.Push(c); return; }
            c.Close();
            if (_contexts.Count == 0) TeardownLocked();
        }
    }

    private void TeardownLocked()
    {
        while (_idle.Count > 0) _idle.Pop().Close();
        Sys.Syscall(Sys.SYS_close, VmFd);
        Pages.Dispose();
    }

    /// <summary>
    /// The VM goes with its last vCPU: idle ones close now, a running one is kicked out and
    /// reports Gone, and closes when its task retires it.
    /// </summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed != 0) return;
            _disposed = 1;
            foreach (var c in _contexts.ToArray())
            {
                c.Lose();
                if (c.InGuest) continue;
                c.Close();
                _contexts.Remove(c);
            }
            if (_contexts.Count == 0) TeardownLocked();
        }
    }
}
