using System.Buffers.Binary;
using System.Text.Json;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using SeccompAbi = Sandbox.Linux.Abi.Seccomp;

namespace Sandbox.MicroVm.Seccomp;

/// <summary>
/// Compiles a seccomp profile as container runtimes write it (the OCI runtime-spec
/// `linux.seccomp` object, or docker's format with `includes`/`excludes` by capability and
/// arch) into a classic-BPF program over struct seccomp_data for seccomp(2) in the MicroVm:
/// a wrong architecture gets the default action, then one `jeq` per syscall that has rules,
/// each jumping (`ja`, 32-bit offsets) to its rules in profile order; a rule's argument checks
/// compare whole 64-bit values as two 32-bit halves (libseccomp's meaning); the first rule
/// whose checks all hold decides, else the default action.
/// </summary>
public static class SeccompCompiler
{
    enum CmpOp { Ne, Lt, Le, Eq, Ge, Gt, MaskedEq }
    readonly record struct ArgCheck(int Index, CmpOp Op, ulong Value, ulong ValueTwo);
    readonly record struct Rule(ArgCheck[] Args, uint Verdict);

    /// <summary>The profile as a BPF program (struct sock_filter array, 8 bytes per instruction).
    /// <paramref name="capabilities"/> (the container's bounding set) decides docker's
    /// capability-conditioned entries. Throws FormatException with the reason.</summary>
    public static byte[] Compile(string json, ulong capabilities)
    {
        var (def, rules) = Parse(json, capabilities);
        return Emit(def, rules);
    }

    static (uint Default, List<(int Nr, Rule Rule)> Rules) Parse(string json, ulong capabilities)
    {
        try { return ParseDocument(json, capabilities); }
        catch (InvalidOperationException e) { throw new FormatException(e.Message); } // a value of the wrong JSON kind
    }

