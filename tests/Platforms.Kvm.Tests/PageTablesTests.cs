using Sandbox.Linux.Abi;
using Xunit;

namespace Sandbox.Platforms.Kvm.Tests;

public sealed unsafe class PageTablesTests : IDisposable
{
    private readonly GuestPages _pages = new(GuestLayout.RegionPhys, 64UL << 20, GuestLayout.FirstFreePage);
    private readonly PageTables _pt;
    private const ulong K = 4096, M2 = 2UL << 20;

    public PageTablesTests() => _pt = new PageTables(_pages, GuestLayout.PhysOfPage(GuestLayout.Pml4Page));
    public void Dispose() => _pages.Dispose();

    /// <summary>Walks the tables as the CPU does, checking the intermediate entries' flags.</summary>
    private (ulong Entry, int Level) Walk(ulong va)
    {
        ulong table = _pt.Root;
        for (int level = 3; level >= 0; level--)
        {
            ulong e = _pages.Table(table)[(va >> (12 + 9 * level)) & 511];
            if (level == 0 || (e & PageTables.Large) != 0) return (e, level);
            if ((e & PageTables.Present) == 0) return (0, level);
            Assert.Equal(PageTables.Present | PageTables.Writable | PageTables.User, e & 0xfff);
            table = e & PageTables.AddrMask;
        }
        throw new InvalidOperationException();
    }

    [Fact]
    public void SmallPagesCarryTheFileOffsetAndProtection()
    {
        Assert.True(_pt.Map(0x400000, 3 * K, 0x7000, Prot.READ | Prot.EXEC));
        for (ulong i = 0; i < 3; i++)
        {
            var (e, level) = Walk(0x400000 + i * K);
            Assert.Equal(0, level);
            Assert.Equal(0x7000 + i * K, e & PageTables.AddrMask);
            Assert.Equal(PageTables.Present | PageTables.User | PageTables.Mapped, e & ~PageTables.AddrMask);
        }
        Assert.Equal(0UL, Walk(0x403000).Entry);
        Assert.True(_pt.Map(0x600000, K, 0x1000, Prot.READ | Prot.WRITE));
        Assert.Equal(PageTables.Present | PageTables.Writable | PageTables.User | PageTables.Mapped | PageTables.NoExecute, Walk(0x600000).Entry & ~PageTables.AddrMask);
        // One PDPT and PD (same 1 GiB), a page table for each 2 MiB (the PML4 is preallocated).
        Assert.Equal(4, _pages.InUse);
    }

    [Fact]
    public void AlignedRangesUseLargePages()
    {
        Assert.True(_pt.Map(0x4000_0000, 2 * M2 + K, 4 * M2, Prot.READ | Prot.WRITE));
        var (e, level) = Walk(0x4000_0000 + M2 + 5 * K);
        Assert.Equal(1, level);
        Assert.Equal(5 * M2, e & PageTables.AddrMask);
        Assert.NotEqual(0UL, e & PageTables.Large);
        var (tail, tailLevel) = Walk(0x4000_0000 + 2 * M2);
        Assert.Equal(0, tailLevel);
        Assert.Equal(6 * M2, tail & PageTables.AddrMask);
        // A file offset that is not 2 MiB aligned cannot use a large page.
        Assert.True(_pt.Map(0x8000_0000, M2, 4 * M2 + K, Prot.READ));
        Assert.Equal(0, Walk(0x8000_0000).Level);
        Assert.Equal(_pt.Lookup(0x4000_0000 + 7 * K, out ulong size), Walk(0x4000_0000).Entry);
        Assert.Equal(M2, size);
    }

    [Fact]
    public void ProtectingPartOfALargePageSplitsIt()
    {
        Assert.True(_pt.Map(0x20_0000, M2, 0, Prot.READ | Prot.WRITE));
        Assert.True(_pt.Protect(0x20_0000 + 4 * K, K, Prot.READ));
        Assert.Equal(0, Walk(0x20_0000).Level);
        Assert.Equal(PageTables.Writable, Walk(0x20_0000 + 3 * K).Entry & PageTables.Writable);
        Assert.Equal(0UL, Walk(0x20_0000 + 4 * K).Entry & PageTables.Writable);
        Assert.Equal(4 * K, Walk(0x20_0000 + 4 * K).Entry & PageTables.AddrMask);
        Assert.Equal(511 * K, Walk(0x20_0000 + 511 * K).Entry & PageTables.AddrMask);
    }

