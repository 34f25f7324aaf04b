using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Sandbox.Linux.Abi;
using Sandbox.Linux.Native;
using Sandbox.Sentry.Memory;
using Sandbox.Sentry.Platform;

namespace Sandbox.Platforms.Kvm;

/// <summary>
/// The KVM platform: the application runs in ring 3 of a guest, and its system calls and
/// faults leave the guest. One VM per address space: its page tables then belong to one
/// process only (a fork or exec is a new VM, a thread is a new vCPU of the same VM), so nothing
/// has to switch CR3 between processes and one process's mappings are never visible from
/// another's guest, at the cost of a VM set-up (a few ioctls) per fork/exec.
/// </summary>
public sealed unsafe partial class KvmPlatform : IPlatform, IDisposable
{
    public string Name => "kvm";

    internal int KvmFd { get; }
    internal int RunSize { get; }
    internal bool SyncRegs { get; }
    internal KvmCpuidEntry[] Cpuid { get; }
    /// <summary>XCR0 for every vCPU (0 when the guest has no XSAVE).</summary>
    internal ulong Xcr0 { get; }
    /// <summary>Size of the standard-format XSAVE area for <see cref="Xcr0"/>, or 0.</summary>
    internal int XsaveSize { get; }
    internal byte[] Code { get; } = EntryCode.Build();

    /// <summary>The signal that kicks a vCPU thread out of KVM_RUN (handler does nothing, no SA_RESTART).</summary>
    internal const int KickSignal = 40; // SIGRTMIN+6: not used by glibc or the .NET runtime

    private KvmPlatform(int fd)
    {
        KvmFd = fd;
        long api = KvmAbi.Ioctl(fd, KvmAbi.GET_API_VERSION);
        if (api != KvmAbi.ApiVersion) throw new PlatformException($"/dev/kvm: API version {api}, expected {KvmAbi.ApiVersion}");
        RunSize = (int)KvmAbi.Ioctl(fd, KvmAbi.GET_VCPU_MMAP_SIZE);
        if (RunSize <= 0) throw new PlatformException("/dev/kvm: KVM_GET_VCPU_MMAP_SIZE failed");
        SyncRegs = KvmAbi.Ioctl(fd, KvmAbi.CHECK_EXTENSION, KvmAbi.CAP_SYNC_REGS) > 0 && Environment.GetEnvironmentVariable("SANDBOX_KVM_SYNC_REGS") != "0";
        if (KvmAbi.Ioctl(fd, KvmAbi.CHECK_EXTENSION, KvmAbi.CAP_IMMEDIATE_EXIT) <= 0)
            throw new PlatformException("/dev/kvm: KVM_CAP_IMMEDIATE_EXIT is missing (Linux >= 4.11 needed)");
        Cpuid = SupportedCpuid(fd);
        (Xcr0, XsaveSize) = XsaveLayout(Cpuid);
        if (KvmAbi.Ioctl(fd, KvmAbi.CHECK_EXTENSION, KvmAbi.CAP_XCRS) <= 0) (Xcr0, XsaveSize) = (0, 0);
        InstallKickHandler();
    }

    /// <summary>Opens /dev/kvm and proves a VM works by running one system call in it.</summary>
    public static KvmPlatform Open(MemoryFile? testFile = null)
    {
        int fd = (int)Sys.Syscall(Sys.SYS_openat, -100, (long)Unsafe.AsPointer(ref MemoryMarshal.GetReference("/dev/kvm\0"u8)), 2 | 0x80000 /* O_RDWR|O_CLOEXEC */);
        if (fd < 0) throw new PlatformException(fd == -2 ? "/dev/kvm does not exist on this machine" : $"/dev/kvm cannot be opened (errno {-fd})");
        KvmPlatform p;
        try { p = new KvmPlatform(fd); }
        catch { Sys.Syscall(Sys.SYS_close, fd); throw; }
        try { p.SelfTest(testFile); }
        catch { p.Dispose(); throw; }
        return p;
    }

    public IAddressSpace NewAddressSpace(MemoryFile file) => KvmAddressSpace.Create(this, file);

