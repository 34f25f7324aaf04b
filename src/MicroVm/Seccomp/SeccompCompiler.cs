using System.Buffers.Binary;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Linux.Seccomp;
using SeccompAbi = Sandbox.Linux.Abi.Seccomp;

namespace Sandbox.MicroVm.Seccomp;

/// <summary>
/// Compiles a seccomp profile as container runtimes write it (OCI or docker format, parsed by
/// <see cref="SeccompProfileRules"/>) into a classic-BPF program over struct seccomp_data for seccomp(2) in the MicroVm:
/// a wrong architecture gets the default action, then one `jeq` per syscall that has rules,
/// each jumping (`ja`, 32-bit offsets) to its rules in profile order; a rule's argument checks
/// compare whole 64-bit values as two 32-bit halves (libseccomp's meaning); the first rule
/// whose checks all hold decides, else the default action.
/// </summary>
public static class SeccompCompiler
{
    /// <summary>The profile as a BPF program (struct sock_filter array, 8 bytes per instruction).
    /// <paramref name="capabilities"/> (the container's bounding set) decides docker's
    /// capability-conditioned entries. Throws FormatException with the reason.</summary>
    public static byte[] Compile(string json, ulong capabilities)
    {
        var parsed = SeccompProfileRules.Parse(json, capabilities, "the MicroVm");
        return Emit(parsed.Default, parsed.Rules);
    }

    // seccomp_data offsets: nr at 0, arch at 4, args[i] at 16 + 8 i (low word first: little-endian).
    const uint NrOffset = 0, ArchOffset = 4;
    static uint ArgLow(int i) => 16 + 8 * (uint)i;
    static uint ArgHigh(int i) => 20 + 8 * (uint)i;

    static byte[] Emit(uint def, IReadOnlyList<(int Nr, SeccompRule Rule)> rules)
    {
        var asm = new Assembler();
        asm.Load(ArchOffset);
        asm.Jump(Bpf.JEQ, SeccompAbi.AUDIT_ARCH_X86_64, 1, 0); // skip the next instruction when it is ours
        asm.Ret(def);
        asm.Load(NrOffset);
        var groups = rules.GroupBy(r => r.Nr).OrderBy(g => g.Key).ToList();
        var bodies = groups.Select(_ => asm.NewLabel()).ToList();
        for (int g = 0; g < groups.Count; g++)
        {
            asm.Jump(Bpf.JEQ, (uint)groups[g].Key, 0, 1);
            asm.Ja(bodies[g]);
        }
        asm.Ret(def);
        for (int g = 0; g < groups.Count; g++)
        {
            asm.Bind(bodies[g]);
            foreach (var (_, rule) in groups[g])
            {
                var next = asm.NewLabel();
                foreach (var c in rule.Args) EmitCheck(asm, c, next);
                asm.Ret(rule.Verdict);
                asm.Bind(next);
            }
            asm.Ret(def);
        }
        return asm.Assemble();
    }

