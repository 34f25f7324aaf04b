using Sandbox.Linux.Abi;
using SeccompAbi = Sandbox.Linux.Abi.Seccomp;

namespace Sandbox.Sentry.Kernel.Seccomp;

/// <summary>One struct sock_filter.</summary>
public readonly record struct BpfInsn(ushort Code, byte Jt, byte Jf, uint K);

/// <summary>
/// A classic-BPF program over struct seccomp_data, checked as the kernel checks it before
/// attaching (bpf_check_classic, then seccomp_check_filter: only the instructions a seccomp
/// filter may use, loads word-aligned inside seccomp_data, BPF_LEN turned into the constant 64).
/// </summary>
public sealed class SeccompProgram : ISeccompRules
{
    private readonly BpfInsn[] _insns;

    private SeccompProgram(BpfInsn[] insns) => _insns = insns;

    public int Length => _insns.Length;

    /// <summary>Checks and prepares a program; null when the kernel would answer EINVAL.</summary>
    public static SeccompProgram? Create(ReadOnlySpan<BpfInsn> source)
    {
        int n = source.Length;
        if (n == 0 || n > SeccompAbi.MaxInsns) return null;
        var insns = source.ToArray();
        if (!CheckClassic(insns)) return null;
        for (int pc = 0; pc < n; pc++)
        {
            var i = insns[pc];
            switch (i.Code)
            {
                case Bpf.LD | Bpf.W | Bpf.ABS:
                    if (i.K >= SeccompAbi.DataSize || (i.K & 3) != 0) return null;
                    break;
                case Bpf.LD | Bpf.W | Bpf.LEN:
                    insns[pc] = new BpfInsn(Bpf.LD | Bpf.IMM, 0, 0, SeccompAbi.DataSize);
                    break;
                case Bpf.LDX | Bpf.W | Bpf.LEN:
                    insns[pc] = new BpfInsn(Bpf.LDX | Bpf.IMM, 0, 0, SeccompAbi.DataSize);
                    break;
                case Bpf.RET | Bpf.K: case Bpf.RET | Bpf.A:
                case Bpf.ALU | Bpf.NEG:
                case Bpf.LD | Bpf.IMM: case Bpf.LDX | Bpf.IMM:
                case Bpf.MISC | Bpf.TAX: case Bpf.MISC | Bpf.TXA:
                case Bpf.LD | Bpf.MEM: case Bpf.LDX | Bpf.MEM:
                case Bpf.ST: case Bpf.STX:
                case Bpf.JMP | Bpf.JA:
                    break;
                default:
                    // Known codes only here (CheckClassic): the class and operation decide.
                    int cls = i.Code & 7, op = i.Code & 0xf0;
                    if (cls == Bpf.ALU && op is Bpf.ADD or Bpf.SUB or Bpf.MUL or Bpf.DIV or Bpf.AND or Bpf.OR or Bpf.XOR or Bpf.LSH or Bpf.RSH)
                        break;
                    if (cls == Bpf.JMP && op is Bpf.JEQ or Bpf.JGT or Bpf.JGE or Bpf.JSET)
                        break;
                    return null;
            }
        }
        return new SeccompProgram(insns);
    }

    /// <summary>bpf_check_classic: known opcodes, constant divisors and shifts, scratch indexes, jumps in range, a RET at the end, no scratch read before a write.</summary>
    private static bool CheckClassic(BpfInsn[] f)
    {
        int n = f.Length;
        for (int pc = 0; pc < n; pc++)
        {
            var i = f[pc];
            if (!KnownCode(i.Code)) return false;
            switch (i.Code)
            {
                case Bpf.ALU | Bpf.DIV | Bpf.K: case Bpf.ALU | Bpf.MOD | Bpf.K:
                    if (i.K == 0) return false;
                    break;
                case Bpf.ALU | Bpf.LSH | Bpf.K: case Bpf.ALU | Bpf.RSH | Bpf.K:
                    if (i.K >= 32) return false;
                    break;
                case Bpf.LD | Bpf.MEM: case Bpf.LDX | Bpf.MEM: case Bpf.ST: case Bpf.STX:
                    if (i.K >= Bpf.MEMWORDS) return false;
                    break;
                case Bpf.JMP | Bpf.JA:
                    if (i.K >= (uint)(n - pc - 1)) return false;
                    break;
                default:
                    if ((i.Code & 7) == Bpf.JMP && (pc + i.Jt + 1 >= n || pc + i.Jf + 1 >= n)) return false;
                    break;
            }
        }
        ushort last = f[n - 1].Code;
        if (last != (Bpf.RET | Bpf.K) && last != (Bpf.RET | Bpf.A)) return false;
        return ScratchWrittenBeforeRead(f);
    }

    private static bool ScratchWrittenBeforeRead(BpfInsn[] f)
    {
        var masks = new ushort[f.Length];
        Array.Fill(masks, ushort.MaxValue);
        ushort valid = 0;
        for (int pc = 0; pc < f.Length; pc++)
        {
            valid &= masks[pc];
            var i = f[pc];
            switch (i.Code)
            {
                case Bpf.ST: case Bpf.STX:
                    valid |= (ushort)(1 << (int)i.K);
                    break;
                case Bpf.LD | Bpf.MEM: case Bpf.LDX | Bpf.MEM:
                    if ((valid & (1 << (int)i.K)) == 0) return false;
                    break;
                case Bpf.JMP | Bpf.JA:
                    masks[pc + 1 + i.K] &= valid;
                    valid = ushort.MaxValue;
                    break;
                default:
                    if ((i.Code & 7) == Bpf.JMP)
                    {
                        masks[pc + 1 + i.Jt] &= valid;
                        masks[pc + 1 + i.Jf] &= valid;
                        valid = ushort.MaxValue;
                    }
                    break;
            }
        }
        return true;
    }

