using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Platform;

namespace Sandbox.Sentry.Memory;

/// <summary>
/// An application address space as the Sentry keeps it: sorted, non-overlapping VMAs over the
/// memory file. The platform's address space mirrors every change. Every access to
/// application memory goes through here and fails with EFAULT, never with a Sentry fault.
/// </summary>
public sealed unsafe partial class MemoryManager : IDisposable
{
    private readonly List<Vma> _vmas = new();
    /// <summary>Threads of a process share the address space: every VMA change and lookup holds this.</summary>
    private readonly object _lock = new();
    private Vma? _lastHit;

    public MemoryFile File { get; }
    public IAddressSpace? Platform { get; set; }

    public ulong BrkStart { get; private set; }
    public ulong Brk { get; private set; }
    public ulong MmapTop { get; set; } = Layout.StackTop - (8UL << 20) - Layout.StackGap;

    /// <summary>The argv and environment strings the loader put on the stack (/proc/PID/cmdline, environ).</summary>
    public ulong ArgStart, ArgEnd, EnvStart, EnvEnd;

    public MemoryManager(MemoryFile file) { File = file; }

    private int _users = 1;

    /// <summary>Tasks sharing this address space (CLONE_VM).</summary>
    public int Users => Volatile.Read(ref _users);
    public void AddUser() => Interlocked.Increment(ref _users);

