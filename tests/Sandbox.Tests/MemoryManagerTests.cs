using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Memory;
using Xunit;

namespace Sandbox.Tests;

/// <summary>The Sentry's VMA bookkeeping and copy-in/out, without a platform.</summary>
public class MemoryManagerTests : IDisposable
{
    private readonly MemoryFile _file = new();
    private readonly MemoryManager _mm;

    public MemoryManagerTests() { _mm = new MemoryManager(_file); }

    public void Dispose() { _mm.Dispose(); _file.Dispose(); }

    [Fact]
    public void MapCopyAndFault()
    {
        long a = _mm.Map(0, 3 * Layout.PageSize, Prot.READ | Prot.WRITE, MemoryManager.Placement.Hint, false);
        Assert.True(a > 0);
        Assert.Equal(0, _mm.CopyOut((ulong)a + 4090, "hello world"u8));
        var buf = new byte[11];
        Assert.Equal(0, _mm.CopyIn((ulong)a + 4090, buf));
        Assert.Equal("hello world"u8.ToArray(), buf);
        Assert.Equal(-(int)Errno.EFAULT, _mm.CopyIn((ulong)a + 3 * Layout.PageSize - 4, buf));
        Assert.Equal(-(int)Errno.EFAULT, _mm.CopyOut(8, "x"u8));
    }

    [Fact]
    public void ProtectSplitsAndEnforces()
    {
        long a = _mm.Map(0, 4 * Layout.PageSize, Prot.READ | Prot.WRITE, MemoryManager.Placement.Hint, false);
        int before = _mm.Vmas.Count;
        Assert.Equal(0, _mm.Protect((ulong)a + Layout.PageSize, Layout.PageSize, Prot.READ));
        Assert.Equal(before + 2, _mm.Vmas.Count);
        Assert.Equal(-(int)Errno.EFAULT, _mm.CopyOut((ulong)a + Layout.PageSize, "x"u8));
        Assert.Equal(0, _mm.CopyOut((ulong)a, "x"u8));
        Assert.Equal(0, _mm.Protect((ulong)a + Layout.PageSize, Layout.PageSize, Prot.NONE));
        Assert.Equal(-(int)Errno.EFAULT, _mm.CopyIn((ulong)a + Layout.PageSize, new byte[1]));
        Assert.Equal(-(long)Errno.ENOMEM, _mm.Protect(Layout.MinUserAddress, Layout.PageSize, Prot.READ));
    }

    [Fact]
    public void UnmapMiddleAndReleaseMemory()
    {
        long before = _file.InUse;
        long a = _mm.Map(0, 3 * Layout.PageSize, Prot.READ | Prot.WRITE, MemoryManager.Placement.Hint, false);
        Assert.Equal(0, _mm.CopyOut((ulong)a + Layout.PageSize, "data"u8));
        Assert.Equal(0, _mm.Unmap((ulong)a + Layout.PageSize, Layout.PageSize));
        Assert.Null(_mm.Find((ulong)a + Layout.PageSize));
        Assert.NotNull(_mm.Find((ulong)a));
        Assert.NotNull(_mm.Find((ulong)a + 2 * Layout.PageSize));
        // The range returns to the memory file once no piece of the mapping is left.
        Assert.Equal(0, _mm.Unmap((ulong)a, 3 * Layout.PageSize));
        Assert.Equal(before, _file.InUse);
        Assert.Equal(-(long)Errno.EINVAL, _mm.Unmap((ulong)a + 1, 10));
    }

    [Fact]
    public void FixedNoReplaceAndFixed()
    {
        long a = _mm.Map(0x40_0000, Layout.PageSize, Prot.READ, MemoryManager.Placement.Fixed, false);
        Assert.Equal(0x40_0000, a);
        Assert.Equal(-(long)Errno.EEXIST, _mm.Map(0x40_0000, Layout.PageSize, Prot.READ, MemoryManager.Placement.FixedNoReplace, false));
        Assert.Equal(0x40_0000, _mm.Map(0x40_0000, Layout.PageSize, Prot.READ | Prot.WRITE, MemoryManager.Placement.Fixed, false));
        Assert.Equal(Prot.READ | Prot.WRITE, _mm.Find(0x40_0000)!.Prot);
        Assert.Equal(-(long)Errno.EINVAL, _mm.Map(0x40_0001, Layout.PageSize, Prot.READ, MemoryManager.Placement.Fixed, false));
    }

    [Fact]
    public void BrkGrowsShrinksAndRefusesBelowStart()
    {
        _mm.InitBrk(0x60_0000);
        Assert.Equal(0x60_0000UL + 100_000, _mm.SetBrk(0x60_0000 + 100_000));
        Assert.Equal(0, _mm.CopyOut(0x60_0000 + 99_000, "x"u8));
        Assert.Equal(0x60_0000UL + 100, _mm.SetBrk(0x60_0000 + 100));
        Assert.Equal(-(int)Errno.EFAULT, _mm.CopyOut(0x60_0000 + 99_000, "x"u8));
        Assert.Equal(0x60_0000UL + 100, _mm.SetBrk(0x10_0000));
    }

    [Fact]
    public void StringsStopAtNulAndBoundaries()
    {
        long a = _mm.Map(0, Layout.PageSize, Prot.READ | Prot.WRITE, MemoryManager.Placement.Hint, false);
        _mm.CopyOut((ulong)a, "/etc/passwd\0"u8);
        Assert.Equal(0, _mm.ReadPath((ulong)a, out string p));
        Assert.Equal("/etc/passwd", p);
        // An unterminated string running off the end of the mapping faults.
        var fill = Enumerable.Repeat((byte)'a', 16).ToArray();
        _mm.CopyOut((ulong)a + Layout.PageSize - 16, fill);
        Assert.Equal(-(int)Errno.EFAULT, _mm.ReadPath((ulong)a + Layout.PageSize - 16, out _));
    }
}
