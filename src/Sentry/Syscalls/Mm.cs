using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Memory;
using Sandbox.Sentry.Vfs.Dev;

namespace Sandbox.Sentry.Syscalls;

/// <summary>mmap, munmap, mprotect, brk, madvise, msync.</summary>
internal static unsafe class Mm
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Mmap] = &Mmap;
        t[Sysno.Munmap] = &Munmap;
        t[Sysno.Mprotect] = &Mprotect;
        t[Sysno.Brk] = &Brk;
        t[Sysno.Madvise] = &Madvise;
        t[Sysno.Msync] = &Msync;
        t[Sysno.Mincore] = &Mincore;
        t[Sysno.Mremap] = &Mremap;
        t[Sysno.PkeyMprotect] = &PkeyMprotect;
    }

    private static long Mmap(Task t)
    {
        ulong addr = t.A0, len = t.A1;
        int prot = (int)t.A2, flags = (int)t.A3, fd = (int)t.A4;
        long off = (long)t.A5;
        int type = flags & MapFlags.TYPE;
        if (type is not (MapFlags.SHARED or MapFlags.PRIVATE or MapFlags.SHARED_VALIDATE)) return Err.EINVAL;
        if (len == 0 || (off & (long)Layout.PageMask) != 0) return Err.EINVAL;
        if ((prot & ~(Prot.READ | Prot.WRITE | Prot.EXEC | Prot.GROWSDOWN | Prot.GROWSUP)) != 0) return Err.EINVAL;
        if (Layout.PageRoundUp(len) == 0 || Layout.PageRoundUp(len) > Layout.MaxUserAddress) return Err.ENOMEM;
        bool shared = type != MapFlags.PRIVATE;
        var placement = (flags & MapFlags.FIXED) != 0 ? MemoryManager.Placement.Fixed
            : (flags & MapFlags.FIXED_NOREPLACE) != 0 ? MemoryManager.Placement.FixedNoReplace
            : MemoryManager.Placement.Hint;
        bool growsDown = (flags & MapFlags.GROWSDOWN) != 0;
        prot &= Prot.READ | Prot.WRITE | Prot.EXEC;

        if ((flags & MapFlags.ANONYMOUS) != 0)
            return type == MapFlags.SHARED_VALIDATE ? Err.EINVAL : t.MM.Map(addr, len, prot, placement, shared, null, growsDown);

        var f = t.Fds.Get(fd);
        if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err.EBADF;
        if (!f.Readable) return Err.EACCES;
        if (shared && (prot & Prot.WRITE) != 0 && !f.Writable) return Err.EACCES;
        if (f is ZeroDevice) return t.MM.Map(addr, len, prot, placement, shared, null, growsDown);
        if (f.Location is not { } loc || !FileMode.IsReg(loc.Inode.Mode)) return -(long)Errno.ENODEV;
        var inode = loc.Inode;
        string name = Vfs.VirtualFs.PathOf(loc, t.Root);
        // Shared mappings of in-memory files map the file's own pages (coherent with read and
        // write); other mappings are a snapshot of the file.
        var tmp = inode as Vfs.Tmp.TmpInode ?? (inode as Vfs.Overlay.OverlayInode)?.UpperTmp;
        if (shared && tmp != null)
        {
            var backing = tmp.ShareForMapping(t.MM.File, off + (long)Layout.PageRoundUp(len));
            return t.MM.MapShared(addr, Layout.PageRoundUp(len), prot, placement, backing, backing.Offset + off, name);
        }
        // Writable volumes behave as Linux's 9p with cache=none (generic_file_readonly_mmap): a
        // shared mapping of a file opened for writing is EINVAL, a read-only one a snapshot.
        if (shared && f.Writable) return Err.EINVAL;
        long at = t.MM.Map(addr, len, prot, placement, shared, name);
        if (at < 0) return at;
        inode.Stat(out var st);
        ulong avail = st.Size > off ? (ulong)(st.Size - off) : 0;
        ulong copy = Math.Min(Layout.PageRoundUp(len), avail);
        for (ulong done = 0; done < copy;)
        {
            var v = t.MM.Find((ulong)at + done)!;
            ulong n = Math.Min(copy - done, v.End - ((ulong)at + done));
            n = Math.Min(n, 1UL << 30);
            long r = f.Read(t.MM.File.Span(v.FileOffset + (long)((ulong)at + done - v.Start), (int)n), off + (long)done);
            if (r <= 0) break;
            done += (ulong)r;
        }
        return at;
    }

    private static long Munmap(Task t) => t.MM.Unmap(t.A0, t.A1);

    private static long Mremap(Task t) => t.MM.Remap(t.A0, t.A1, t.A2, (int)t.A3, t.A4);

    private static long Mprotect(Task t) => t.MM.Protect(t.A0, t.A1, (int)t.A2);

    /// <summary>pkey_mprotect with pkey -1 is mprotect; no protection keys are ever allocated.</summary>
    private static long PkeyMprotect(Task t) => (int)t.A3 == -1 ? t.MM.Protect(t.A0, t.A1, (int)t.A2) : Err.EINVAL;

    /// <summary>mincore: residency as the host reports it for the memory file's pages.</summary>
    private static long Mincore(Task t)
    {
        ulong addr = t.A0, len = t.A1;
        if (!Layout.IsPageAligned(addr)) return Err.EINVAL;
        ulong end = addr + Layout.PageRoundUp(len);
        if (end < addr || end > Layout.MaxUserAddress) return Err.ENOMEM;
        for (ulong a = addr; a < end;)
        {
            var v = t.MM.Find(a);
            if (v == null) return Err.ENOMEM;
            a = v.End;
        }
        ulong pages = (end - addr) / Layout.PageSize;
        var vec = new byte[Math.Min(pages, 1UL << 20)];
        for (ulong done = 0; done < pages;)
        {
            ulong n = Math.Min(pages - done, (ulong)vec.Length);
            for (ulong i = 0; i < n;)
            {
                ulong a = addr + (done + i) * Layout.PageSize;
                var v = t.MM.Find(a)!;
                ulong run = Math.Min(n - i, (v.End - a) / Layout.PageSize);
                byte* host = t.MM.File.Base + v.FileOffset + (long)(a - v.Start);
                fixed (byte* out_ = &vec[i])
                    Linux.Native.Sys.Syscall(27 /* mincore */, (long)host, (long)(run * Layout.PageSize), (long)out_);
                i += run;
            }
            int r = t.MM.CopyOut(t.A2 + done, vec.AsSpan(0, (int)n));
            if (r < 0) return r;
            done += n;
        }
        return 0;
    }

    private static long Brk(Task t) => (long)t.MM.SetBrk(t.A0);

    private const int MADV_NORMAL = 0, MADV_RANDOM = 1, MADV_SEQUENTIAL = 2, MADV_WILLNEED = 3, MADV_DONTNEED = 4,
        MADV_FREE = 8, MADV_REMOVE = 9, MADV_DONTFORK = 10, MADV_DOFORK = 11, MADV_MERGEABLE = 12,
        MADV_UNMERGEABLE = 13, MADV_HUGEPAGE = 14, MADV_NOHUGEPAGE = 15, MADV_DONTDUMP = 16, MADV_DODUMP = 17,
        MADV_WIPEONFORK = 18, MADV_KEEPONFORK = 19, MADV_COLD = 20, MADV_PAGEOUT = 21;

    private static long Madvise(Task t)
    {
        ulong addr = t.A0, len = t.A1;
        int advice = (int)t.A2;
        if (!Layout.IsPageAligned(addr)) return Err.EINVAL;
        bool known = advice is >= MADV_NORMAL and <= MADV_DONTNEED or >= MADV_FREE and <= MADV_PAGEOUT;
        if (!known) return Err.EINVAL;
        ulong end = addr + Layout.PageRoundUp(len);
        if (end < addr) return Err.EINVAL;
        if (len == 0) return 0;
        bool hole = false;
        for (ulong a = addr; a < end;)
        {
            var v = t.MM.Find(a);
            if (v == null)
            {
                hole = true;
                // skip to the next mapping
                ulong next = end;
                foreach (var w in t.MM.Vmas) if (w.Start > a) { next = Math.Min(next, w.Start); break; }
                a = next;
                continue;
            }
            ulong s = Math.Max(a, v.Start), e = Math.Min(end, v.End);
            // DONTNEED/FREE/REMOVE on private memory: later reads see zeros (MADV_FREE may keep
            // the data; dropping it is one of the behaviours it allows).
            if (advice is MADV_DONTNEED or MADV_FREE or MADV_REMOVE && !v.Shared)
                t.MM.DiscardPrivate(s, e);
            a = e;
        }
        return hole ? Err.ENOMEM : 0;
    }

    private static long Msync(Task t)
    {
        const int MS_ASYNC = 1, MS_INVALIDATE = 2, MS_SYNC = 4;
        int flags = (int)t.A2;
        if (!Layout.IsPageAligned(t.A0) || (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) != 0 || (flags & (MS_ASYNC | MS_SYNC)) == (MS_ASYNC | MS_SYNC)) return Err.EINVAL;
        ulong end = t.A0 + Layout.PageRoundUp(t.A1);
        for (ulong a = t.A0; a < end;)
        {
            var v = t.MM.Find(a);
            if (v == null) return Err.ENOMEM;
            a = v.End;
        }
        return 0;
    }
}