    /// <summary>The opcodes classic BPF knows at all (the kernel's codes[] table).</summary>
    private static bool KnownCode(ushort c)
    {
        if (c > 0xff) return false;
        int op = c & 0xf0;
        switch (c & 7)
        {
            case Bpf.ALU:
                return op == Bpf.NEG ? (c & Bpf.X) == 0 : op <= Bpf.XOR;
            case Bpf.JMP:
                return c == (Bpf.JMP | Bpf.JA) || op is Bpf.JEQ or Bpf.JGT or Bpf.JGE or Bpf.JSET;
        }
        switch (c)
        {
            case Bpf.LD | Bpf.W | Bpf.ABS: case Bpf.LD | Bpf.H | Bpf.ABS: case Bpf.LD | Bpf.B | Bpf.ABS:
            case Bpf.LD | Bpf.W | Bpf.LEN: case Bpf.LD | Bpf.W | Bpf.IND: case Bpf.LD | Bpf.H | Bpf.IND:
            case Bpf.LD | Bpf.B | Bpf.IND: case Bpf.LD | Bpf.IMM: case Bpf.LD | Bpf.MEM:
            case Bpf.LDX | Bpf.W | Bpf.LEN: case Bpf.LDX | Bpf.B | Bpf.MSH: case Bpf.LDX | Bpf.IMM: case Bpf.LDX | Bpf.MEM:
            case Bpf.ST: case Bpf.STX:
            case Bpf.MISC | Bpf.TAX: case Bpf.MISC | Bpf.TXA:
            case Bpf.RET | Bpf.K: case Bpf.RET | Bpf.A:
                return true;
        }
        return false;
    }

    /// <summary>
    /// Runs the program over seccomp_data, given as its eight 64-bit words (nr | arch &lt;&lt; 32,
    /// instruction_pointer, args[0..5]); returns the filter's 32-bit verdict.
    /// </summary>
    public uint Run(ReadOnlySpan<ulong> data)
    {
        uint a = 0, x = 0;
        Span<uint> mem = stackalloc uint[Bpf.MEMWORDS];
        var p = _insns;
        for (int pc = 0; pc < p.Length; pc++)
        {
            var i = p[pc];
            switch (i.Code)
            {
                case Bpf.LD | Bpf.W | Bpf.ABS: a = (uint)(data[(int)(i.K >> 3)] >> (int)((i.K & 4) * 8)); break;
                case Bpf.LD | Bpf.IMM: a = i.K; break;
                case Bpf.LDX | Bpf.IMM: x = i.K; break;
                case Bpf.LD | Bpf.MEM: a = mem[(int)i.K]; break;
                case Bpf.LDX | Bpf.MEM: x = mem[(int)i.K]; break;
                case Bpf.ST: mem[(int)i.K] = a; break;
                case Bpf.STX: mem[(int)i.K] = x; break;
                case Bpf.MISC | Bpf.TAX: x = a; break;
                case Bpf.MISC | Bpf.TXA: a = x; break;
                case Bpf.RET | Bpf.K: return i.K;
                case Bpf.RET | Bpf.A: return a;
                case Bpf.JMP | Bpf.JA: pc += (int)i.K; break;
                case Bpf.JMP | Bpf.JEQ | Bpf.K: pc += a == i.K ? i.Jt : i.Jf; break;
                case Bpf.JMP | Bpf.JEQ | Bpf.X: pc += a == x ? i.Jt : i.Jf; break;
                case Bpf.JMP | Bpf.JGT | Bpf.K: pc += a > i.K ? i.Jt : i.Jf; break;
                case Bpf.JMP | Bpf.JGT | Bpf.X: pc += a > x ? i.Jt : i.Jf; break;
                case Bpf.JMP | Bpf.JGE | Bpf.K: pc += a >= i.K ? i.Jt : i.Jf; break;
                case Bpf.JMP | Bpf.JGE | Bpf.X: pc += a >= x ? i.Jt : i.Jf; break;
                case Bpf.JMP | Bpf.JSET | Bpf.K: pc += (a & i.K) != 0 ? i.Jt : i.Jf; break;
                case Bpf.JMP | Bpf.JSET | Bpf.X: pc += (a & x) != 0 ? i.Jt : i.Jf; break;
                case Bpf.ALU | Bpf.NEG: a = (uint)-(int)a; break;
                default:
                {
                    uint v = (i.Code & Bpf.X) != 0 ? x : i.K;
                    switch (i.Code & 0xf0)
                    {
                        case Bpf.ADD: a += v; break;
                        case Bpf.SUB: a -= v; break;
                        case Bpf.MUL: a *= v; break;
                        case Bpf.DIV: if (v == 0) return 0; a /= v; break; // a zero divisor ends the program with 0
                        case Bpf.MOD: if (v == 0) return 0; a %= v; break;
                        case Bpf.AND: a &= v; break;
                        case Bpf.OR: a |= v; break;
                        case Bpf.XOR: a ^= v; break;
                        case Bpf.LSH: a = v >= 32 ? 0 : a << (int)v; break;
                        case Bpf.RSH: a = v >= 32 ? 0 : a >> (int)v; break;
                        default: return 0;
                    }
                    break;
                }
            }
        }
        return 0;
    }
}