    /// <summary>A page with `syscall` at 0x10000, run once: it must stop as a syscall right after it.</summary>
    private void SelfTest(MemoryFile? file)
    {
        var own = file == null ? new MemoryFile() : null;
        file ??= own!;
        long off = file.Allocate(GuestLayout.PageSize);
        try
        {
            file.Base[off] = 0x0f; file.Base[off + 1] = 0x05; // syscall
            using var space = (KvmAddressSpace)NewAddressSpace(file);
            if (space.MapFile(0x10000, GuestLayout.PageSize, off, Prot.READ | Prot.EXEC) < 0) throw new PlatformException("kvm self-test: map failed");
            var regs = space.MainContext.InitialRegisters();
            regs.Rip = 0x10000; regs.Rax = 39;
            var stop = space.MainContext.Switch(ref regs);
            if (stop.Reason != StopReason.Syscall || regs.Rip != 0x10002 || regs.OrigRax != 39)
                throw new PlatformException($"/dev/kvm opens, but a test guest did not stop at its system call ({stop.Reason} signal {stop.Signal} at rip 0x{regs.Rip:x}; a KVM without hardware virtualization, such as PVM, cannot run this platform's guest)");
            space.MainContext.Retire();
        }
        finally
        {
            file.Release(off, GuestLayout.PageSize);
            own?.Dispose();
        }
    }

    private static KvmCpuidEntry[] SupportedCpuid(int fd)
    {
        for (int n = 128; n <= 4096; n *= 2)
        {
            byte[] buf = new byte[8 + n * sizeof(KvmCpuidEntry)];
            fixed (byte* p = buf)
            {
                *(uint*)p = (uint)n;
                long r = KvmAbi.Ioctl(fd, KvmAbi.GET_SUPPORTED_CPUID, p);
                if (r == -7 /* E2BIG */) continue;
                if (r < 0) throw new PlatformException($"KVM_GET_SUPPORTED_CPUID failed (errno {-r})");
                var entries = new ReadOnlySpan<KvmCpuidEntry>(p + 8, (int)*(uint*)p).ToArray();
                for (int i = 0; i < entries.Length; i++) Filter(ref entries[i]);
                return entries;
            }
        }
        throw new PlatformException("KVM_GET_SUPPORTED_CPUID: too many entries");
    }

    /// <summary>
    /// What the application must not be told it has: MONITOR/MWAIT (would exit), and AMX state,
    /// whose XSAVE area does not fit KVM_GET_XSAVE's 4 KiB.
    /// </summary>
    private static void Filter(ref KvmCpuidEntry e)
    {
        if (e.Function == 1) e.Ecx &= ~(1u << 3);
        if (e.Function == 0xd && e.Index == 0) e.Eax &= ~((1u << 17) | (1u << 18));
    }

    /// <summary>XCR0 (every user state component KVM supports) and the XSAVE area size it needs.</summary>
    private static (ulong Xcr0, int Size) XsaveLayout(KvmCpuidEntry[] cpuid)
    {
        bool xsave = cpuid.Any(e => e.Function == 1 && (e.Ecx & (1u << 26)) != 0);
        var leaf = cpuid.FirstOrDefault(e => e.Function == 0xd && e.Index == 0);
        if (!xsave || leaf.Function != 0xd) return (0, 0);
        ulong xcr0 = (leaf.Eax | ((ulong)leaf.Edx << 32)) & ~((1UL << 17) | (1UL << 18)) & 0xff; // x87 .. AVX-512
        int size = 512 + 64;
        foreach (var e in cpuid)
            if (e.Function == 0xd && e.Index >= 2 && e.Index < 64 && (xcr0 & (1UL << (int)e.Index)) != 0)
                size = Math.Max(size, (int)(e.Ebx + e.Eax));
        return size <= 4096 ? (xcr0 | 3, size) : (0, 0);
    }

    [LibraryImport("libc", EntryPoint = "sigaction")]
    private static partial int sigaction(int sig, void* act, void* old);

    [UnmanagedCallersOnly]
    private static void KickHandler(int sig) { }

    private static int s_kickInstalled;

    private static void InstallKickHandler()
    {
        if (Interlocked.Exchange(ref s_kickInstalled, 1) != 0) return;
        // struct sigaction (glibc x86-64): handler, sa_mask (128 bytes), sa_flags, sa_restorer.
        byte* act = stackalloc byte[152];
        new Span<byte>(act, 152).Clear();
        *(delegate* unmanaged<int, void>*)act = &KickHandler;
        if (sigaction(KickSignal, act, null) != 0) throw new PlatformException("kvm: cannot install the vCPU kick signal handler");
    }

    public void Dispose() => Sys.Syscall(Sys.SYS_close, KvmFd);
}
