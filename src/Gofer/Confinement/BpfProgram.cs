using System.Runtime.InteropServices;

namespace Sandbox.Gofer.Confinement;

/// <summary>struct sock_filter: one classic BPF instruction (linux/filter.h).</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct BpfInsn(ushort Code, byte Jt, byte Jf, uint K);

/// <summary>
/// A classic BPF program for seccomp, built instruction by instruction. Jumps are relative and
/// fit in a byte, so every rule is a small self-contained block that falls through on no match.
/// </summary>
public sealed class BpfProgram
{
    // linux/bpf_common.h
    public const ushort LdWAbs = 0x00 | 0x00 | 0x20, JeqK = 0x05 | 0x10 | 0x00, JgeK = 0x05 | 0x30 | 0x00,
        JsetK = 0x05 | 0x40 | 0x00, RetK = 0x06 | 0x00;

    // struct seccomp_data: nr[4] arch[4] instruction_pointer[8] args[6][8].
    public const uint OffNr = 0, OffArch = 4;
    public static uint OffArgLow(int i) => 16 + 8 * (uint)i;
    public static uint OffArgHigh(int i) => 20 + 8 * (uint)i;

    public const uint RetKillProcess = 0x80000000, RetAllow = 0x7fff0000, RetErrno = 0x00050000;
    public const uint AuditArchX86_64 = 0xC000003E;
    /// <summary>Syscall numbers with this bit set are the x32 ABI, which we never use.</summary>
    public const uint X32Bit = 0x40000000;

    private readonly List<BpfInsn> _code = [];
    public IReadOnlyList<BpfInsn> Code => _code;

    public BpfProgram Emit(ushort code, uint k, byte jt = 0, byte jf = 0) { _code.Add(new BpfInsn(code, jt, jf, k)); return this; }
    public BpfProgram LoadNr() => Emit(LdWAbs, OffNr);
    public BpfProgram Load(uint offset) => Emit(LdWAbs, offset);
    public BpfProgram Return(uint action) => Emit(RetK, action);

    /// <summary>if (A == k) return action; (A is the syscall number).</summary>
    public BpfProgram AllowIfEq(uint k, uint action = RetAllow) => Emit(JeqK, k, 0, 1).Return(action);
}
