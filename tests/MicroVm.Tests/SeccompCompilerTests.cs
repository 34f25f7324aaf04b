using System.Buffers.Binary;
using Sandbox.MicroVm.Seccomp;
using Sandbox.Sentry.Kernel.Seccomp;
using SeccompAbi = Sandbox.Linux.Abi.Seccomp;

namespace Sandbox.MicroVm.Tests;

/// <summary>The profile-to-BPF compiler against the Sentry's seccomp: every compiled program
/// passes the Sentry's copy of the kernel's checks (SeccompProgram.Create), and running it
/// gives the verdict the Sentry's direct evaluation of the same profile gives
/// (SeccompProfile.Run), for the syscalls the profile names, around every constant it
/// compares with, and for random data.</summary>
public class SeccompCompilerTests
{
    const ulong DefaultCaps = 0xa80425fb;

    const string Comparisons = """
        {
          "defaultAction": "SCMP_ACT_ALLOW",
          "syscalls": [
            { "names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5, "args": [ { "index": 0, "value": 7, "op": "SCMP_CMP_EQ" } ] },
            { "names": ["write"], "action": "SCMP_ACT_ERRNO", "args": [ { "index": 1, "value": 4294967296, "op": "SCMP_CMP_NE" } ] },
            { "names": ["openat"], "action": "SCMP_ACT_KILL_PROCESS", "args": [ { "index": 2, "value": 4294967301, "op": "SCMP_CMP_GT" } ] },
            { "names": ["close"], "action": "SCMP_ACT_TRAP", "args": [ { "index": 0, "value": 100, "op": "SCMP_CMP_GE" }, { "index": 0, "value": 200, "op": "SCMP_CMP_LT" } ] },
            { "names": ["mmap"], "action": "SCMP_ACT_LOG", "args": [ { "index": 3, "value": 18446744069414584320, "op": "SCMP_CMP_LE" } ] },
            { "names": ["ioctl"], "action": "SCMP_ACT_ERRNO", "errnoRet": 25, "args": [ { "index": 1, "value": 4294967295, "valueTwo": 21505, "op": "SCMP_CMP_MASKED_EQ" } ] },
            { "names": ["ioctl"], "action": "SCMP_ACT_KILL" },
            { "names": ["sethostname", "setdomainname", "arm_fadvise64_64"], "action": "SCMP_ACT_ERRNO" },
            { "names": ["clone3"], "action": "SCMP_ACT_TRACE", "errnoRet": 38 }
          ]
        }
        """;

    const string AllowList = """
        { "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
          "syscalls": [ { "names": ["read", "write", "exit_group", "execve", "brk"], "action": "SCMP_ACT_ALLOW" } ] }
        """;

    public static TheoryData<string, ulong> Profiles() => new()
    {
        { Comparisons, DefaultCaps },
        { AllowList, DefaultCaps },
        { RuntimeDefaultProfile.Json, DefaultCaps },
        { RuntimeDefaultProfile.Json, ulong.MaxValue },
        { RuntimeDefaultProfile.Json, 0 },
        { """{ "defaultAction": "SCMP_ACT_KILL_PROCESS" }""", 0 },
    };

