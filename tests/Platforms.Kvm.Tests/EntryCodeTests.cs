using Iced.Intel;
using Xunit;

namespace Sandbox.Platforms.Kvm.Tests;

/// <summary>The ring-0 code decoded with Iced, instruction by instruction.</summary>
public sealed class EntryCodeTests
{
    private const ulong Base = 0xffff_ff80_0000_1000;
    private static readonly byte[] Code = EntryCode.Build();

    private static List<string> Disassemble(int offset, int count)
    {
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(Code, offset, Code.Length - offset));
        decoder.IP = Base + (ulong)offset;
        var formatter = new IntelFormatter();
        formatter.Options.HexPrefix = "0x";
        formatter.Options.HexSuffix = "";
        formatter.Options.UppercaseHex = false;
        var output = new StringOutput();
        var list = new List<string>();
        for (int i = 0; i < count; i++)
        {
            decoder.Decode(out var instr);
            Assert.False(instr.IsInvalid, $"invalid instruction at +0x{instr.IP - Base:x}");
            formatter.Format(instr, output);
            list.Add(output.ToStringAndReset());
        }
        return list;
    }

    [Fact]
    public void SyscallEntryLeavesTheGuestAtOnce() =>
        Assert.Equal(new[] { $"out 0x{EntryCode.SyscallPort:x},al", "ud2" }, Disassemble(EntryCode.SyscallEntry, 2));

    [Fact]
    public void ResumeStubs()
    {
        Assert.Equal(new[] { "sysretq" }, Disassemble(EntryCode.Sysret, 1));
        Assert.Equal(new[] { "pop rax", "iretq" }, Disassemble(EntryCode.Iret, 2));
        Assert.Equal(new[] { "mov rax,cr3", "mov cr3,rax", "pop rax", "iretq" }, Disassemble(EntryCode.FlushIret, 4));
    }

    [Fact]
    public void FaultExitSavesCr2WithoutChangingARegister() =>
        Assert.Equal(new[] { "push rax", "mov rax,cr2", "xchg [rsp],rax", $"out 0x{EntryCode.FaultPort:x},al", "ud2" },
            Disassemble(EntryCode.FaultCommon, 5));

    [Fact]
    public void EachVectorPushesAnErrorCodeSlotAndItsNumber()
    {
        string jmp = $"jmp 0x{Base + EntryCode.FaultCommon:x}";
        for (int v = 0; v < EntryCode.Vectors; v++)
        {
            var expected = new List<string>();
            if (!EntryCode.HasErrorCode(v)) expected.Add("push 0");
            expected.Add(v < 10 ? $"push {v}" : $"push 0x{v:x}");
            expected.Add(jmp);
            var got = Disassemble(EntryCode.VectorStub(v), expected.Count);
            Assert.Equal(expected, got);
            int len = (!EntryCode.HasErrorCode(v) ? 2 : 0) + 2 + 5;
            Assert.True(len <= EntryCode.VectorStubSize);
        }
    }

    [Fact]
    public void StubsDoNotOverlap()
    {
        Assert.True(EntryCode.SyscallEntry + 4 <= EntryCode.Sysret);
        Assert.True(EntryCode.Sysret + 3 <= EntryCode.Iret);
        Assert.True(EntryCode.Iret + 3 <= EntryCode.FlushIret);
        Assert.True(EntryCode.FlushIret + 9 <= EntryCode.FaultCommon);
        Assert.True(EntryCode.FaultCommon + 12 <= EntryCode.VectorStubs);
        Assert.True(EntryCode.VectorStub(EntryCode.Vectors) <= (int)GuestLayout.PageSize);
    }
}
