using Sandbox.Linux;
using Sandbox.Linux.Seccomp;
using SeccompAbi = Sandbox.Linux.Abi.Seccomp;

namespace Sandbox.Sentry.Kernel.Seccomp;

/// <summary>
/// A seccomp profile as container runtimes write it (OCI or docker format, parsed by
/// <see cref="SeccompProfileRules"/>), evaluated directly rather than compiled to BPF: one table
/// lookup by syscall number.
/// </summary>
public sealed class SeccompProfile : ISeccompRules
{
    private readonly SeccompRule[]?[] _rules = new SeccompRule[]?[Linux.SyscallTable.Count];
    private readonly uint _default;
    private readonly int _length;

    public int Length => _length;

    private SeccompProfile(SeccompProfileRules parsed)
    {
        _default = parsed.Default;
        foreach (var group in parsed.Rules.GroupBy(r => r.Nr))
            _rules[group.Key] = group.Select(r => r.Rule).ToArray();
        _length = parsed.Rules.Count + 1;
    }

    /// <summary>
    /// Parses a profile (<see cref="SeccompProfileRules"/>). <paramref name="capabilities"/> (the
    /// first process's bounding set) decides docker's capability-conditioned entries. Throws
    /// FormatException with the reason.
    /// </summary>
    public static SeccompProfile Parse(string json, ulong capabilities) => new(SeccompProfileRules.Parse(json, capabilities, "the Sentry"));

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
    private static bool Matches(SeccompArgCheck[] checks, ReadOnlySpan<ulong> data)
    {
        foreach (var c in checks)
        {
            ulong arg = data[2 + c.Index];
            bool ok = c.Op switch
            {
                SeccompCmpOp.Ne => arg != c.Value,
                SeccompCmpOp.Lt => arg < c.Value,
                SeccompCmpOp.Le => arg <= c.Value,
                SeccompCmpOp.Eq => arg == c.Value,
                SeccompCmpOp.Ge => arg >= c.Value,
                SeccompCmpOp.Gt => arg > c.Value,
                _ => (arg & c.Value) == c.ValueTwo,
            };
            if (!ok) return false;
        }
        return true;
    }
}
