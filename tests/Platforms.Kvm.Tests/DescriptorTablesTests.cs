using System.Buffers.Binary;
using Xunit;

namespace Sandbox.Platforms.Kvm.Tests;

public sealed class DescriptorTablesTests
{
    private static ulong Entry(byte[] t, int selector) => BinaryPrimitives.ReadUInt64LittleEndian(t.AsSpan(selector & ~7));

    private static (int Dpl, bool Code, bool Long, bool Present, bool Db) Decode(ulong d) =>
        ((int)(d >> 45) & 3, (d >> 43 & 1) != 0, (d >> 53 & 1) != 0, (d >> 47 & 1) != 0, (d >> 54 & 1) != 0);

    [Fact]
    public void GdtHasLinuxSelectorsAndTheTss()
    {
        var gdt = new byte[GuestLayout.GdtEntries * 8];
        const ulong tss = 0xffff_ff80_0000_5080;
        DescriptorTables.WriteGdt(gdt, tss);
        Assert.Equal((0, true, true, true, false), Decode(Entry(gdt, GuestLayout.KernelCs)));
        Assert.Equal((0, false, false, true, true), Decode(Entry(gdt, GuestLayout.KernelDs)));
        Assert.Equal((3, true, true, true, false), Decode(Entry(gdt, GuestLayout.UserCs)));
        Assert.Equal((3, false, false, true, true), Decode(Entry(gdt, GuestLayout.UserDs)));
        Assert.Equal((3, true, false, true, true), Decode(Entry(gdt, GuestLayout.User32Cs)));
        Assert.Equal(0UL, Entry(gdt, 0));
        // sysretq derives CS/SS from STAR[63:48]; syscall from STAR[47:32] (SDM vol. 2, SYSCALL/SYSRET).
        Assert.Equal(GuestLayout.UserCs, (ushort)(((GuestLayout.Star >> 48) + 16) | 3));
        Assert.Equal(GuestLayout.UserDs, (ushort)(((GuestLayout.Star >> 48) + 8) | 3));
        Assert.Equal(GuestLayout.KernelCs, (ushort)((GuestLayout.Star >> 32) & 0xffff));
        Assert.Equal(GuestLayout.KernelDs, (ushort)(((GuestLayout.Star >> 32) & 0xffff) + 8));
        // The TSS descriptor: limit 103, type 9 (available 64-bit TSS), present, base split in four.
        ulong lo = Entry(gdt, GuestLayout.TssSel), hi = Entry(gdt, GuestLayout.TssSel + 8);
        Assert.Equal(103UL, lo & 0xffff);
        Assert.Equal(0x89UL, lo >> 40 & 0xff);
        ulong b = (lo >> 16 & 0xff_ffff) | (lo >> 56 << 24) | (hi << 32);
        Assert.Equal(tss, b);
    }

    [Fact]
    public void TssPointsRsp0AndIst1AtTheStackAndHasNoIoBitmap()
    {
        var tss = new byte[GuestLayout.TssSize];
        DescriptorTables.WriteTss(tss, 0xffff_ff80_0000_6000);
        Assert.Equal(0xffff_ff80_0000_6000UL, BinaryPrimitives.ReadUInt64LittleEndian(tss.AsSpan(4)));
        Assert.Equal(0xffff_ff80_0000_6000UL, BinaryPrimitives.ReadUInt64LittleEndian(tss.AsSpan(36)));
        Assert.Equal(104, BinaryPrimitives.ReadUInt16LittleEndian(tss.AsSpan(102)));
    }

    [Fact]
    public void IdtGatesReachTheStubsOnIst1()
    {
        var idt = new byte[4096];
        const ulong code = 0xffff_ff80_0000_1000;
        DescriptorTables.WriteIdt(idt, code);
        for (int v = 0; v < 256; v++)
        {
            ulong lo = BinaryPrimitives.ReadUInt64LittleEndian(idt.AsSpan(v * 16)), hi = BinaryPrimitives.ReadUInt64LittleEndian(idt.AsSpan(v * 16 + 8));
            if (v >= EntryCode.Vectors) { Assert.Equal(0UL, lo | hi); continue; }
            ulong target = (lo & 0xffff) | (lo >> 48 << 16) | (hi << 32);
            Assert.Equal(code + (ulong)EntryCode.VectorStub(v), target);
            Assert.Equal(GuestLayout.KernelCs, (ushort)(lo >> 16));
            Assert.Equal(1UL, lo >> 32 & 7);                      // IST1
            Assert.Equal(0xeUL, lo >> 40 & 0xf);                  // 64-bit interrupt gate
            Assert.Equal(1UL, lo >> 47 & 1);                      // present
            Assert.Equal(v is 3 or 4 ? 3UL : 0UL, lo >> 45 & 3);  // int3/into usable from ring 3
        }
    }
}
