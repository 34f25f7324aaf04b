using System.Runtime.InteropServices;

namespace Sandbox.MicroVm.Kvm;

/// <summary>
/// One vCPU of the direct-KVM VMM: its fd, its kvm_run page and the thread that runs it. The
/// boot CPU starts at the kernel's entry; the others wait in KVM (in-kernel LAPIC) until the
/// guest starts them with INIT/SIPI. <see cref="Kick"/> gets a thread out of KVM_RUN
/// (immediate_exit, and a signal for one already inside) so a VM can be stopped whatever its
/// vCPUs are doing.
/// </summary>
internal sealed unsafe partial class KvmVcpu : IDisposable
{
    /// <summary>SIGRTMIN+6: used by neither glibc nor the .NET runtime; its handler does nothing.</summary>
    const int KickSignal = 40;

    public int Id { get; }
    public int Fd { get; private set; } = -1;
    public byte* Run { get; private set; }
    readonly nuint _runSize;
    int _tid;
    public Thread? Thread;

    public KvmVcpu(int vm, int kvm, int id)
    {
        Id = id;
        Fd = KvmApi.Check(KvmApi.ioctl(vm, KvmApi.CREATE_VCPU, (nint)id), $"CREATE_VCPU {id}");
        _runSize = (nuint)KvmApi.Check(KvmApi.ioctl(kvm, KvmApi.GET_VCPU_MMAP_SIZE, 0), "GET_VCPU_MMAP_SIZE");
        var run = (byte*)KvmApi.mmap(null, _runSize, 3, 1 /* MAP_SHARED */, Fd, 0);
        if (run == (byte*)-1) throw new IOException($"kvm_run of vCPU {id}: {KvmApi.Err()}");
        Run = run;
        InstallKickHandler();
    }

    /// <summary>Called on the vCPU's own thread before its first KVM_RUN.</summary>
    public void Entered() => Volatile.Write(ref _tid, gettid());

    /// <summary>KVM_RUN; false with errno EINTR when kicked.</summary>
    public bool Enter() => KvmApi.ioctl(Fd, KvmApi.RUN, 0) >= 0;

    public void Kick()
    {
        if (Run == null) return;
        Volatile.Write(ref Run[1], 1); // kvm_run.immediate_exit
        Interlocked.MemoryBarrier();
        int tid = Volatile.Read(ref _tid);
        if (tid > 0) tgkill(Environment.ProcessId, tid, KickSignal);
    }

    public void Dispose()
    {
        if (Run != null) KvmApi.munmap(Run, _runSize);
        Run = null;
        if (Fd >= 0) KvmApi.close(Fd);
        Fd = -1;
    }

    [LibraryImport("libc")] private static partial int gettid();
    [LibraryImport("libc")] private static partial int tgkill(int tgid, int tid, int sig);
    [LibraryImport("libc", EntryPoint = "sigaction")] private static partial int sigaction(int sig, void* act, void* old);

    [UnmanagedCallersOnly]
    static void KickHandler(int sig) { }

    static int s_installed;

    static void InstallKickHandler()
    {
        if (Interlocked.Exchange(ref s_installed, 1) != 0) return;
        // struct sigaction (glibc x86-64): handler, sa_mask (128 bytes), sa_flags, sa_restorer. No
        // SA_RESTART: KVM_RUN must come back with EINTR.
        byte* act = stackalloc byte[152];
        new Span<byte>(act, 152).Clear();
        *(delegate* unmanaged<int, void>*)act = &KickHandler;
        if (sigaction(KickSignal, act, null) != 0) throw new IOException("the direct-KVM VMM cannot install its vCPU kick signal handler");
    }
}
