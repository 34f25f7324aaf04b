using Sandbox.Linux.Abi;

namespace Sandbox.Sentry.Memory;

/// <summary>The fault path: copy-on-write after fork and MAP_GROWSDOWN stacks.</summary>
public sealed partial class MemoryManager
{
    /// <summary>
    /// How much a first write after fork copies: the aligned chunk around the faulting page.
    /// A fault costs tens of microseconds on ptrace, copying 64 KiB a few; bigger chunks mean
    /// fewer faults for programs that write much of their heap, smaller ones less copying.
    /// </summary>
    public const ulong CowChunk = 64 << 10;

    /// <summary>Linux's stack_guard_gap: a growing stack stays this far above the mapping below it.</summary>
    public const ulong StackGuardGap = 256 * Layout.PageSize;

    private const int SEGV_MAPERR = 1, SEGV_ACCERR = 2;

    /// <summary>Copy-on-write faults taken, for tests and the debug log.</summary>
    public long CowFaults;

    /// <summary>
    /// A SIGSEGV the application's thread took at <paramref name="addr"/>. True when the
    /// Sentry resolved it (a copy-on-write break or a stack grown down) and the instruction
    /// should simply run again; false when the program gets the signal.
    /// </summary>
    public bool HandleFault(ulong addr, int code, ulong rip, ulong stackLimit)
    {
        lock (_lock)
        {
            var v = FindLocked(addr);
            if (v != null)
            {
                // With the page readable, an access error on a writable VMA is a write (or an
                // instruction fetch from a non-executable page, which rip tells apart).
                if (code != SEGV_ACCERR || (v.Prot & Prot.WRITE) == 0) return false;
                if (addr == rip && (v.Prot & Prot.EXEC) == 0) return false;
                if (v.Cow) { BreakCowLocked(v, addr); return true; }
                return true; // another thread of this process broke it first
            }
            return code == SEGV_MAPERR && GrowStackLocked(addr, stackLimit);
        }
    }

    /// <summary>
    /// Gives this address space its own copy of the chunk of <paramref name="v"/> around
    /// <paramref name="addr"/> (or just write access, when nobody else uses the pages any
    /// more). Returns the VMA piece now holding addr.
    /// </summary>
    private Vma BreakCowLocked(Vma v, ulong addr)
    {
        CowFaults++;
        if (v.Backing.Refs == 1)
        {
            v.Cow = false;
            Platform?.Protect(v.Start, v.Length, v.Prot);
            return v;
        }
        ulong start = Math.Max(v.Start, addr & ~(CowChunk - 1));
        ulong end = Math.Min(v.End, (addr & ~(CowChunk - 1)) + CowChunk);
        SplitAt(start);
        SplitAt(end);
        var piece = _vmas[IndexOf(addr)];
        long off = File.Allocate(piece.Length);
        if (off < 0) throw new OutOfMemoryException("memory file exhausted breaking copy-on-write");
        File.CopyPopulated(piece.FileOffset, off, piece.Length);
        var old = piece.Backing;
        if (old.DecRef()) File.Release(old.Offset, old.Length); // the relative let go meanwhile
        piece.Backing = new Backing(off, piece.Length) { Refs = 1 };
        piece.FileOffset = off;
        piece.Cow = false;
        _lastHit = null;
        if (Platform != null && Platform.MapFile(piece.Start, piece.Length, off, piece.Prot) < 0)
            throw new OutOfMemoryException("the platform could not map a copied page");
        return piece;
    }

    /// <summary>
    /// MAP_GROWSDOWN (mmap(2)): an access just below such a mapping extends it down to the
    /// faulting page, while the stack stays within RLIMIT_STACK and the guard gap above the
    /// mapping below.
    /// </summary>
    private bool GrowStackLocked(ulong addr, ulong stackLimit)
    {
        int i = ~IndexOf(addr);
        if (i < 0 || i >= _vmas.Count || !_vmas[i].GrowsDown) return false;
        var above = _vmas[i];
        ulong start = Layout.PageRoundDown(addr);
        if (start < Layout.MinUserAddress) return false;
        if (i > 0 && _vmas[i - 1].End + StackGuardGap > start && !_vmas[i - 1].GrowsDown) return false;
        ulong top = above.End;
        for (int k = i + 1; k < _vmas.Count && _vmas[k].Start == top && _vmas[k].GrowsDown; k++) top = _vmas[k].End;
        if (top - start > stackLimit) return false;
        ulong len = above.Start - start;
        long off = File.Allocate(len);
        if (off < 0) return false;
        if (Platform != null && Platform.MapFile(start, len, off, above.Prot) < 0) { File.Release(off, len); return false; }
        _vmas.Insert(i, new Vma
        {
            Start = start, End = above.Start, Prot = above.Prot, Shared = above.Shared, GrowsDown = true,
            FileOffset = off, Backing = new Backing(off, len) { Refs = 1 }, Name = above.Name,
        });
        _lastHit = null;
        return true;
    }

    /// <summary>
    /// MADV_DONTNEED and friends on private memory: the range reads as zeros afterwards.
    /// Pieces still shared copy-on-write get fresh, empty pages instead of zeroing what a fork
    /// relative sees.
    /// </summary>
    public void DiscardPrivate(ulong start, ulong end)
    {
        lock (_lock)
        {
            for (ulong a = start; a < end;)
            {
                var v = FindLocked(a);
                if (v == null) { a = NextStartLocked(a, end); continue; }
                ulong e = Math.Min(end, v.End);
                if (v.Shared) { a = e; continue; }
                if (!v.Cow || v.Backing.Refs == 1)
                {
                    File.Zero(v.FileOffset + (long)(a - v.Start), e - a);
                    a = e;
                    continue;
                }
                SplitAt(a);
                SplitAt(e);
                var piece = _vmas[IndexOf(a)];
                long off = File.Allocate(piece.Length);
                if (off < 0) throw new OutOfMemoryException("memory file exhausted");
                var old = piece.Backing;
                if (old.DecRef()) File.Release(old.Offset, old.Length);
                piece.Backing = new Backing(off, piece.Length) { Refs = 1 };
                piece.FileOffset = off;
                piece.Cow = false;
                _lastHit = null;
                Platform?.MapFile(piece.Start, piece.Length, off, piece.Prot);
                a = e;
            }
        }
    }

    private ulong NextStartLocked(ulong a, ulong limit)
    {
        int i = ~IndexOf(a);
        return i < _vmas.Count ? Math.Min(limit, _vmas[i].Start) : limit;
    }
}
