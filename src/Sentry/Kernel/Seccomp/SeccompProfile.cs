using System.Text.Json;
using Sandbox.Linux;
using SeccompAbi = Sandbox.Linux.Abi.Seccomp;

namespace Sandbox.Sentry.Kernel.Seccomp;

/// <summary>
/// A seccomp profile as container runtimes write it: the OCI runtime-spec `linux.seccomp` object
/// (defaultAction, defaultErrnoRet, syscalls with names, action, errnoRet and args) or docker's
/// profile format (the same, plus `name`, and `includes`/`excludes` by capability and arch).
/// It is evaluated directly rather than compiled to BPF: one table lookup by syscall number.
/// </summary>
public sealed class SeccompProfile : ISeccompRules
{
    private enum CmpOp { Ne, Lt, Le, Eq, Ge, Gt, MaskedEq }
    private readonly record struct ArgCheck(int Index, CmpOp Op, ulong Value, ulong ValueTwo);
    private readonly record struct Rule(ArgCheck[] Args, uint Verdict);

    private readonly Rule[]?[] _rules = new Rule[]?[Linux.SyscallTable.Count];
    private readonly uint _default;
    private readonly int _length;

    public int Length => _length;

    private SeccompProfile(uint defaultVerdict, List<(int Nr, Rule Rule)> rules)
    {
        _default = defaultVerdict;
        foreach (var group in rules.GroupBy(r => r.Nr))
            _rules[group.Key] = group.Select(r => r.Rule).ToArray();
        _length = rules.Count + 1;
    }

    /// <summary>
    /// Parses a profile. <paramref name="capabilities"/> (the first process's bounding set)
    /// decides docker's capability-conditioned entries. Throws FormatException with the reason.
    /// </summary>
    public static SeccompProfile Parse(string json, ulong capabilities)
    {
        // A value of the wrong JSON kind (a number where a string belongs ...) is a bad profile too.
        try { return ParseDocument(json, capabilities); }
        catch (InvalidOperationException e) { throw new FormatException(e.Message); }
    }

