using System.Runtime.InteropServices;

namespace Sandbox.MicroVm.Kvm;

/// <summary>The /dev/kvm ioctls and structures the VMM uses (x86-64 layouts).</summary>
internal static unsafe partial class KvmApi
{
    public const ulong GET_API_VERSION = 0xAE00, CREATE_VM = 0xAE01, GET_VCPU_MMAP_SIZE = 0xAE04,
        GET_SUPPORTED_CPUID = 0xC008AE05, CREATE_VCPU = 0xAE41, SET_USER_MEMORY_REGION = 0x4020AE46,
        SET_TSS_ADDR = 0xAE47, SET_IDENTITY_MAP_ADDR = 0x4008AE48, CREATE_IRQCHIP = 0xAE60,
        CREATE_PIT2 = 0x4040AE77, IOEVENTFD = 0x4040AE79, IRQFD = 0x4020AE76, RUN = 0xAE80, GET_REGS = 0x8090AE81, SET_REGS = 0x4090AE82,
        GET_SREGS = 0x8138AE83, SET_SREGS = 0x4138AE84, SET_CPUID2 = 0x4008AE90, SET_FPU = 0x41A0AE8D;

    public const uint EXIT_IO = 2, EXIT_HLT = 5, EXIT_MMIO = 6, EXIT_SHUTDOWN = 8, EXIT_FAIL_ENTRY = 9, EXIT_INTR = 10,
        EXIT_INTERNAL_ERROR = 17, EXIT_SYSTEM_EVENT = 24;

    [StructLayout(LayoutKind.Sequential)]
    public struct Regs
    {
        public ulong Rax, Rbx, Rcx, Rdx, Rsi, Rdi, Rsp, Rbp, R8, R9, R10, R11, R12, R13, R14, R15, Rip, Rflags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Segment
    {
        public ulong Base;
        public uint Limit;
        public ushort Selector;
        public byte Type, Present, Dpl, Db, S, L, G, Avl, Unusable, Padding;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct DTable { public ulong Base; public ushort Limit; ushort _p0, _p1, _p2; }

    [StructLayout(LayoutKind.Sequential)]
    public struct Sregs
    {
        public Segment Cs, Ds, Es, Fs, Gs, Ss, Tr, Ldt;
        public DTable Gdt, Idt;
        public ulong Cr0, Cr2, Cr3, Cr4, Cr8, Efer, ApicBase;
        public fixed ulong InterruptBitmap[4];
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MemoryRegion { public uint Slot, Flags; public ulong GuestPhysAddr, MemorySize, UserspaceAddr; }

    [StructLayout(LayoutKind.Sequential)]
    public struct IrqFd { public uint Fd, Gsi, Flags, ResampleFd; public fixed byte Pad[16]; }

    [StructLayout(LayoutKind.Sequential)]
    public struct IoEventFd { public ulong Datamatch, Addr; public uint Len; public int Fd; public uint Flags; public fixed byte Pad[36]; }

    [StructLayout(LayoutKind.Sequential)]
    public struct CpuidEntry { public uint Function, Index, Flags, Eax, Ebx, Ecx, Edx; public fixed uint Padding[3]; }

    [LibraryImport("libc", SetLastError = true)] public static partial int ioctl(int fd, ulong req, void* arg);
    [LibraryImport("libc", SetLastError = true)] public static partial int ioctl(int fd, ulong req, nint arg);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] public static partial int open(string path, int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial int close(int fd);
    [LibraryImport("libc", SetLastError = true)] public static partial void* mmap(void* addr, nuint len, int prot, int flags, int fd, long off);
    [LibraryImport("libc", SetLastError = true)] public static partial int munmap(void* addr, nuint len);
    [LibraryImport("libc", SetLastError = true)] public static partial int eventfd(uint init, int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial nint write(int fd, void* b, nint n);
    [LibraryImport("libc", SetLastError = true)] public static partial nint read(int fd, void* b, nint n);
    [LibraryImport("libc", SetLastError = true)] public static partial int pthread_kill(nint thread, int sig);
    [LibraryImport("libc")] public static partial nint pthread_self();

    public static int Errno => Marshal.GetLastPInvokeError();
    public static string Err() => Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());

    public static int Check(int rc, string what) => rc >= 0 ? rc : throw new IOException($"KVM {what}: {Err()}");

    /// <summary>Why /dev/kvm cannot run a VM here, or null.</summary>
    public static string? Unusable()
    {
        if (!File.Exists("/dev/kvm")) return "no /dev/kvm on this host";
        int fd = open("/dev/kvm", 2 | 0x80000);
        if (fd < 0) return $"/dev/kvm: {Err()}";
        try
        {
            int v = ioctl(fd, GET_API_VERSION, 0);
            return v == 12 ? null : $"KVM API version {v} (expected 12)";
        }
        finally { close(fd); }
    }
}