    /// <summary>Falls through when the check holds, jumps to <paramref name="fail"/> when not.</summary>
    static void EmitCheck(Assembler asm, SeccompArgCheck c, int fail)
    {
        uint hi = (uint)(c.Value >> 32), lo = (uint)c.Value;
        var ok = asm.NewLabel();
        switch (c.Op)
        {
            case SeccompCmpOp.Eq:
                asm.Load(ArgHigh(c.Index)); asm.JumpTo(Bpf.JEQ, hi, -1, fail);
                asm.Load(ArgLow(c.Index)); asm.JumpTo(Bpf.JEQ, lo, -1, fail);
                break;
            case SeccompCmpOp.Ne:
                asm.Load(ArgHigh(c.Index)); asm.JumpTo(Bpf.JEQ, hi, -1, ok);
                asm.Load(ArgLow(c.Index)); asm.JumpTo(Bpf.JEQ, lo, fail, ok);
                break;
            case SeccompCmpOp.MaskedEq:
                {
                    uint mhi = (uint)(c.Value >> 32), mlo = (uint)c.Value;
                    asm.Load(ArgHigh(c.Index)); asm.And(mhi); asm.JumpTo(Bpf.JEQ, (uint)(c.ValueTwo >> 32), -1, fail);
                    asm.Load(ArgLow(c.Index)); asm.And(mlo); asm.JumpTo(Bpf.JEQ, (uint)c.ValueTwo, -1, fail);
                    break;
                }
            // Ordered comparisons: the high words decide unless equal, then the low words.
            case SeccompCmpOp.Gt or SeccompCmpOp.Ge:
                asm.Load(ArgHigh(c.Index)); asm.JumpTo(Bpf.JGT, hi, ok, -1); asm.JumpTo(Bpf.JEQ, hi, -1, fail);
                asm.Load(ArgLow(c.Index)); asm.JumpTo(c.Op == SeccompCmpOp.Gt ? Bpf.JGT : Bpf.JGE, lo, ok, fail);
                break;
            case SeccompCmpOp.Lt or SeccompCmpOp.Le: // not Ge, not Gt
                asm.Load(ArgHigh(c.Index)); asm.JumpTo(Bpf.JGT, hi, fail, -1); asm.JumpTo(Bpf.JEQ, hi, -1, ok);
                asm.Load(ArgLow(c.Index)); asm.JumpTo(c.Op == SeccompCmpOp.Lt ? Bpf.JGE : Bpf.JGT, lo, fail, ok);
                break;
        }
        asm.Bind(ok);
    }

    /// <summary>Instructions with forward label references, resolved by Assemble: conditional
    /// jumps have 8-bit offsets (checked), `ja` a 32-bit one.</summary>
    sealed class Assembler
    {
        readonly List<(ushort Code, int Jt, int Jf, uint K, int Target)> _insns = new();
        readonly List<int> _labels = new();
        const int Next = -1;

        public int NewLabel() { _labels.Add(-1); return _labels.Count - 1; }
        public void Bind(int label) => _labels[label] = _insns.Count;
        public void Load(uint offset) => _insns.Add(((ushort)(Bpf.LD | Bpf.W | Bpf.ABS), Next, Next, offset, Next));
        public void And(uint k) => _insns.Add(((ushort)(Bpf.ALU | Bpf.AND | Bpf.K), Next, Next, k, Next));
        public void Ret(uint k) => _insns.Add(((ushort)(Bpf.RET | Bpf.K), Next, Next, k, Next));
        public void Ja(int label) => _insns.Add(((ushort)(Bpf.JMP | Bpf.JA), Next, Next, 0, label));
        /// <summary>A conditional jump with literal offsets.</summary>
        public void Jump(ushort op, uint k, byte jt, byte jf) => _insns.Add(((ushort)(Bpf.JMP | op | Bpf.K), -2 - jt, -2 - jf, k, Next));
        /// <summary>A conditional jump to labels (-1: the next instruction).</summary>
        public void JumpTo(ushort op, uint k, int jt, int jf) => _insns.Add(((ushort)(Bpf.JMP | op | Bpf.K), jt, jf, k, Next));

        public byte[] Assemble()
        {
            if (_insns.Count > SeccompAbi.MaxInsns) throw new FormatException($"the profile needs {_insns.Count} BPF instructions, over the kernel's {SeccompAbi.MaxInsns}");
            var b = new byte[_insns.Count * 8];
            for (int pc = 0; pc < _insns.Count; pc++)
            {
                var (code, jt, jf, k, target) = _insns[pc];
                if (target != Next) k = (uint)(_labels[target] - pc - 1);
                var span = b.AsSpan(pc * 8);
                BinaryPrimitives.WriteUInt16LittleEndian(span, code);
                span[2] = Offset(pc, jt);
                span[3] = Offset(pc, jf);
                BinaryPrimitives.WriteUInt32LittleEndian(span[4..], k);
            }
            return b;
        }

        byte Offset(int pc, int j)
        {
            if (j == Next) return 0;
            if (j <= -2) return (byte)(-2 - j); // literal
            int off = _labels[j] - pc - 1;
            if (off is < 0 or > 255) throw new InvalidOperationException($"BPF jump at {pc} out of range ({off})");
            return (byte)off;
        }
    }
}
