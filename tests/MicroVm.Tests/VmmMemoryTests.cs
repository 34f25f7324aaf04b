using Sandbox.MicroVm.Vm;

namespace Sandbox.MicroVm.Tests;

/// <summary>The VMM overhead --timing reports: everything resident but the guest-RAM memfd.</summary>
public sealed class VmmMemoryTests
{
    [Fact]
    public void OverheadIsAllButGuestRamAndKeepsItsParts()
    {
        string[] status = ["Name:\tsandbox-vmm", "VmHWM:\t   49980 kB", "VmRSS:\t   47524 kB", "RssAnon:\t     728 kB", "RssFile:\t    8992 kB", "RssShmem:\t   37804 kB", "Threads:\t6"];
        var m = VmmMemory.Parse(status);
        Assert.Equal(new VmmMemory(47524, 728, 8992, 37804), m);
        Assert.Equal(37804, m.GuestRamKiB);
        Assert.Equal(728 + 8992, m.OverheadKiB);
        Assert.Equal("RSS 46.4 MiB, of which guest RAM 36.9 MiB: VMM overhead 9.5 MiB (anon 0.7, file 8.8)", m.ToString());
    }

    [Fact]
    public void ThisProcessHasAResidentSetAndAGoneOneHasNone()
    {
        var self = VmmMemory.Of(0);
        Assert.True(self.RssKiB > 0 && self.AnonKiB > 0 && self.FileKiB > 0);
        Assert.InRange(self.AnonKiB + self.FileKiB + self.ShmemKiB, self.RssKiB - 1024, self.RssKiB + 1024);
        Assert.Equal(default, VmmMemory.Of(int.MaxValue));
    }
}