    private static SeccompProfile ParseDocument(string json, ulong capabilities)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new FormatException($"not JSON: {e.Message}"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException("the profile is not a JSON object");
            // An OCI config.json handed over whole: take its linux.seccomp.
            if (root.TryGetProperty("linux", out var linux) && linux.TryGetProperty("seccomp", out var inner)) root = inner;
            if (!root.TryGetProperty("defaultAction", out var defAction) || defAction.ValueKind != JsonValueKind.String)
                throw new FormatException("no defaultAction");
            uint defaultErrno = root.TryGetProperty("defaultErrnoRet", out var der) && der.ValueKind == JsonValueKind.Number ? der.GetUInt32() : (uint)Errno.EPERM;
            uint def = Verdict(defAction.GetString()!, defaultErrno);
            if (root.TryGetProperty("architectures", out var arches) && arches.ValueKind == JsonValueKind.Array && arches.GetArrayLength() > 0
                && !arches.EnumerateArray().Any(a => IsOurArch(a.GetString())))
                throw new FormatException("the profile lists no x86-64 architecture");
            var byName = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int nr = 0; nr < Linux.SyscallTable.Count; nr++) byName.TryAdd(Linux.SyscallTable.Name(nr), nr);
            var rules = new List<(int, Rule)>();
            if (root.TryGetProperty("syscalls", out var syscalls) && syscalls.ValueKind == JsonValueKind.Array)
                foreach (var entry in syscalls.EnumerateArray())
                {
                    if (!Applies(entry, capabilities)) continue;
                    if (!entry.TryGetProperty("action", out var act) || act.ValueKind != JsonValueKind.String)
                        throw new FormatException("a syscalls entry has no action");
                    uint errnoRet = entry.TryGetProperty("errnoRet", out var er) && er.ValueKind == JsonValueKind.Number ? er.GetUInt32() : (uint)Errno.EPERM;
                    uint verdict = Verdict(act.GetString()!, errnoRet);
                    var args = entry.TryGetProperty("args", out var a) && a.ValueKind == JsonValueKind.Array
                        ? a.EnumerateArray().Select(ParseArg).ToArray() : Array.Empty<ArgCheck>();
                    var names = new List<string>();
                    if (entry.TryGetProperty("names", out var ns) && ns.ValueKind == JsonValueKind.Array)
                        names.AddRange(ns.EnumerateArray().Select(n => n.GetString() ?? ""));
                    if (entry.TryGetProperty("name", out var single) && single.ValueKind == JsonValueKind.String)
                        names.Add(single.GetString()!);
                    // Names of other architectures' calls (arm_fadvise64_64 ...) are skipped, as runc does.
                    foreach (var name in names)
                        if (byName.TryGetValue(name, out int nr)) rules.Add((nr, new Rule(args, verdict)));
                }
            return new SeccompProfile(def, rules);
        }
    }

    private static bool IsOurArch(string? a) => a is "SCMP_ARCH_X86_64" or "amd64" or "x86_64";

    /// <summary>docker's includes/excludes: by capabilities held and by arch; minKernel is taken as met.</summary>
    private static bool Applies(JsonElement entry, ulong caps)
    {
        bool HasCap(JsonElement c) => c.GetString() is { } n && Linux.Abi.Cap.Parse(n) is int cap && cap >= 0 && (caps & Linux.Abi.Cap.Bit(cap)) != 0;
        if (entry.TryGetProperty("includes", out var inc) && inc.ValueKind == JsonValueKind.Object)
        {
            if (inc.TryGetProperty("caps", out var c) && c.ValueKind == JsonValueKind.Array && !c.EnumerateArray().All(HasCap)) return false;
            if (inc.TryGetProperty("arches", out var ar) && ar.ValueKind == JsonValueKind.Array && !ar.EnumerateArray().Any(x => IsOurArch(x.GetString()))) return false;
        }
        if (entry.TryGetProperty("excludes", out var exc) && exc.ValueKind == JsonValueKind.Object)
        {
            if (exc.TryGetProperty("caps", out var c) && c.ValueKind == JsonValueKind.Array && c.EnumerateArray().Any(HasCap)) return false;
            if (exc.TryGetProperty("arches", out var ar) && ar.ValueKind == JsonValueKind.Array && ar.EnumerateArray().Any(x => IsOurArch(x.GetString()))) return false;
        }
        return true;
    }

    private static ArgCheck ParseArg(JsonElement a)
    {
        int index = a.TryGetProperty("index", out var i) ? i.GetInt32() : -1;
        if (index is < 0 or > 5) throw new FormatException("an args entry's index must be 0 to 5");
        ulong value = a.TryGetProperty("value", out var v) ? v.GetUInt64() : 0;
        ulong two = a.TryGetProperty("valueTwo", out var v2) ? v2.GetUInt64() : 0;
        string name = a.TryGetProperty("op", out var o) ? o.GetString() ?? "" : "";
        CmpOp op = name switch
        {
            "SCMP_CMP_NE" => CmpOp.Ne, "SCMP_CMP_LT" => CmpOp.Lt, "SCMP_CMP_LE" => CmpOp.Le, "SCMP_CMP_EQ" => CmpOp.Eq,
            "SCMP_CMP_GE" => CmpOp.Ge, "SCMP_CMP_GT" => CmpOp.Gt, "SCMP_CMP_MASKED_EQ" => CmpOp.MaskedEq,
            _ => throw new FormatException($"unknown args op '{name}'"),
        };
        return new ArgCheck(index, op, value, two);
    }

    private static uint Verdict(string action, uint errnoRet) => action switch
    {
        "SCMP_ACT_ALLOW" => SeccompAbi.RET_ALLOW,
        "SCMP_ACT_ERRNO" => SeccompAbi.RET_ERRNO | (errnoRet & SeccompAbi.RET_DATA),
        "SCMP_ACT_KILL" or "SCMP_ACT_KILL_THREAD" => SeccompAbi.RET_KILL_THREAD,
        "SCMP_ACT_KILL_PROCESS" => SeccompAbi.RET_KILL_PROCESS,
        "SCMP_ACT_TRAP" => SeccompAbi.RET_TRAP,
        "SCMP_ACT_TRACE" => SeccompAbi.RET_TRACE | (errnoRet & SeccompAbi.RET_DATA),
        "SCMP_ACT_LOG" => SeccompAbi.RET_LOG,
        "SCMP_ACT_NOTIFY" => throw new FormatException("SCMP_ACT_NOTIFY needs a seccomp agent, which the Sentry does not support"),
        _ => throw new FormatException($"unknown action '{action}'"),
    };

    public uint Run(ReadOnlySpan<ulong> data)
    {
        uint nr = (uint)data[0];
        if ((uint)(data[0] >> 32) != SeccompAbi.AUDIT_ARCH_X86_64 || nr >= (uint)_rules.Length) return _default;
        var rules = _rules[nr];
        if (rules == null) return _default;
        foreach (var rule in rules)
            if (Matches(rule.Args, data)) return rule.Verdict;
        return _default;
    }

    /// <summary>All of a rule's argument checks hold (libseccomp compares whole 64-bit arguments).</summary>
    private static bool Matches(ArgCheck[] checks, ReadOnlySpan<ulong> data)
    {
        foreach (var c in checks)
        {
            ulong arg = data[2 + c.Index];
            bool ok = c.Op switch
            {
                CmpOp.Ne => arg != c.Value,
                CmpOp.Lt => arg < c.Value,
                CmpOp.Le => arg <= c.Value,
                CmpOp.Eq => arg == c.Value,
                CmpOp.Ge => arg >= c.Value,
                CmpOp.Gt => arg > c.Value,
                _ => (arg & c.Value) == c.ValueTwo,
            };
            if (!ok) return false;
        }
        return true;
    }
}
