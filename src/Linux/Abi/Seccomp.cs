namespace Sandbox.Linux.Abi;

/// <summary>seccomp(2) modes, operations, filter flags and return actions (linux/seccomp.h).</summary>
public static class Seccomp
{
    public const int MODE_DISABLED = 0, MODE_STRICT = 1, MODE_FILTER = 2;

    public const uint SET_MODE_STRICT = 0, SET_MODE_FILTER = 1, GET_ACTION_AVAIL = 2, GET_NOTIF_SIZES = 3;

    public const ulong FILTER_FLAG_TSYNC = 1, FILTER_FLAG_LOG = 2, FILTER_FLAG_SPEC_ALLOW = 4,
        FILTER_FLAG_NEW_LISTENER = 8, FILTER_FLAG_TSYNC_ESRCH = 16, FILTER_FLAG_WAIT_KILLABLE_RECV = 32;

    public const uint RET_KILL_PROCESS = 0x80000000, RET_KILL_THREAD = 0, RET_TRAP = 0x00030000,
        RET_ERRNO = 0x00050000, RET_USER_NOTIF = 0x7fc00000, RET_TRACE = 0x7ff00000, RET_LOG = 0x7ffc0000,
        RET_ALLOW = 0x7fff0000;
    public const uint RET_ACTION_FULL = 0xffff0000, RET_DATA = 0x0000ffff;

    /// <summary>si_code of the SIGSYS a SECCOMP_RET_TRAP raises.</summary>
    public const int SYS_SECCOMP = 1;

    /// <summary>struct seccomp_data: nr, arch, instruction_pointer, args[6].</summary>
    public const int DataSize = 64;
    /// <summary>struct seccomp_notif and seccomp_notif_resp sizes (SECCOMP_GET_NOTIF_SIZES).</summary>
    public const ushort NotifSize = 80, NotifRespSize = 24;

    /// <summary>AUDIT_ARCH_X86_64 (linux/audit.h): EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE.</summary>
    public const uint AUDIT_ARCH_X86_64 = 0xc000003e;

    /// <summary>A filter program's length limit (BPF_MAXINSNS) and the limit over a task's whole chain (MAX_INSNS_PER_PATH).</summary>
    public const int MaxInsns = 4096, MaxInsnsPerPath = 32768;
}

/// <summary>Classic BPF opcodes (linux/filter.h, linux/bpf_common.h).</summary>
public static class Bpf
{
    public const ushort LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, RET = 0x06, MISC = 0x07;
    public const ushort W = 0x00, H = 0x08, B = 0x10;
    public const ushort IMM = 0x00, ABS = 0x20, IND = 0x40, MEM = 0x60, LEN = 0x80, MSH = 0xa0;
    public const ushort ADD = 0x00, SUB = 0x10, MUL = 0x20, DIV = 0x30, OR = 0x40, AND = 0x50, LSH = 0x60, RSH = 0x70,
        NEG = 0x80, MOD = 0x90, XOR = 0xa0;
    public const ushort JA = 0x00, JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40;
    public const ushort K = 0x00, X = 0x08, A = 0x10;
    public const ushort TAX = 0x00, TXA = 0x80;
    public const int MEMWORDS = 16;
}
