using System.Text.Json;
using Sandbox.Linux.Abi;
using SeccompAbi = Sandbox.Linux.Abi.Seccomp;

namespace Sandbox.Linux.Seccomp;

/// <summary>How a rule compares one syscall argument (libseccomp's SCMP_CMP_*: whole 64-bit values).</summary>
public enum SeccompCmpOp { Ne, Lt, Le, Eq, Ge, Gt, MaskedEq }

public readonly record struct SeccompArgCheck(int Index, SeccompCmpOp Op, ulong Value, ulong ValueTwo);

/// <summary>A rule for one syscall: when every argument check holds, the verdict (SECCOMP_RET_*).</summary>
public readonly record struct SeccompRule(SeccompArgCheck[] Args, uint Verdict);

/// <summary>
/// A seccomp profile as container runtimes write it, parsed: the OCI runtime-spec
/// `linux.seccomp` object (defaultAction, defaultErrnoRet, syscalls with names, action, errnoRet
/// and args; a whole config.json is taken by its linux.seccomp) or docker's format (the same,
/// plus `name`, and `includes`/`excludes` by capability and arch, decided here by the
/// capabilities given). Rules keep the profile's order; names of other architectures' calls are
/// skipped, as runc does. The Sentry evaluates the result directly, the MicroVm compiles it to BPF.
/// </summary>
public sealed record SeccompProfileRules(uint Default, IReadOnlyList<(int Nr, SeccompRule Rule)> Rules)
{
    /// <summary>Throws FormatException with the reason. <paramref name="enforcer"/> names who
    /// would enforce it, for the refusal of SCMP_ACT_NOTIFY.</summary>
    public static SeccompProfileRules Parse(string json, ulong capabilities, string enforcer)
    {
        // A value of the wrong JSON kind (a number where a string belongs ...) is a bad profile too.
        try { return ParseDocument(json, capabilities, enforcer); }
        catch (InvalidOperationException e) { throw new FormatException(e.Message); }
    }

    private static SeccompProfileRules ParseDocument(string json, ulong capabilities, string enforcer)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new FormatException($"not JSON: {e.Message}"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException("the profile is not a JSON object");
            if (root.TryGetProperty("linux", out var linux) && linux.ValueKind == JsonValueKind.Object && linux.TryGetProperty("seccomp", out var inner))
                root = inner;
            if (!root.TryGetProperty("defaultAction", out var defAction) || defAction.ValueKind != JsonValueKind.String)
                throw new FormatException("no defaultAction");
            uint defaultErrno = root.TryGetProperty("defaultErrnoRet", out var der) && der.ValueKind == JsonValueKind.Number ? der.GetUInt32() : (uint)Errno.EPERM;
            uint def = Verdict(defAction.GetString()!, defaultErrno, enforcer);
            if (root.TryGetProperty("architectures", out var arches) && arches.ValueKind == JsonValueKind.Array && arches.GetArrayLength() > 0
                && !arches.EnumerateArray().Any(a => IsOurArch(a.GetString())))
                throw new FormatException("the profile lists no x86-64 architecture");
            var byName = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int nr = 0; nr < SyscallTable.Count; nr++) byName.TryAdd(SyscallTable.Name(nr), nr);
            var rules = new List<(int, SeccompRule)>();
            if (root.TryGetProperty("syscalls", out var syscalls) && syscalls.ValueKind == JsonValueKind.Array)
                foreach (var entry in syscalls.EnumerateArray())
                {
                    if (!Applies(entry, capabilities)) continue;
                    if (!entry.TryGetProperty("action", out var act) || act.ValueKind != JsonValueKind.String)
                        throw new FormatException("a syscalls entry has no action");
                    uint errnoRet = entry.TryGetProperty("errnoRet", out var er) && er.ValueKind == JsonValueKind.Number ? er.GetUInt32() : (uint)Errno.EPERM;
                    uint verdict = Verdict(act.GetString()!, errnoRet, enforcer);
                    var args = entry.TryGetProperty("args", out var a) && a.ValueKind == JsonValueKind.Array
                        ? a.EnumerateArray().Select(ParseArg).ToArray() : Array.Empty<SeccompArgCheck>();
                    var names = new List<string>();
                    if (entry.TryGetProperty("names", out var ns) && ns.ValueKind == JsonValueKind.Array)
                        names.AddRange(ns.EnumerateArray().Select(n => n.GetString() ?? ""));
                    if (entry.TryGetProperty("name", out var single) && single.ValueKind == JsonValueKind.String)
                        names.Add(single.GetString()!);
                    foreach (var name in names)
                        if (byName.TryGetValue(name, out int nr)) rules.Add((nr, new SeccompRule(args, verdict)));
                }
            return new SeccompProfileRules(def, rules);
        }
    }

    private static bool IsOurArch(string? a) => a is "SCMP_ARCH_X86_64" or "amd64" or "x86_64";

    /// <summary>docker's includes/excludes: by capabilities held and by arch; minKernel is taken as met.</summary>
    private static bool Applies(JsonElement entry, ulong caps)
    {
        bool HasCap(JsonElement c) => c.GetString() is { } n && Cap.Parse(n) is int cap && cap >= 0 && (caps & Cap.Bit(cap)) != 0;
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

    private static SeccompArgCheck ParseArg(JsonElement a)
    {
        int index = a.TryGetProperty("index", out var i) ? i.GetInt32() : -1;
        if (index is < 0 or > 5) throw new FormatException("an args entry's index must be 0 to 5");
        ulong value = a.TryGetProperty("value", out var v) ? v.GetUInt64() : 0;
        ulong two = a.TryGetProperty("valueTwo", out var v2) ? v2.GetUInt64() : 0;
        string name = a.TryGetProperty("op", out var o) ? o.GetString() ?? "" : "";
        SeccompCmpOp op = name switch
        {
            "SCMP_CMP_NE" => SeccompCmpOp.Ne, "SCMP_CMP_LT" => SeccompCmpOp.Lt, "SCMP_CMP_LE" => SeccompCmpOp.Le, "SCMP_CMP_EQ" => SeccompCmpOp.Eq,
            "SCMP_CMP_GE" => SeccompCmpOp.Ge, "SCMP_CMP_GT" => SeccompCmpOp.Gt, "SCMP_CMP_MASKED_EQ" => SeccompCmpOp.MaskedEq,
            _ => throw new FormatException($"unknown args op '{name}'"),
        };
        return new SeccompArgCheck(index, op, value, two);
    }

    private static uint Verdict(string action, uint errnoRet, string enforcer) => action switch
    {
        "SCMP_ACT_ALLOW" => SeccompAbi.RET_ALLOW,
        "SCMP_ACT_ERRNO" => SeccompAbi.RET_ERRNO | (errnoRet & SeccompAbi.RET_DATA),
        "SCMP_ACT_KILL" or "SCMP_ACT_KILL_THREAD" => SeccompAbi.RET_KILL_THREAD,
        "SCMP_ACT_KILL_PROCESS" => SeccompAbi.RET_KILL_PROCESS,
        "SCMP_ACT_TRAP" => SeccompAbi.RET_TRAP,
        "SCMP_ACT_TRACE" => SeccompAbi.RET_TRACE | (errnoRet & SeccompAbi.RET_DATA),
        "SCMP_ACT_LOG" => SeccompAbi.RET_LOG,
        "SCMP_ACT_NOTIFY" => throw new FormatException($"SCMP_ACT_NOTIFY needs a seccomp agent, which {enforcer} does not support"),
        _ => throw new FormatException($"unknown action '{action}'"),
    };
}
