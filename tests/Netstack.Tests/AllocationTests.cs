using Xunit;

namespace Sandbox.Netstack.Tests;

/// <summary>The data path does not allocate once buffers have grown.</summary>
public class AllocationTests
{
    [Fact]
    public void SteadyStateLoopbackTransferDoesNotAllocate()
    {
        var clock = new ManualClock();
        var s = new NetStack(clock);
        s.AddLoopback();
        var l = s.CreateTcp();
        l.Bind(new SockAddr(Address.LoopbackV4, 9)); l.Listen(1);
        var c = s.CreateTcp();
        c.Connect(new SockAddr(Address.LoopbackV4, 9));
        l.Accept(out var srv);
        var data = new byte[16384];
        var buf = new byte[65536];
        long moved = 0;
        void Move(int rounds)
        {
            for (int i = 0; i < rounds; i++)
            {
                c.Send(data);
                int n;
                while ((n = srv!.Receive(buf)) > 0) moved += n;
                clock.Advance(100);
                s.RunTimers();
            }
        }
        Move(2000); // warm up: buffers grow, pools fill, JIT settles
        long before = GC.GetAllocatedBytesForCurrentThread();
        Move(2000); // 32 MiB
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(moved > 4000L * data.Length - 65536, $"moved {moved}"); // all but what is still in flight
        Assert.True(allocated < 16 * 1024, $"{allocated} bytes allocated moving 32 MiB");
    }
}