    [Fact]
    public void ProtNoneKeepsTheOffsetForALaterProtect()
    {
        Assert.True(_pt.Map(0x10000, 2 * K, 0x5000, Prot.READ));
        Assert.True(_pt.Protect(0x10000, K, Prot.NONE));
        var e = Walk(0x10000).Entry;
        Assert.Equal(0UL, e & PageTables.Present);
        Assert.NotEqual(0UL, e & PageTables.Mapped);
        Assert.NotEqual(0UL, _pt.Lookup(0x10000, out _)); // a mapping: faults on it are SEGV_ACCERR
        Assert.True(_pt.Protect(0x10000, 2 * K, Prot.READ | Prot.WRITE));
        Assert.Equal(0x5000 | PageTables.Present | PageTables.Writable | PageTables.User | PageTables.Mapped | PageTables.NoExecute, Walk(0x10000).Entry);
        // Protect over a hole leaves it a hole.
        Assert.True(_pt.Protect(0x100000, 16 * K, Prot.READ));
        Assert.Equal(0UL, _pt.Lookup(0x100000, out _));
    }

    [Fact]
    public void UnmapFreesEmptyTables()
    {
        int before = _pages.InUse;
        Assert.True(_pt.Map(0x7f00_0000_0000, 8 * K, 0x10000, Prot.READ));
        Assert.True(_pt.Map(0x7f00_0020_0000, M2, 0x200000, Prot.READ));
        Assert.True(_pt.Unmap(0x7f00_0000_0000, K));
        Assert.Equal(0UL, _pt.Lookup(0x7f00_0000_0000, out _));
        Assert.NotEqual(0UL, _pt.Lookup(0x7f00_0000_1000, out _));
        Assert.True(_pt.Unmap(0x7f00_0000_0000, 3 * M2));
        Assert.Equal(before, _pages.InUse);
        Assert.Equal(0UL, _pages.Table(_pt.Root)[0x7f00_0000_0000 >> 39]);
    }

    [Fact]
    public void OnlyChangesToPresentEntriesNeedATlbFlush()
    {
        Assert.True(_pt.Map(0x10000, 4 * K, 0, Prot.READ));
        Assert.False(_pt.ChangedPresent);
        Assert.True(_pt.Map(0x14000, K, 0x8000, Prot.READ));
        Assert.False(_pt.ChangedPresent);
        Assert.True(_pt.Map(0x10000, K, 0x9000, Prot.READ));
        Assert.True(_pt.ChangedPresent);
        Assert.True(_pt.Protect(0x11000, K, Prot.NONE));
        Assert.True(_pt.ChangedPresent);
        Assert.True(_pt.Protect(0x11000, K, Prot.READ));
        Assert.False(_pt.ChangedPresent);
        Assert.True(_pt.Unmap(0x100000, K));
        Assert.False(_pt.ChangedPresent);
        Assert.True(_pt.Unmap(0x12000, K));
        Assert.True(_pt.ChangedPresent);
    }

    [Fact]
    public void RejectsKernelHalfAndMisalignedRanges()
    {
        Assert.False(_pt.Map(0x0000_8000_0000_0000, K, 0, Prot.READ));
        Assert.False(_pt.Map(0x0000_7fff_ffff_f000, 2 * K, 0, Prot.READ));
        Assert.False(_pt.Map(0x1000, K, 0x10, Prot.READ));
        Assert.False(_pt.Unmap(0x1001, K));
        Assert.False(_pt.Protect(0x1000, 0, Prot.READ));
        Assert.True(_pt.Map(0x0000_7fff_ffff_f000, K, 0, Prot.READ));
    }

    [Fact]
    public void KernelHalfMapsThePlatformRegionForRingZeroOnly()
    {
        KvmAddressSpace.WriteKernelPages(_pages, EntryCode.Build());
        ulong pml4e = _pages.Table(_pt.Root)[511];
        Assert.Equal(0UL, pml4e & PageTables.User);
        ulong pd = _pages.Table(_pages.Table(pml4e & PageTables.AddrMask)[0] & PageTables.AddrMask)[3];
        Assert.Equal(GuestLayout.RegionPhys + 3 * M2 | PageTables.Present | PageTables.Writable | PageTables.Large, pd);
        Assert.Equal(GuestLayout.RegionVirt + 0x1000, _pages.VirtOf(GuestLayout.PhysOfPage(GuestLayout.CodePage)));
    }
}