    static (uint, List<(int, Rule)>) ParseDocument(string json, ulong caps)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new FormatException($"not JSON: {e.Message}"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException("the profile is not a JSON object");
            if (root.TryGetProperty("linux", out var linux) && linux.ValueKind == JsonValueKind.Object && linux.TryGetProperty("seccomp", out var inner))
                root = inner; // a whole OCI config.json
            if (!root.TryGetProperty("defaultAction", out var defAction) || defAction.ValueKind != JsonValueKind.String)
                throw new FormatException("no defaultAction");
            uint def = Verdict(defAction.GetString()!, ErrnoRet(root));
            if (root.TryGetProperty("architectures", out var arches) && arches.ValueKind == JsonValueKind.Array && arches.GetArrayLength() > 0
                && !arches.EnumerateArray().Any(a => IsOurArch(a.GetString())))
                throw new FormatException("the profile lists no x86-64 architecture");
            var byName = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int nr = 0; nr < SyscallTable.Count; nr++) byName.TryAdd(SyscallTable.Name(nr), nr);
            var rules = new List<(int, Rule)>();
            if (root.TryGetProperty("syscalls", out var syscalls) && syscalls.ValueKind == JsonValueKind.Array)
                foreach (var entry in syscalls.EnumerateArray())
                {
                    if (!Applies(entry, caps)) continue;
                    if (!entry.TryGetProperty("action", out var act) || act.ValueKind != JsonValueKind.String)
                        throw new FormatException("a syscalls entry has no action");
                    uint verdict = Verdict(act.GetString()!, entry.TryGetProperty("errnoRet", out var er) && er.ValueKind == JsonValueKind.Number ? er.GetUInt32() : (uint)Errno.EPERM);
                    var args = entry.TryGetProperty("args", out var a) && a.ValueKind == JsonValueKind.Array
                        ? a.EnumerateArray().Select(ParseArg).ToArray() : [];
                    var names = new List<string>();
                    if (entry.TryGetProperty("names", out var ns) && ns.ValueKind == JsonValueKind.Array)
                        names.AddRange(ns.EnumerateArray().Select(n => n.GetString() ?? ""));
                    if (entry.TryGetProperty("name", out var one) && one.ValueKind == JsonValueKind.String) names.Add(one.GetString()!);
                    // names of other architectures' calls are skipped, as runc does
                    foreach (var name in names)
                        if (byName.TryGetValue(name, out int nr)) rules.Add((nr, new Rule(args, verdict)));
                }
            return (def, rules);
        }
    }

    static uint ErrnoRet(JsonElement root) =>
        root.TryGetProperty("defaultErrnoRet", out var der) && der.ValueKind == JsonValueKind.Number ? der.GetUInt32() : (uint)Errno.EPERM;

    static bool IsOurArch(string? a) => a is "SCMP_ARCH_X86_64" or "amd64" or "x86_64";

    static bool Applies(JsonElement entry, ulong caps)
    {
        bool Held(JsonElement c) => c.GetString() is { } n && Cap.Parse(n) is >= 0 and var cap && (caps & Cap.Bit(cap)) != 0;
        if (entry.TryGetProperty("includes", out var inc) && inc.ValueKind == JsonValueKind.Object)
        {
            if (inc.TryGetProperty("caps", out var c) && c.ValueKind == JsonValueKind.Array && !c.EnumerateArray().All(Held)) return false;
            if (inc.TryGetProperty("arches", out var ar) && ar.ValueKind == JsonValueKind.Array && !ar.EnumerateArray().Any(x => IsOurArch(x.GetString()))) return false;
        }
        if (entry.TryGetProperty("excludes", out var exc) && exc.ValueKind == JsonValueKind.Object)
        {
            if (exc.TryGetProperty("caps", out var c) && c.ValueKind == JsonValueKind.Array && c.EnumerateArray().Any(Held)) return false;
            if (exc.TryGetProperty("arches", out var ar) && ar.ValueKind == JsonValueKind.Array && ar.EnumerateArray().Any(x => IsOurArch(x.GetString()))) return false;
        }
        return true;
    }

    static ArgCheck ParseArg(JsonElement a)
    {
        int index = a.TryGetProperty("index", out var i) ? i.GetInt32() : -1;
        if (index is < 0 or > 5) throw new FormatException("an args entry's index must be 0 to 5");
        ulong value = a.TryGetProperty("value", out var v) ? v.GetUInt64() : 0;
        ulong two = a.TryGetProperty("valueTwo", out var v2) ? v2.GetUInt64() : 0;
        string op = a.TryGetProperty("op", out var o) ? o.GetString() ?? "" : "";
        return new ArgCheck(index, op switch
        {
            "SCMP_CMP_NE" => CmpOp.Ne, "SCMP_CMP_LT" => CmpOp.Lt, "SCMP_CMP_LE" => CmpOp.Le, "SCMP_CMP_EQ" => CmpOp.Eq,
            "SCMP_CMP_GE" => CmpOp.Ge, "SCMP_CMP_GT" => CmpOp.Gt, "SCMP_CMP_MASKED_EQ" => CmpOp.MaskedEq,
            _ => throw new FormatException($"unknown args op '{op}'"),
        }, value, two);
    }

    static uint Verdict(string action, uint errnoRet) => action switch
    {
        "SCMP_ACT_ALLOW" => SeccompAbi.RET_ALLOW,
        "SCMP_ACT_ERRNO" => SeccompAbi.RET_ERRNO | (errnoRet & SeccompAbi.RET_DATA),
        "SCMP_ACT_KILL" or "SCMP_ACT_KILL_THREAD" => SeccompAbi.RET_KILL_THREAD,
        "SCMP_ACT_KILL_PROCESS" => SeccompAbi.RET_KILL_PROCESS,
        "SCMP_ACT_TRAP" => SeccompAbi.RET_TRAP,
        "SCMP_ACT_TRACE" => SeccompAbi.RET_TRACE | (errnoRet & SeccompAbi.RET_DATA),
        "SCMP_ACT_LOG" => SeccompAbi.RET_LOG,
        "SCMP_ACT_NOTIFY" => throw new FormatException("SCMP_ACT_NOTIFY needs a seccomp agent, which the MicroVm does not have"),
        _ => throw new FormatException($"unknown action '{action}'"),
    };

    // seccomp_data offsets: nr at 0, arch at 4, args[i] at 16 + 8 i (low word first: little-endian).
    const uint NrOffset = 0, ArchOffset = 4;
    static uint ArgLow(int i) => 16 + 8 * (uint)i;
    static uint ArgHigh(int i) => 20 + 8 * (uint)i;

    static byte[] Emit(uint def, List<(int Nr, Rule Rule)> rules)
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
    static void EmitCheck(Assembler asm, ArgCheck c, int fail)
    {
        uint hi = (uint)(c.Value >> 32), lo = (uint)c.Value;
        var ok = asm.NewLabel();
        switch (c.Op)
        {
            case CmpOp.Eq:
                asm.Load(ArgHigh(c.Index)); asm.JumpTo(Bpf.JEQ, hi, -1, fail);
                asm.Load(ArgLow(c.Index)); asm.JumpTo(Bpf.JEQ, lo, -1, fail);
                break;
            case CmpOp.Ne:
                asm.Load(ArgHigh(c.Index)); asm.JumpTo(Bpf.JEQ, hi, -1, ok);
                asm.Load(ArgLow(c.Index)); asm.JumpTo(Bpf.JEQ, lo, fail, ok);
                break;
            case CmpOp.MaskedEq:
                {
                    uint mhi = (uint)(c.Value >> 32), mlo = (uint)c.Value;
                    asm.Load(ArgHigh(c.Index)); asm.And(mhi); asm.JumpTo(Bpf.JEQ, (uint)(c.ValueTwo >> 32), -1, fail);
                    asm.Load(ArgLow(c.Index)); asm.And(mlo); asm.JumpTo(Bpf.JEQ, (uint)c.ValueTwo, -1, fail);
                    break;
                }
            // Ordered comparisons: the high words decide unless equal, then the low words.
            case CmpOp.Gt or CmpOp.Ge:
                asm.Load(ArgHigh(c.Index)); asm.JumpTo(Bpf.JGT, hi, ok, -1); asm.JumpTo(Bpf.JEQ, hi, -1, fail);
                asm.Load(ArgLow(c.Index)); asm.JumpTo(c.Op == CmpOp.Gt ? Bpf.JGT : Bpf.JGE, lo, ok, fail);
                break;
            case CmpOp.Lt or CmpOp.Le: // not Ge, not Gt
                asm.Load(ArgHigh(c.Index)); asm.JumpTo(Bpf.JGT, hi, fail, -1); asm.JumpTo(Bpf.JEQ, hi, -1, ok);
                asm.Load(ArgLow(c.Index)); asm.JumpTo(c.Op == CmpOp.Lt ? Bpf.JGE : Bpf.JGT, lo, fail, ok);
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