    static BpfInsn[] Decode(byte[] prog)
    {
        Assert.Equal(0, prog.Length % 8);
        var insns = new BpfInsn[prog.Length / 8];
        for (int i = 0; i < insns.Length; i++)
        {
            var s = prog.AsSpan(i * 8);
            insns[i] = new BpfInsn(BinaryPrimitives.ReadUInt16LittleEndian(s), s[2], s[3], BinaryPrimitives.ReadUInt32LittleEndian(s[4..]));
        }
        return insns;
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void CompiledProgramAgreesWithTheSentrysEvaluation(string json, ulong caps)
    {
        var program = SeccompProgram.Create(Decode(SeccompCompiler.Compile(json, caps)));
        Assert.NotNull(program); // the kernel would accept it
        var profile = SeccompProfile.Parse(json, caps);

        // Interesting argument values: every constant of the profile, its neighbours, its halves.
        var values = new HashSet<ulong> { 0, 1, 0xffffffff, 0x100000000, ulong.MaxValue, 0xffffffff00000000 };
        foreach (var m in System.Text.RegularExpressions.Regex.Matches(json, @"\d+").Cast<System.Text.RegularExpressions.Match>())
            if (ulong.TryParse(m.Value, out var v))
                foreach (var w in new[] { v, v - 1, v + 1, v & 0xffffffff, v >> 32 << 32, (v & 0xffffffff) | 0x100000000 }) values.Add(w);
        var vals = values.ToArray();
        var rng = new Random(7);
        Span<ulong> data = stackalloc ulong[8];
        int checkedCount = 0;
        for (int nr = 0; nr < 470; nr++)
            for (int round = 0; round < 40; round++)
            {
                data[0] = (uint)nr | (ulong)SeccompAbi.AUDIT_ARCH_X86_64 << 32;
                data[1] = (ulong)rng.NextInt64();
                for (int a = 0; a < 6; a++) data[2 + a] = rng.Next(3) == 0 ? (ulong)rng.NextInt64() : vals[rng.Next(vals.Length)];
                Assert.Equal(profile.Run(data), program!.Run(data));
                checkedCount++;
            }
        // another architecture (i386) and an x32 number get the default
        data[0] = 1UL | 0x40000003UL << 32;
        Assert.Equal(profile.Run(data), program!.Run(data));
        data[0] = 0x40000001UL | (ulong)SeccompAbi.AUDIT_ARCH_X86_64 << 32;
        Assert.Equal(profile.Run(data), program.Run(data));
        Assert.True(checkedCount > 10000);
    }

    [Fact]
    public void RuntimeDefaultTurnsOnCapabilities()
    {
        // without CAP_SYS_ADMIN mount is refused; with it the profile lets it through
        Span<ulong> mount = stackalloc ulong[8];
        mount[0] = 165 | (ulong)SeccompAbi.AUDIT_ARCH_X86_64 << 32;
        var without = SeccompProgram.Create(Decode(SeccompCompiler.Compile(RuntimeDefaultProfile.Json, DefaultCaps)))!;
        var with = SeccompProgram.Create(Decode(SeccompCompiler.Compile(RuntimeDefaultProfile.Json, DefaultCaps | 1UL << 21)))!;
        Assert.Equal(SeccompAbi.RET_ERRNO | 1, without.Run(mount));
        Assert.Equal(SeccompAbi.RET_ALLOW, with.Run(mount));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{ "syscalls": [] }""")]
    [InlineData("""{ "defaultAction": "SCMP_ACT_NOPE" }""")]
    [InlineData("""{ "defaultAction": "SCMP_ACT_NOTIFY" }""")]
    [InlineData("""{ "defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_AARCH64"] }""")]
    [InlineData("""{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["read"] } ] }""")]
    [InlineData("""{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [ { "index": 6, "value": 1, "op": "SCMP_CMP_EQ" } ] } ] }""")]
    [InlineData("""{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [ { "index": 0, "value": 1, "op": "SCMP_CMP_XX" } ] } ] }""")]
    [InlineData("""{ "defaultAction": 3 }""")]
    [InlineData("""{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [ { "index": "x" } ] } ] }""")]
    public void BadProfilesAreRefusedWithAReason(string json)
    {
        var e = Assert.Throws<FormatException>(() => SeccompCompiler.Compile(json, DefaultCaps));
        Assert.False(string.IsNullOrEmpty(e.Message));
    }

    [Fact]
    public void AProfileTooLargeForTheKernelIsRefused()
    {
        // 400 syscalls × 6 argument checks each: far over 4096 instructions
        var names = string.Join(",", Enumerable.Range(0, 400).Select(n => $"\"{Sandbox.Linux.SyscallTable.Name(n)}\""));
        var args = string.Join(",", Enumerable.Range(0, 6).Select(i => $$"""{ "index": {{i}}, "value": 1, "op": "SCMP_CMP_GT" }"""));
        var json = $$"""{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": [{{names}}], "action": "SCMP_ACT_ERRNO", "args": [{{args}}] } ] }""";
        Assert.Throws<FormatException>(() => SeccompCompiler.Compile(json, DefaultCaps));
    }
}
