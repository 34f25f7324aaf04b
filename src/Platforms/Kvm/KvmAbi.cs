using System.Runtime.InteropServices;
using Sandbox.Linux.Native;

namespace Sandbox.Platforms.Kvm;

/// <summary>The /dev/kvm ioctls and structures used here (linux/kvm.h, x86-64).</summary>
internal static unsafe class KvmAbi
{
    public const int ApiVersion = 12;

    public const ulong GET_API_VERSION = 0xae00, CREATE_VM = 0xae01, CHECK_EXTENSION = 0xae03,
        GET_VCPU_MMAP_SIZE = 0xae04, GET_SUPPORTED_CPUID = 0xc008ae05, CREATE_VCPU = 0xae41,
        SET_USER_MEMORY_REGION = 0x4020ae46, RUN = 0xae80, GET_REGS = 0x8090ae81, SET_REGS = 0x4090ae82,
        GET_SREGS = 0x8138ae83, SET_SREGS = 0x4138ae84, SET_MSRS = 0x4008ae89, SET_CPUID2 = 0x4008ae90,
        GET_XSAVE = 0x9000aea4, SET_XSAVE = 0x5000aea5, SET_XCRS = 0x4188aea7;

    public const int CAP_XSAVE = 55, CAP_XCRS = 56, CAP_SYNC_REGS = 74, CAP_IMMEDIATE_EXIT = 136;
    public const ulong SYNC_X86_REGS = 1;

    public const uint EXIT_IO = 2, EXIT_HLT = 5, EXIT_MMIO = 6, EXIT_SHUTDOWN = 8, EXIT_FAIL_ENTRY = 9,
        EXIT_INTR = 10, EXIT_INTERNAL_ERROR = 17;

    // struct kvm_run offsets.
    public const int RunImmediateExit = 1, RunExitReason = 8, RunIo = 32, RunValidRegs = 288, RunDirtyRegs = 296, RunSyncRegs = 304;
    // struct kvm_run.io: direction u8, size u8, port u16, count u32, data_offset u64.
    public const int IoDirectionOut = 1;

    public static long Ioctl(int fd, ulong request, long arg = 0) => Sys.Syscall(Sys.SYS_ioctl, fd, (long)request, arg);

    public static long Ioctl(int fd, ulong request, void* arg) => Sys.Syscall(Sys.SYS_ioctl, fd, (long)request, (long)arg);
}

/// <summary>struct kvm_regs.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmRegs
{
    public ulong Rax, Rbx, Rcx, Rdx, Rsi, Rdi, Rsp, Rbp, R8, R9, R10, R11, R12, R13, R14, R15, Rip, Rflags;
}

/// <summary>struct kvm_segment (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmSegment
{
    public ulong Base;
    public uint Limit;
    public ushort Selector;
    public byte Type, Present, Dpl, Db, S, L, G, Avl, Unusable, Padding;
}

/// <summary>struct kvm_dtable (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmDtable
{
    public ulong Base;
    public ushort Limit;
    private ushort _p0, _p1, _p2;
}

/// <summary>struct kvm_sregs (312 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmSregs
{
    public KvmSegment Cs, Ds, Es, Fs, Gs, Ss, Tr, Ldt;
    public KvmDtable Gdt, Idt;
    public ulong Cr0, Cr2, Cr3, Cr4, Cr8, Efer, ApicBase;
    public fixed ulong InterruptBitmap[4];
}

/// <summary>struct kvm_cpuid_entry2 (40 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmCpuidEntry
{
    public uint Function, Index, Flags, Eax, Ebx, Ecx, Edx;
    private fixed uint _padding[3];
}

/// <summary>struct kvm_userspace_memory_region.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmMemoryRegion
{
    public uint Slot, Flags;
    public ulong GuestPhysAddr, MemorySize, UserspaceAddr;
}
