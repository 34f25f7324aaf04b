using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Linux.Native;
using Sandbox.Sentry.Memory;
using Sandbox.Sentry.Platform;

namespace Sandbox.Platforms.Ptrace;

/// <summary>
/// One stub process: the host side of an application address space. Mapping changes are
/// made by injecting system calls into the stub thread of the calling Sentry thread.
/// </summary>
internal sealed class StubAddressSpace : IAddressSpace
{
    private readonly Dictionary<int, StubThread> _byTracer = new();
    private int _disposed;

    public PtracePlatform Platform { get; }
    public int Pid { get; }
    public int HostPid => Pid;
    public IContext MainContext { get; private set; } = null!;
    public UserRegs Template;
    public ManualResetEventSlim Gone { get; } = new(false);

    private StubAddressSpace(PtracePlatform platform, int pid) { Platform = platform; Pid = pid; }

    public static StubAddressSpace Create(PtracePlatform platform, int pid)
    {
        var space = new StubAddressSpace(platform, pid);
        var main = new StubThread(space, pid, leader: true);
        try
        {
            main.Attach();
            space.Template = main.ReadRegisters();
            space.MainContext = main;
            space.RemoveOwnMappings(main);
            if (platform.PinPairs) CpuPinning.PinPair(pid);
        }
        catch
        {
            space.Dispose();
            throw;
        }
        return space;
    }

    internal void Register(StubThread t) { lock (_byTracer) _byTracer[t.TracerTid] = t; }
    internal void Unregister(StubThread t) { lock (_byTracer) if (_byTracer.TryGetValue(t.TracerTid, out var x) && x == t) _byTracer.Remove(t.TracerTid); }
    internal int LiveThreads { get { lock (_byTracer) return _byTracer.Count; } }

    private StubThread Current()
    {
        int tid = (int)Sys.Syscall(Sys.SYS_gettid);
        lock (_byTracer)
            return _byTracer.TryGetValue(tid, out var t) ? t : throw new InvalidOperationException($"thread {tid} has no context in stub {Pid}");
    }

    /// <summary>Unmaps the stack, vDSO, vvar and anything else but the stub's code.</summary>
    private void RemoveOwnMappings(StubThread via)
    {
        var maps = HostProc.ReadAllText($"{Pid}/maps") ?? throw new PlatformException($"stub: cannot read /proc/{Pid}/maps");
        foreach (var line in maps.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int dash = line.IndexOf('-'), sp = line.IndexOf(' ');
            ulong start = Convert.ToUInt64(line[..dash], 16), end = Convert.ToUInt64(line[(dash + 1)..sp], 16);
            if (Platform.StubSyscall >= start && Platform.StubSyscall < end) continue;
            if (start >= 0xffff_8000_0000_0000) continue; // [vsyscall]: not a user mapping
            long r = via.Inject(Platform.StubSyscall, Sys.SYS_munmap, (long)start, (long)(end - start));
            if (r < 0) throw new PlatformException($"stub: munmap {start:x}-{end:x} failed: {ErrnoText.Name((int)-r)}");
        }
    }

    public long MapFile(ulong addr, ulong length, long fileOffset, int prot)
    {
        long r = Current().Inject(Platform.StubSyscall, Sys.SYS_mmap, (long)addr, (long)length, prot,
            MapFlags.SHARED | MapFlags.FIXED, PtracePlatform.StubMemoryFd, fileOffset);
        return r < 0 ? r : 0;
    }

    /// <summary>
    /// The stub attaches the host segment itself (it is in the host's IPC namespace): in place
    /// when the piece is the whole segment, else at an address of the kernel's choosing from
    /// which the piece is moved into place (mremap) and the rest unmapped.
    /// </summary>
    public long MapHostShm(ulong addr, ulong length, int shmid, long offset, ulong segmentLength, int prot)
    {
        const int SYS_shmat = 30, SYS_mremap = 25, SHM_REMAP = 0x4000, SHM_RDONLY = 0x1000;
        const int MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2;
        var th = Current();
        int ro = (prot & Prot.WRITE) != 0 ? 0 : SHM_RDONLY;
        if (offset == 0 && length == segmentLength)
        {
            long r = th.Inject(Platform.StubSyscall, SYS_shmat, shmid, (long)addr, SHM_REMAP | ro);
            if (r < 0) return r;
        }
        else
        {
            long at = th.Inject(Platform.StubSyscall, SYS_shmat, shmid, 0, ro);
            if (at < 0) return at;
            long r = th.Inject(Platform.StubSyscall, SYS_mremap, at + offset, (long)length, (long)length, MREMAP_MAYMOVE | MREMAP_FIXED, (long)addr);
            if (offset > 0) th.Inject(Platform.StubSyscall, Sys.SYS_munmap, at, offset);
            ulong tail = (ulong)offset + length;
            if (tail < segmentLength) th.Inject(Platform.StubSyscall, Sys.SYS_munmap, at + (long)tail, (long)(segmentLength - tail));
            if (r < 0) { th.Inject(Platform.StubSyscall, Sys.SYS_munmap, at + offset, (long)length); return r; }
        }
        return prot == (Prot.READ | (ro == 0 ? Prot.WRITE : 0)) ? 0 : Protect(addr, length, prot);
    }

    public long Unmap(ulong addr, ulong length) => Math.Min(0, Current().Inject(Platform.StubSyscall, Sys.SYS_munmap, (long)addr, (long)length));

    public long Protect(ulong addr, ulong length, int prot) => Math.Min(0, Current().Inject(Platform.StubSyscall, Sys.SYS_mprotect, (long)addr, (long)length, prot));

    private const long ThreadCloneFlags = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000; // VM|FS|FILES|SIGHAND|THREAD|SYSVSEM

    public IContext NewThreadContext()
    {
        long tid = Current().Inject(Platform.CloneEntry, 56 /* clone */, ThreadCloneFlags, 0, 0, 0, 0);
        if (tid < 0) throw new PlatformException($"stub {Pid}: clone failed: {ErrnoText.Name((int)-tid)}");
        return new StubThread(this, (int)tid, leader: false);
    }

    /// <summary>Kills the stub process; each tracer collects its own thread's end.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Sys.Syscall(Sys.SYS_kill, Pid, Signals.SIGKILL);
        int me = (int)Sys.Syscall(Sys.SYS_gettid);
        StubThread? own;
        lock (_byTracer) _byTracer.TryGetValue(me, out own);
        own?.CollectEnd();
        Gone.Set();
    }
}
