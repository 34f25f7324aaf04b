using Sandbox.Linux.Native;

namespace Sandbox.Platforms.Kvm;

/// <summary>
/// The platform's own guest memory: one host mapping registered as a memory slot at
/// <see cref="Phys"/>, handed out a page at a time (page tables, per-vCPU pages).
/// </summary>
internal sealed unsafe class GuestPages : IDisposable
{
    public byte* Host { get; }
    public ulong Phys { get; }
    public ulong Size { get; }
    private ulong _next;
    private readonly Stack<ulong> _free = new();
    private int _disposed;

    /// <summary>Pages now handed out (page tables and vCPU pages), for tests and statistics.</summary>
    public int InUse { get; private set; }

    public GuestPages(ulong phys, ulong size, ulong firstFreePage)
    {
        const int PROT_RW = 3, MAP_PRIVATE_ANON_NORESERVE = 0x02 | 0x20 | 0x4000;
        long p = Sys.Syscall(Sys.SYS_mmap, 0, (long)size, PROT_RW, MAP_PRIVATE_ANON_NORESERVE, -1, 0);
        if (p < 0 && p > -4096) throw new PlatformException($"kvm: cannot reserve {size >> 20} MiB for the platform's guest pages (errno {-p})");
        Host = (byte*)p;
        Phys = phys;
        Size = size;
        _next = firstFreePage * GuestLayout.PageSize;
    }

    public byte* HostOf(ulong phys) => Host + (phys - Phys);
    public ulong* Table(ulong phys) => (ulong*)HostOf(phys);
    public ulong VirtOf(ulong phys) => GuestLayout.RegionVirt + (phys - Phys);

    /// <summary>A zeroed page; its guest-physical address.</summary>
    public ulong Allocate()
    {
        ulong phys;
        if (_free.Count > 0) phys = _free.Pop();
        else
        {
            if (_next + GuestLayout.PageSize > Size) throw new OutOfMemoryException("kvm: the platform's guest pages are exhausted");
            phys = Phys + _next;
            _next += GuestLayout.PageSize;
        }
        new Span<byte>(HostOf(phys), (int)GuestLayout.PageSize).Clear();
        InUse++;
        return phys;
    }

    public void Free(ulong phys)
    {
        _free.Push(phys);
        InUse--;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) Sys.Syscall(Sys.SYS_munmap, (long)Host, (long)Size);
    }
}

public sealed class PlatformException(string message) : Exception(message);