    /// <summary>Drops one user; the last one frees the memory and ends the platform's address space.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _users) == 0) Dispose();
    }

    /// <summary>A snapshot of the VMAs, in address order.</summary>
    public IReadOnlyList<Vma> Vmas { get { lock (_lock) return _vmas.ToArray(); } }

    // ---- lookup ---------------------------------------------------------------------------

    private int IndexOf(ulong addr)
    {
        int lo = 0, hi = _vmas.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            var v = _vmas[mid];
            if (addr < v.Start) hi = mid - 1;
            else if (addr >= v.End) lo = mid + 1;
            else return mid;
        }
        return ~lo;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vma? Find(ulong addr)
    {
        lock (_lock) return FindLocked(addr);
    }

    private Vma? FindLocked(ulong addr)
    {
        var h = _lastHit;
        if (h != null && addr >= h.Start && addr < h.End) return h;
        int i = IndexOf(addr);
        if (i < 0) return null;
        return _lastHit = _vmas[i];
    }

    private bool IsFree(ulong start, ulong end)
    {
        int i = IndexOf(start);
        if (i >= 0) return false;
        i = ~i;
        return i >= _vmas.Count || _vmas[i].Start >= end;
    }

    /// <summary>Highest free range of <paramref name="len"/> bytes ending at or below <paramref name="top"/>.</summary>
    private ulong FindGapTopDown(ulong len, ulong top)
    {
        for (int i = _vmas.Count - 1; i >= -1; i--)
        {
            ulong gapStart = i >= 0 ? _vmas[i].End : Layout.MinUserAddress;
            ulong gapEnd = i + 1 < _vmas.Count ? _vmas[i + 1].Start : Layout.MaxUserAddress;
            if (gapEnd > top) gapEnd = top;
            if (gapEnd <= gapStart) continue;
            if (gapEnd - gapStart >= len) return gapEnd - len;
        }
        return 0;
    }

    // ---- mapping --------------------------------------------------------------------------

    public enum Placement { Hint, Fixed, FixedNoReplace }

    /// <summary>
    /// Creates an anonymous mapping (private or shared) and mirrors it in the platform.
    /// Returns its address or -errno.
    /// </summary>
    public long Map(ulong addr, ulong length, int prot, Placement placement, bool shared, string? name = null, bool growsDown = false)
    {
        lock (_lock) return MapLocked(addr, length, prot, placement, shared, name, growsDown);
    }

    /// <summary>
    /// MAP_SHARED of a file whose pages live in the memory file (tmpfs): the mapping uses those
    /// very pages, so it stays coherent with read(2) and write(2) of the file.
    /// </summary>
    public long MapShared(ulong addr, ulong length, int prot, Placement placement, Backing backing, long fileOffset, string? name, int maxProt = Prot.READ | Prot.WRITE | Prot.EXEC)
    {
        lock (_lock) return MapLocked(addr, length, prot, placement, true, name, false, backing, fileOffset, maxProt);
    }

    private long MapLocked(ulong addr, ulong length, int prot, Placement placement, bool shared, string? name, bool growsDown,
        Backing? existing = null, long existingOffset = 0, int maxProt = Prot.READ | Prot.WRITE | Prot.EXEC)
    {
        if (length == 0) return -(long)Errno.EINVAL;
        ulong len = Layout.PageRoundUp(length);
        if (len == 0 || len > Layout.MaxUserAddress) return -(long)Errno.ENOMEM;
        ulong start;
        if (placement != Placement.Hint)
        {
            if (!Layout.IsPageAligned(addr)) return -(long)Errno.EINVAL;
            if (addr < Layout.MinUserAddress) return -(long)Errno.EPERM;
            if (addr + len > Layout.MaxUserAddress || addr + len < addr) return -(long)Errno.ENOMEM;
            if (placement == Placement.FixedNoReplace && !IsFree(addr, addr + len)) return -(long)Errno.EEXIST;
            start = addr;
        }
        else
        {
            ulong hint = Layout.PageRoundDown(addr);
            if (hint >= Layout.MinUserAddress && hint + len <= Layout.MaxUserAddress && hint + len > hint && IsFree(hint, hint + len))
                start = hint;
            else
            {
                start = FindGapTopDown(len, MmapTop);
                if (start == 0) return -(long)Errno.ENOMEM;
            }
        }
        long off;
        Backing backing;
        if (existing != null)
        {
            if (existingOffset < existing.Offset || existingOffset + (long)len > existing.Offset + (long)existing.Length) return -(long)Errno.EINVAL;
            off = existingOffset;
            existing.AddRef();
            existing.SharedAcrossSpaces = true; // the file keeps its pages: never zero them on unmap
            backing = existing;
        }
        else
        {
            off = File.Allocate(len);
            if (off < 0) return off;
            backing = new Backing(off, len) { Refs = 1 };
        }
        if (placement == Placement.Fixed) RemoveRange(start, start + len, platformUnmap: false);
        var vma = new Vma { Start = start, End = start + len, Prot = prot, Shared = shared, FileOffset = off, Backing = backing, Name = name, GrowsDown = growsDown, MaxProt = maxProt };
        if (Platform != null)
        {
            long r = PlatformMap(start, len, backing, off, prot);
            if (r < 0) { if (backing.DecRef()) File.Release(backing.Offset, backing.Length); return r; }
        }
        Insert(vma);
        return (long)start;
    }

    /// <summary>Mirrors one piece in the platform: the memory file, or a host segment.</summary>
    private long PlatformMap(ulong start, ulong length, Backing b, long fileOffset, int prot) => b.IsHostShm
        ? Platform!.MapHostShm(start, length, b.HostShmId, fileOffset, b.Length, prot)
        : Platform!.MapFile(start, length, fileOffset, prot);

    /// <summary>Drops one VMA piece's use of its backing; frees pages as soon as nobody else can see them.</summary>
    private void Drop(Vma piece)
    {
        var b = piece.Backing;
        if (b.DecRef()) File.Release(b.Offset, b.Length);
        else if (!b.SharedAcrossSpaces && !b.CowShared) File.Zero(piece.FileOffset, piece.Length);
        b.Owner?.PieceDropped();
    }

    /// <summary>
    /// shmdt(2): unmaps the attachment at <paramref name="addr"/>: the first piece at or above
    /// it that maps its owner's memory from offset (piece start - addr), then the other pieces
    /// of that owner at the same relative offsets up to the owner's size (as ipc/shm.c does).
    /// Returns the owner, or null (EINVAL) when none starts there.
    /// </summary>
    public IBackingOwner? DetachOwned(ulong addr)
    {
        lock (_lock)
        {
            int i = IndexOf(addr);
            if (i < 0) i = ~i;
            Backing? found = null;
            for (; i < _vmas.Count; i++)
            {
                var v = _vmas[i];
                if (v.Backing.Owner != null && (long)(v.Start - addr) == v.FileOffset - v.Backing.Offset) { found = v.Backing; break; }
            }
            if (found == null) return null;
            var owner = found.Owner!;
            ulong size = Layout.PageRoundUp(owner.Size);
            var ranges = new List<(ulong, ulong)> { (_vmas[i].Start, _vmas[i].End) };
            for (i++; i < _vmas.Count && _vmas[i].End - addr <= size; i++)
            {
                var v = _vmas[i];
                if (v.Backing == found && (long)(v.Start - addr) == v.FileOffset - v.Backing.Offset) ranges.Add((v.Start, v.End));
            }
            foreach (var (s, e) in ranges) RemoveRange(s, e, platformUnmap: true);
            return owner;
        }
    }

    /// <summary>Whether any mapping overlaps [start, end).</summary>
    public bool Overlaps(ulong start, ulong end)
    {
        lock (_lock) return !IsFree(start, end);
    }

    private void Insert(Vma vma)
    {
        int i = ~IndexOf(vma.Start);
        if (i < 0) throw new InvalidOperationException($"overlapping VMA at {vma.Start:x}");
        // Merge with the previous VMA when it is the same kind of memory, contiguous in the file.
        if (i > 0)
        {
            var p = _vmas[i - 1];
            if (p.End == vma.Start && p.Prot == vma.Prot && p.Shared == vma.Shared && p.Name == vma.Name
                && !p.GrowsDown && !vma.GrowsDown && p.Cow == vma.Cow && p.Backing == vma.Backing && p.FileOffset + (long)p.Length == vma.FileOffset)
            {
                p.End = vma.End;
                vma.Backing.DecRef(); // the merged piece still holds it
                _lastHit = null;
                return;
            }
        }
        _vmas.Insert(i, vma);
        _lastHit = null;
    }

    /// <summary>Splits so that no VMA straddles <paramref name="addr"/>.</summary>
    private void SplitAt(ulong addr)
    {
        int i = IndexOf(addr);
        if (i < 0) return;
        var v = _vmas[i];
        if (v.Start == addr) return;
        var right = v.Clone();
        right.Start = addr;
        right.FileOffset = v.FileOffset + (long)(addr - v.Start);
        right.Backing.AddRef();
        v.End = addr;
        _vmas.Insert(i + 1, right);
        _lastHit = null;
    }

    private void RemoveRange(ulong start, ulong end, bool platformUnmap)
    {
        SplitAt(start);
        SplitAt(end);
        int i = IndexOf(start);
        if (i < 0) i = ~i;
        while (i < _vmas.Count && _vmas[i].Start < end)
        {
            Drop(_vmas[i]);
            _vmas.RemoveAt(i);
        }
        _lastHit = null;
        if (platformUnmap) Platform?.Unmap(start, end - start);
    }

    public long Unmap(ulong addr, ulong length)
    {
        lock (_lock) return UnmapLocked(addr, length);
    }

    private long UnmapLocked(ulong addr, ulong length)
    {
        if (!Layout.IsPageAligned(addr) || length == 0) return -(long)Errno.EINVAL;
        ulong len = Layout.PageRoundUp(length);
        if (addr + len < addr || addr + len > Layout.MaxUserAddress) return -(long)Errno.EINVAL;
        RemoveRange(addr, addr + len, platformUnmap: true);
        return 0;
    }

    public long Protect(ulong addr, ulong length, int prot)
    {
        lock (_lock) return ProtectLocked(addr, length, prot);
    }

    private long ProtectLocked(ulong addr, ulong length, int prot)
    {
        if (!Layout.IsPageAligned(addr)) return -(long)Errno.EINVAL;
        if ((prot & ~(Prot.READ | Prot.WRITE | Prot.EXEC | Prot.GROWSDOWN | Prot.GROWSUP)) != 0) return -(long)Errno.EINVAL;
        if (length == 0) return 0;
        ulong len = Layout.PageRoundUp(length);
        ulong end = addr + len;
        if (end < addr) return -(long)Errno.ENOMEM;
        // Every page of the range must be mapped.
        for (ulong a = addr; a < end;)
        {
            var v = Find(a);
            if (v == null) return -(long)Errno.ENOMEM;
            a = v.End;
        }
        if ((prot & (Prot.GROWSDOWN | Prot.GROWSUP)) == (Prot.GROWSDOWN | Prot.GROWSUP)) return -(long)Errno.EINVAL;
        for (ulong a = addr; a < end;)
        {
            var v = Find(a)!;
            if ((prot & (Prot.READ | Prot.WRITE | Prot.EXEC) & ~v.MaxProt) != 0) return -(long)Errno.EACCES;
            a = v.End;
        }
        if ((prot & Prot.GROWSDOWN) != 0 && !Find(addr)!.GrowsDown) return -(long)Errno.EINVAL;
        if ((prot & Prot.GROWSUP) != 0) return -(long)Errno.EINVAL; // no VM_GROWSUP on x86
        prot &= Prot.READ | Prot.WRITE | Prot.EXEC;
        SplitAt(addr);
        SplitAt(end);
        bool cow = false;
        for (int i = IndexOf(addr); i >= 0 && i < _vmas.Count && _vmas[i].Start < end; i++) { _vmas[i].Prot = prot; cow |= _vmas[i].Cow; }
        _lastHit = null;
        if (Platform == null) return 0;
        if (!cow || (prot & Prot.WRITE) == 0) return Platform.Protect(addr, len, prot);
        for (int i = IndexOf(addr); i >= 0 && i < _vmas.Count && _vmas[i].Start < end; i++)
        {
            long r = Platform.Protect(_vmas[i].Start, _vmas[i].Length, _vmas[i].PlatformProt);
            if (r < 0) return r;
        }
        return 0;
    }

    public const int MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2, MREMAP_DONTUNMAP = 4;

    /// <summary>mremap(2): shrink in place, grow in place when the space after is free, else move (with MAYMOVE).</summary>
    public long Remap(ulong oldAddr, ulong oldSize, ulong newSize, int flags, ulong newAddr)
    {
        lock (_lock) return RemapLocked(oldAddr, oldSize, newSize, flags, newAddr);
    }

    private long RemapLocked(ulong oldAddr, ulong oldSize, ulong newSize, int flags, ulong newAddr)
    {
        if ((flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) != 0) return -(long)Errno.EINVAL;
        if ((flags & MREMAP_FIXED) != 0 && (flags & MREMAP_MAYMOVE) == 0) return -(long)Errno.EINVAL;
        if ((flags & MREMAP_DONTUNMAP) != 0 && ((flags & MREMAP_MAYMOVE) == 0 || oldSize != newSize)) return -(long)Errno.EINVAL;
        if (!Layout.IsPageAligned(oldAddr)) return -(long)Errno.EINVAL;
        oldSize = Layout.PageRoundUp(oldSize);
        newSize = Layout.PageRoundUp(newSize);
        if (newSize == 0) return -(long)Errno.EINVAL;
        var v = Find(oldAddr);
        if (v == null) return -(long)Errno.EFAULT;
        // old_size 0 duplicates a shared mapping (mremap(2)); private ones cannot be.
        if (oldSize == 0)
        {
            if (!v.Shared || (flags & MREMAP_MAYMOVE) == 0) return -(long)Errno.EINVAL;
            oldSize = Math.Min(newSize, v.End - oldAddr);
        }
        if (oldAddr + oldSize > v.End) return -(long)Errno.EFAULT; // must lie in one mapping
        if ((flags & MREMAP_FIXED) != 0)
        {
            if (!Layout.IsPageAligned(newAddr) || newAddr + newSize > Layout.MaxUserAddress || newAddr < Layout.MinUserAddress) return -(long)Errno.EINVAL;
            if (newAddr < oldAddr + oldSize && oldAddr < newAddr + newSize) return -(long)Errno.EINVAL;
            return Move(v, oldAddr, oldSize, newSize, newAddr, (flags & MREMAP_DONTUNMAP) != 0);
        }
        if (newSize <= oldSize)
        {
            if (newSize < oldSize) RemoveRange(oldAddr + newSize, oldAddr + oldSize, platformUnmap: true);
            return (long)oldAddr;
        }
        // Grow in place if this piece ends the mapping and the space after it is free.
        ulong end = oldAddr + oldSize;
        if (end == v.End && end + (newSize - oldSize) <= MmapTop && IsFree(end, end + (newSize - oldSize)))
        {
            ulong extra = newSize - oldSize;
            bool fits = v.FileOffset + (long)(end - v.Start) + (long)extra <= v.Backing.Offset + (long)v.Backing.Length;
            if (fits && !v.Backing.SharedAcrossSpaces && !v.Backing.CowShared && v.Backing.Refs == 1)
            {
                long off = v.FileOffset + (long)(end - v.Start);
                if (Platform != null && Platform.MapFile(end, extra, off, v.Prot) < 0) return -(long)Errno.ENOMEM;
                v.End = end + extra;
                _lastHit = null;
                return (long)oldAddr;
            }
            if (!v.Shared)
            {
                // Same address, bigger backing: copy what is there, so the mapping stays one VMA.
                long boff = File.Allocate(newSize);
                if (boff < 0) return -(long)Errno.ENOMEM;
                File.CopyPopulated(v.FileOffset + (long)(oldAddr - v.Start), boff, oldSize);
                int prot = v.Prot;
                string? name = v.Name;
                RemoveRange(oldAddr, end, platformUnmap: false);
                if (Platform != null && Platform.MapFile(oldAddr, newSize, boff, prot) < 0) { File.Release(boff, newSize); return -(long)Errno.ENOMEM; }
                Insert(new Vma { Start = oldAddr, End = oldAddr + newSize, Prot = prot, FileOffset = boff, Backing = new Backing(boff, newSize) { Refs = 1 }, Name = name });
                return (long)oldAddr;
            }
        }
        if ((flags & MREMAP_MAYMOVE) == 0) return -(long)Errno.ENOMEM;
        ulong to = FindGapTopDown(newSize, MmapTop);
        if (to == 0) return -(long)Errno.ENOMEM;
        return Move(v, oldAddr, oldSize, newSize, to, (flags & MREMAP_DONTUNMAP) != 0);
    }

    private long Move(Vma v, ulong oldAddr, ulong oldSize, ulong newSize, ulong to, bool keepOld)
    {
        int prot = v.Prot;
        bool shared = v.Shared;
        string? name = v.Name;
        ulong keep = Math.Min(oldSize, newSize);
        var pieces = new List<Vma>();
        if (shared)
        {
            // Shared memory keeps its pages: the new mapping uses the same backing.
            var c = v.Clone();
            c.Start = to; c.End = to + keep;
            c.FileOffset = v.FileOffset + (long)(oldAddr - v.Start);
            c.Backing.AddRef();
            pieces.Add(c);
        }
        else
        {
            long off = File.Allocate(newSize);
            if (off < 0) return -(long)Errno.ENOMEM;
            File.CopyPopulated(v.FileOffset + (long)(oldAddr - v.Start), off, keep);
            pieces.Add(new Vma { Start = to, End = to + newSize, Prot = prot, Shared = false, FileOffset = off, Backing = new Backing(off, newSize) { Refs = 1 }, Name = name });
        }
        if (shared && newSize > keep)
        {
            long off = File.Allocate(newSize - keep);
            if (off < 0) return -(long)Errno.ENOMEM;
            pieces.Add(new Vma { Start = to + keep, End = to + newSize, Prot = prot, Shared = true, FileOffset = off, Backing = new Backing(off, newSize - keep) { Refs = 1 }, Name = name });
        }
        RemoveRange(to, to + newSize, platformUnmap: false);
        foreach (var p in pieces)
        {
            if (Platform != null && PlatformMap(p.Start, p.Length, p.Backing, p.FileOffset, p.Prot) < 0) return -(long)Errno.ENOMEM;
            Insert(p);
        }
        if (!keepOld) RemoveRange(oldAddr, oldAddr + oldSize, platformUnmap: true);
        else if (!shared)
        {
            // MREMAP_DONTUNMAP: the old range stays mapped but empty.
            Unmap(oldAddr, oldSize);
            Map(oldAddr, oldSize, prot, Placement.Fixed, false, name);
        }
        return (long)to;
    }

    /// <summary>brk(2): returns the new break, or the old one when it cannot move.</summary>
    public ulong SetBrk(ulong want)
    {
        lock (_lock) return SetBrkLocked(want);
    }

    private ulong SetBrkLocked(ulong want)
    {
        if (want < BrkStart) return Brk;
        ulong oldTop = Layout.PageRoundUp(Brk), newTop = Layout.PageRoundUp(want);
        if (newTop > oldTop)
        {
            if (!IsFree(oldTop, newTop) || newTop > MmapTop) return Brk;
            if (!GrowHeap(oldTop, newTop)) return Brk;
        }
        else if (newTop < oldTop)
            RemoveRange(newTop, oldTop, platformUnmap: true);
        Brk = want;
        return Brk;
    }

    public void InitBrk(ulong start) { BrkStart = Brk = start; }

    /// <summary>The heap grows inside a reserved backing so that it stays one VMA.</summary>
    private const ulong HeapReserve = 64UL << 20;

    private bool GrowHeap(ulong from, ulong to)
    {
        var last = from > BrkStart ? Find(from - 1) : null;
        if (last != null && last.Name == "[heap]" && last.End == from && !last.Backing.SharedAcrossSpaces && !last.Backing.CowShared
            && last.FileOffset + (long)(last.Length + (to - from)) <= last.Backing.Offset + (long)last.Backing.Length)
        {
            long off = last.FileOffset + (long)last.Length;
            if (Platform != null && Platform.MapFile(from, to - from, off, last.Prot) < 0) return false;
            last.End = to;
            _lastHit = null;
            return true;
        }
        ulong size = Math.Max(to - from, HeapReserve);
        long boff = File.Allocate(size);
        if (boff < 0) return false;
        var backing = new Backing(boff, size) { Refs = 1 };
        if (Platform != null && Platform.MapFile(from, to - from, boff, Prot.READ | Prot.WRITE) < 0) { File.Release(boff, size); return false; }
        Insert(new Vma { Start = from, End = to, Prot = Prot.READ | Prot.WRITE, FileOffset = boff, Backing = backing, Name = "[heap]" });
        return true;
    }

    /// <summary>
    /// fork(2)'s copy: shared mappings are shared; private ones are shared copy-on-write: this
    /// side's platform loses write access to them, and the first write on either side copies
    /// the chunk it touches (<see cref="HandleFault"/>). The new manager has no platform yet.
    /// </summary>
    public MemoryManager Fork()
    {
        lock (_lock) return ForkLocked();
    }

    private MemoryManager ForkLocked()
    {
        var child = new MemoryManager(File) { MmapTop = MmapTop };
        var writable = new List<(ulong Start, ulong End, int Prot)>();
        child.BrkStart = BrkStart;
        child.Brk = Brk;
        (child.ArgStart, child.ArgEnd, child.EnvStart, child.EnvEnd) = (ArgStart, ArgEnd, EnvStart, EnvEnd);
        foreach (var v in _vmas)
        {
            var c = v.Clone();
            if (v.Shared)
            {
                v.Backing.AddRef();
                v.Backing.SharedAcrossSpaces = true;
            }
            else
            {
                if (!v.Cow && (v.Prot & Prot.WRITE) != 0) writable.Add((v.Start, v.End, v.Prot & ~Prot.WRITE));
                v.Cow = c.Cow = true;
                v.Backing.CowShared = true;
                v.Backing.AddRef();
            }
            child._vmas.Add(c);
        }
        // One mprotect per run of adjacent pieces that end up with the same protection.
        for (int i = 0; i < writable.Count; i++)
        {
            var (start, end, prot) = writable[i];
            while (i + 1 < writable.Count && writable[i + 1].Start == end && writable[i + 1].Prot == prot) end = writable[++i].End;
            Platform?.Protect(start, end - start, prot);
        }
        return child;
    }

    /// <summary>Makes the platform's address space mirror every VMA (a fresh stub after fork or exec).</summary>
    public long AttachPlatform(IAddressSpace space)
    {
        lock (_lock) return AttachPlatformLocked(space);
    }

    private long AttachPlatformLocked(IAddressSpace space)
    {
        Platform = space;
        foreach (var v in _vmas)
        {
            long r = PlatformMap(v.Start, v.Length, v.Backing, v.FileOffset, v.PlatformProt);
            if (r < 0) return r;
        }
        return 0;
    }

    // ---- copy-in / copy-out ---------------------------------------------------------------

    /// <summary>
    /// The longest contiguous host view of application memory starting at addr (up to len
    /// bytes) that allows the access, or 0 bytes if the first byte does not.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Translate(ulong addr, ulong len, bool write, out ulong avail)
    {
        Vma? v;
        lock (_lock)
        {
            v = FindLocked(addr);
            if (v != null && write && v.Cow && (v.Prot & Prot.WRITE) != 0) v = BreakCowLocked(v, addr);
        }
        if (v == null || (write ? (v.Prot & Prot.WRITE) == 0 : v.Prot == Prot.NONE)) { avail = 0; return null; }
        avail = Math.Min(len, v.End - addr);
        return (v.Backing.IsHostShm ? (byte*)v.Backing.HostView : File.Base) + v.FileOffset + (long)(addr - v.Start);
    }

    /// <summary>Copies application memory to <paramref name="dst"/>. 0 or -EFAULT.</summary>
    public int CopyIn(ulong addr, Span<byte> dst)
    {
        int done = 0;
        while (done < dst.Length)
        {
            byte* p = Translate(addr + (ulong)done, (ulong)(dst.Length - done), false, out ulong n);
            if (p == null) return -(int)Errno.EFAULT;
            new ReadOnlySpan<byte>(p, (int)n).CopyTo(dst.Slice(done));
            done += (int)n;
        }
        return 0;
    }

    /// <summary>Copies <paramref name="src"/> into application memory. 0 or -EFAULT.</summary>
    public int CopyOut(ulong addr, ReadOnlySpan<byte> src)
    {
        int done = 0;
        while (done < src.Length)
        {
            byte* p = Translate(addr + (ulong)done, (ulong)(src.Length - done), true, out ulong n);
            if (p == null) return -(int)Errno.EFAULT;
            src.Slice(done, (int)n).CopyTo(new Span<byte>(p, (int)n));
            done += (int)n;
        }
        return 0;
    }

    public int Read<T>(ulong addr, out T value) where T : unmanaged
    {
        value = default;
        return CopyIn(addr, MemoryMarshal.AsBytes(new Span<T>(ref value)));
    }

    public int Write<T>(ulong addr, in T value) where T : unmanaged
        => CopyOut(addr, MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)));

    /// <summary>
    /// Reads a NUL-terminated string of at most <paramref name="max"/> bytes (the NUL not
    /// counted). Returns its length, -EFAULT, or -ENAMETOOLONG.
    /// </summary>
    public int ReadCString(ulong addr, int max, Span<byte> buffer)
    {
        int done = 0;
        while (true)
        {
            byte* p = Translate(addr + (ulong)done, (ulong)(max + 1 - done), false, out ulong n);
            if (p == null) return -(int)Errno.EFAULT;
            var chunk = new ReadOnlySpan<byte>(p, (int)n);
            int z = chunk.IndexOf((byte)0);
            int take = z >= 0 ? z : chunk.Length;
            if (done + take > max || done + take > buffer.Length) return -(int)Errno.ENAMETOOLONG;
            chunk.Slice(0, take).CopyTo(buffer.Slice(done));
            done += take;
            if (z >= 0) return done;
            if (done >= max + 1) return -(int)Errno.ENAMETOOLONG;
        }
    }

    /// <summary>Reads a path argument (PATH_MAX 4096 including the NUL).</summary>
    public int ReadPath(ulong addr, out string path)
    {
        path = "";
        Span<byte> buf = stackalloc byte[4096];
        int n = ReadCString(addr, 4095, buf);
        if (n < 0) return n;
        path = Encoding.UTF8.GetString(buf.Slice(0, n));
        return 0;
    }

    /// <summary>Reads a NULL-terminated array of string pointers (argv/envp).</summary>
    public int ReadStringArray(ulong addr, List<string> into, int maxCount = 1 << 17)
    {
        if (addr == 0) return 0;
        Span<byte> buf = stackalloc byte[4096];
        for (int i = 0; i < maxCount; i++)
        {
            int r = Read(addr + (ulong)i * 8, out ulong p);
            if (r < 0) return r;
            if (p == 0) return 0;
            int n = ReadCString(p, 4095, buf);
            if (n == -(int)Errno.ENAMETOOLONG) { r = ReadLong(p, out string s); if (r < 0) return r; into.Add(s); continue; }
            if (n < 0) return n;
            into.Add(Encoding.UTF8.GetString(buf.Slice(0, n)));
        }
        return -(int)Errno.E2BIG;
    }

    private int ReadLong(ulong addr, out string s)
    {
        s = "";
        var bytes = new List<byte>();
        for (ulong a = addr; ; a++)
        {
            byte* p = Translate(a, 1, false, out _);
            if (p == null) return -(int)Errno.EFAULT;
            if (*p == 0) break;
            bytes.Add(*p);
            if (bytes.Count > (128 << 10)) return -(int)Errno.E2BIG;
        }
        s = Encoding.UTF8.GetString(bytes.ToArray());
        return 0;
    }

    public void Dispose()
    {
        foreach (var v in _vmas) Drop(v);
        _vmas.Clear();
        Platform?.Dispose();
        Platform = null;
    }
}
