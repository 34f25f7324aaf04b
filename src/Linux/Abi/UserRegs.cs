using System.Runtime.InteropServices;

namespace Sandbox.Linux.Abi;

/// <summary>struct user_regs_struct (sys/user.h, x86-64): what PTRACE_GETREGS/SETREGS move.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct UserRegs
{
    public ulong R15, R14, R13, R12, Rbp, Rbx, R11, R10, R9, R8, Rax, Rcx, Rdx, Rsi, Rdi;
    public ulong OrigRax, Rip, Cs, Eflags, Rsp, Ss, FsBase, GsBase, Ds, Es, Fs, Gs;
}
