using System.Runtime.InteropServices;

namespace Sandbox.Linux.Abi;

/// <summary>ELF64 structures (elf(5)).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct Elf64Ehdr
{
    public unsafe fixed byte Ident[16];
    public ushort Type, Machine;
    public uint Version;
    public ulong Entry, Phoff, Shoff;
    public uint Flags;
    public ushort Ehsize, Phentsize, Phnum, Shentsize, Shnum, Shstrndx;
}

[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct Elf64Phdr
{
    public uint Type, Flags;
    public ulong Offset, Vaddr, Paddr, Filesz, Memsz, Align;
}

public static class Elf
{
    public const ushort ET_EXEC = 2, ET_DYN = 3, EM_X86_64 = 62;
    public const byte ELFCLASS64 = 2, ELFDATA2LSB = 1;
    public const uint PT_NULL = 0, PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4,
        PT_PHDR = 6, PT_TLS = 7, PT_GNU_STACK = 0x6474e551;
    public const uint PF_X = 1, PF_W = 2, PF_R = 4;
}

/// <summary>Auxiliary vector types (linux/auxvec.h, asm/auxvec.h).</summary>
public static class Auxv
{
    public const ulong AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6,
        AT_BASE = 7, AT_FLAGS = 8, AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13,
        AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16, AT_CLKTCK = 17, AT_SECURE = 23,
        AT_RANDOM = 25, AT_HWCAP2 = 26, AT_EXECFN = 31, AT_SYSINFO_EHDR = 33, AT_MINSIGSTKSZ = 51;
}
