using System.Runtime.InteropServices;
using Sandbox.Linux;
using Sandbox.Linux.Native;

namespace Sandbox.Sentry.Memory;

/// <summary>
/// All application memory: one memfd, mapped once into the Sentry so that copy-in/copy-out is
/// a memcpy, and mapped piecewise by the platform at application addresses. The file is
/// sparse: ranges cost nothing until touched, and freed ranges are punched out.
/// </summary>
public sealed unsafe class MemoryFile : IDisposable
{
    /// <summary>Reserved size of the file and of the Sentry's view of it (virtual only).</summary>
    public const long Capacity = 256L << 30;

    private const int FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2;

    public int Fd { get; }
    public byte* Base { get; }

    private readonly object _lock = new();
    private long _bump;
    // Free ranges by offset; neighbouring ranges are merged on release.
    private readonly SortedDictionary<long, long> _free = new();

    public MemoryFile()
    {
        fixed (byte* name = "sandbox-memory\0"u8)
        {
            int fd = Tmds.Linux.LibC.memfd_create(name, 1 /* MFD_CLOEXEC */);
            if (fd < 0) throw new InvalidOperationException($"memfd_create failed: errno {Tmds.Linux.LibC.errno}");
            Fd = fd;
        }
        if (Tmds.Linux.LibC.ftruncate(Fd, Capacity) != 0)
            throw new InvalidOperationException($"ftruncate(memory file) failed: errno {Tmds.Linux.LibC.errno}");
        void* p = Tmds.Linux.LibC.mmap(null, (Tmds.Linux.size_t)(ulong)Capacity, 3 /* RW */, 1 | 0x4000 /* SHARED|NORESERVE */, Fd, 0);
        if (p == (void*)-1) throw new InvalidOperationException($"mmap(memory file) failed: errno {Tmds.Linux.LibC.errno}");
        Base = (byte*)p;
    }

    /// <summary>Allocates a page-aligned range of the file; its contents read as zeros.</summary>
    public long Allocate(ulong length)
    {
        long len = (long)Layout.PageRoundUp(length);
        lock (_lock)
        {
            foreach (var (off, flen) in _free)
            {
                if (flen < len) continue;
                _free.Remove(off);
                if (flen > len) _free[off + len] = flen - len;
                return off;
            }
            if (_bump + len > Capacity) return -(long)Errno.ENOMEM;
            long r = _bump;
            _bump += len;
            return r;
        }
    }

    /// <summary>Gives a range back; its pages are released to the host at once.</summary>
    public void Release(long offset, ulong length)
    {
        long len = (long)Layout.PageRoundUp(length);
        if (len == 0) return;
        Tmds.Linux.LibC.fallocate(Fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, len);
        lock (_lock)
        {
            if (offset + len == _bump) { _bump = offset; MergeTail(); return; }
            _free[offset] = len;
        }
    }

    private void MergeTail()
    {
        // Pull the bump pointer back over free ranges that now end at it.
        bool changed = true;
        while (changed && _free.Count > 0)
        {
            changed = false;
            foreach (var (off, len) in _free)
                if (off + len == _bump) { _free.Remove(off); _bump = off; changed = true; break; }
        }
    }

    /// <summary>
    /// Copies a range to another, skipping the holes (pages never touched read as zeros in both):
    /// an 8 MiB stack of which a few pages are used costs those few pages, not 8 MiB.
    /// </summary>
    public void CopyPopulated(long from, long to, ulong length)
    {
        const int SEEK_DATA = 3, SEEK_HOLE = 4;
        long end = from + (long)length;
        long pos = from;
        while (pos < end)
        {
            long data = Sys.Syscall(Sys.SYS_lseek, Fd, pos, SEEK_DATA);
            if (data < 0 || data >= end) break; // ENXIO: no data after pos
            long hole = Sys.Syscall(Sys.SYS_lseek, Fd, data, SEEK_HOLE);
            if (hole < 0 || hole > end) hole = end;
            Buffer.MemoryCopy(Base + data, Base + to + (data - from), hole - data, hole - data);
            pos = hole;
        }
    }

    /// <summary>Bytes of a range backed by memory (not holes): a mapping's resident set.</summary>
    public ulong PopulatedBytes(long from, ulong length)
    {
        const int SEEK_DATA = 3, SEEK_HOLE = 4;
        long end = from + (long)length, pos = from;
        ulong n = 0;
        while (pos < end)
        {
            long data = Sys.Syscall(Sys.SYS_lseek, Fd, pos, SEEK_DATA);
            if (data < 0 || data >= end) break;
            long hole = Sys.Syscall(Sys.SYS_lseek, Fd, data, SEEK_HOLE);
            if (hole < 0 || hole > end) hole = end;
            n += (ulong)(hole - data);
            pos = hole;
        }
        return n;
    }

    /// <summary>Makes a range read as zeros again and gives its pages back to the host.</summary>
    public void Zero(long offset, ulong length)
    {
        if (length == 0) return;
        Tmds.Linux.LibC.fallocate(Fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, (long)length);
    }

    public Span<byte> Span(long offset, int length) => new(Base + offset, length);

    /// <summary>Bytes of the file backed by memory now (st_blocks of the memfd).</summary>
    public long Resident()
    {
        Linux.Abi.Stat st;
        return Sys.Syscall(Sys.SYS_fstat, Fd, (long)&st) == 0 ? st.Blocks * 512 : 0;
    }

    /// <summary>Bytes of the file currently handed out (for accounting and tests).</summary>
    public long InUse { get { lock (_lock) { long f = 0; foreach (var v in _free.Values) f += v; return _bump - f; } } }

    public void Dispose()
    {
        Tmds.Linux.LibC.munmap(Base, (Tmds.Linux.size_t)(ulong)Capacity);
        Sys.Close(Fd);
    }
}
