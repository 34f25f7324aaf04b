using System.Text;
using Sandbox.Shim.Backends;
using Sandbox.Shim.Tests.Support;

namespace Sandbox.Shim.Tests;

public class MonitorTests
{
    [Fact]
    public async Task Stdin_fifo_carries_what_attach_writes()
    {
        using var d = new TempDir();
        string fifo = Path.Combine(d.Path, "stdin");
        ContainerMonitor.CreateFifo(fifo);
        Assert.Null(ContainerMonitor.OpenStdinForWriting(fifo)); // nobody reads yet: no blocking
        var reader = Task.Run(() =>
        {
            using var f = new FileStream(fifo, FileMode.Open, FileAccess.Read);
            return new StreamReader(f).ReadToEnd();
        });
        Stream? w = null;
        for (int i = 0; i < 100 && (w = ContainerMonitor.OpenStdinForWriting(fifo)) == null; i++) await Task.Delay(20);
        Assert.NotNull(w);
        w!.Write("there\n"u8);
        w.Dispose();
        Assert.Equal("there\n", await reader.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
