using Sandbox.Linux.Abi;

namespace Sandbox.Platforms.Kvm;

/// <summary>
/// The guest's 4-level page tables for the application half of the address space, built from
/// the Sentry's MapFile/Unmap/Protect. A leaf holds the memory-file offset of its page; 2 MiB
/// leaves are used where address and offset are both aligned. A PROT_NONE page keeps its
/// offset in a not-present entry marked <see cref="Mapped"/> so a later mprotect restores it.
/// </summary>
internal sealed unsafe class PageTables
{
    public const ulong Present = 1, Writable = 2, User = 4, Large = 0x80, NoExecute = 1UL << 63;
    /// <summary>Software bit (ignored by the CPU): the entry is a mapping, present or PROT_NONE.</summary>
    public const ulong Mapped = 0x200;
    public const ulong AddrMask = 0x000f_ffff_ffff_f000;
    private const ulong TableFlags = Present | Writable | User;

    private enum Op { Map, Unmap, Protect }

    private readonly GuestPages _pages;
    public ulong Root { get; }

    /// <summary>
    /// Whether the last Map/Unmap/Protect changed or removed a present entry, i.e. something a
    /// TLB may hold (a not-present entry is never cached).
    /// </summary>
    public bool ChangedPresent { get; private set; }

    public PageTables(GuestPages pages, ulong root)
    {
        _pages = pages;
        Root = root;
    }

    public static ulong Leaf(ulong phys, int prot)
    {
        ulong e = Mapped | User | (phys & AddrMask);
        if ((prot & (Prot.READ | Prot.WRITE | Prot.EXEC)) != 0) e |= Present;
        if ((prot & Prot.WRITE) != 0) e |= Writable;
        if ((prot & Prot.EXEC) == 0) e |= NoExecute;
        return e;
    }

    private static bool Valid(ulong va, ulong len) =>
        len > 0 && (va & (GuestLayout.PageSize - 1)) == 0 && (len & (GuestLayout.PageSize - 1)) == 0 &&
        va < GuestLayout.UserTop && len <= GuestLayout.UserTop - va;

    public bool Map(ulong va, ulong len, ulong phys, int prot)
    {
        if (!Valid(va, len) || (phys & (GuestLayout.PageSize - 1)) != 0) return false;
        ChangedPresent = false;
        Walk(_pages.Table(Root), 3, va, va + len, Op.Map, phys - va, prot);
        return true;
    }

    public bool Unmap(ulong va, ulong len)
    {
        if (!Valid(va, len)) return false;
        ChangedPresent = false;
        Walk(_pages.Table(Root), 3, va, va + len, Op.Unmap, 0, 0);
        return true;
    }

    public bool Protect(ulong va, ulong len, int prot)
    {
        if (!Valid(va, len)) return false;
        ChangedPresent = false;
        Walk(_pages.Table(Root), 3, va, va + len, Op.Protect, 0, prot);
        return true;
    }

    /// <summary>The leaf entry translating <paramref name="va"/> (0 if none) and its page size.</summary>
    public ulong Lookup(ulong va, out ulong pageSize)
    {
        pageSize = 0;
        if (va >= GuestLayout.UserTop) return 0;
        ulong* t = _pages.Table(Root);
        for (int level = 3; ; level--)
        {
            ulong e = t[Index(va, level)];
            if (level == 0 || (e & Large) != 0 && (e & Mapped) != 0)
            {
                pageSize = 1UL << Shift(level);
                return (e & Mapped) != 0 ? e : 0;
            }
            if ((e & Present) == 0) return 0;
            t = _pages.Table(e & AddrMask);
        }
    }

    private static int Shift(int level) => 12 + 9 * level;
    private static int Index(ulong va, int level) => (int)((va >> Shift(level)) & 511);
    private static bool IsTable(ulong e, int level) => level > 0 && (e & Present) != 0 && (e & Large) == 0;

    private void Walk(ulong* table, int level, ulong start, ulong end, Op op, ulong delta, int prot)
    {
        ulong size = 1UL << Shift(level);
        for (ulong addr = start; addr < end;)
        {
            ulong entryStart = addr & ~(size - 1), entryEnd = entryStart + size;
            ulong e = Math.Min(end, entryEnd);
            bool full = addr == entryStart && e == entryEnd;
            ref ulong ent = ref table[Index(addr, level)];
            if ((ent & Present) != 0 && (level == 0 || (ent & Large) != 0 || op == Op.Unmap && full || op == Op.Map && level == 1 && full)) ChangedPresent = true;
            if (level == 0)
            {
                ent = op switch
                {
                    Op.Map => Leaf(addr + delta, prot),
                    Op.Unmap => 0,
                    _ => (ent & Mapped) != 0 ? Leaf(ent & AddrMask, prot) : ent,
                };
            }
            else if (level == 1 && full && op == Op.Map && ((addr + delta) & (size - 1)) == 0)
            {
                if (IsTable(ent, level)) FreeTable(ent & AddrMask, level - 1);
                ent = Leaf(addr + delta, prot) | Large;
            }
            else if (level == 1 && (ent & Large) != 0 && (ent & Mapped) != 0 && full && op != Op.Map)
            {
                ent = op == Op.Unmap ? 0 : Leaf(ent & AddrMask, prot) | Large;
            }
            else if (full && op == Op.Unmap)
            {
                if (IsTable(ent, level)) FreeTable(ent & AddrMask, level - 1);
                ent = 0;
            }
            else
            {
                if (level == 1 && (ent & Large) != 0 && (ent & Mapped) != 0) ent = Split(ent);
                if (!IsTable(ent, level))
                {
                    if (op != Op.Map) { addr = e; continue; } // nothing mapped here
                    ent = _pages.Allocate() | TableFlags;
                }
                ulong* child = _pages.Table(ent & AddrMask);
                Walk(child, level - 1, addr, e, op, delta, prot);
                if (op == Op.Unmap && Empty(child))
                {
                    ChangedPresent = true; // paging-structure caches may hold the table's entry
                    _pages.Free(ent & AddrMask);
                    ent = 0;
                }
            }
            addr = e;
        }
    }

    /// <summary>A page table of 4 KiB leaves doing what the 2 MiB leaf <paramref name="large"/> did.</summary>
    private ulong Split(ulong large)
    {
        ulong phys = _pages.Allocate();
        ulong* t = _pages.Table(phys);
        ulong flags = large & ~AddrMask & ~Large, basePhys = large & AddrMask;
        for (int i = 0; i < 512; i++) t[i] = flags | (basePhys + (ulong)i * GuestLayout.PageSize);
        return phys | TableFlags;
    }

    private void FreeTable(ulong phys, int level)
    {
        ulong* t = _pages.Table(phys);
        if (level > 0)
            for (int i = 0; i < 512; i++)
                if (IsTable(t[i], level)) FreeTable(t[i] & AddrMask, level - 1);
        _pages.Free(phys);
    }

    private static bool Empty(ulong* t)
    {
        for (int i = 0; i < 512; i++) if (t[i] != 0) return false;
        return true;
    }
}
