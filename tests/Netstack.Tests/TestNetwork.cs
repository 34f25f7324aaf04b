using System.Buffers;

namespace Sandbox.Netstack.Tests;

/// <summary>A point-to-point in-memory link that loses, duplicates, reorders and delays frames deterministically.</summary>
internal sealed class TestLink : ILinkEndpoint
{
    private readonly TestNetwork _net;
    internal TestLink? Peer;
    internal Nic? Nic;
    internal NetStack? Stack;
    internal long BusyUntil;
    public TestLink(TestNetwork net, MacAddress mac) { _net = net; Mac = mac; }
    public int Mtu { get; set; } = 1500;
    public MacAddress Mac { get; }
    public bool NeedsResolution => true;
    public void Send(ReadOnlySpan<byte> frame) => _net.Transmit(this, frame);
}

internal sealed class TestNetwork
{
    public readonly ManualClock Clock = new();
    private readonly Random _rng;
    private readonly PriorityQueue<(byte[] Buf, int Len, TestLink To), (long, long)> _inFlight = new();
    private long _seq;

    public double Loss, Duplicate, Reorder;
    public long DelayUs = 500;
    /// <summary>Bottleneck rate in bytes per second (0: unlimited) and its queue in frames.</summary>
    public long RateBytesPerSec = 100_000_000 / 8;
    public int QueueFrames = 200;
    public long FramesSent, FramesDropped;
    /// <summary>Optional filter: return false to drop a frame (tests of specific segments).</summary>
    public Func<TestLink, byte[], int, bool>? Filter;

    public readonly NetStack A, B;
    public readonly Nic NicA, NicB;
    public readonly TestLink LinkA, LinkB;
    public static readonly Address IpA = Address.Parse("10.0.0.1"), IpB = Address.Parse("10.0.0.2");
    public static readonly Address Ip6A = Address.Parse("fd00::1"), Ip6B = Address.Parse("fd00::2");

    public TestNetwork(int seed = 1, CongestionControl cc = CongestionControl.Cubic, Action<StackOptions>? configure = null)
    {
        _rng = new Random(seed);
        var oa = new StackOptions { Congestion = cc };
        var ob = new StackOptions { Congestion = cc };
        configure?.Invoke(oa);
        configure?.Invoke(ob);
        A = new NetStack(Clock, oa);
        B = new NetStack(Clock, ob);
        LinkA = new TestLink(this, new MacAddress(0x02_00_00_00_00_0a)) { Stack = A };
        LinkB = new TestLink(this, new MacAddress(0x02_00_00_00_00_0b)) { Stack = B };
        LinkA.Peer = LinkB; LinkB.Peer = LinkA;
        NicA = LinkA.Nic = A.AddNic(LinkA, "eth0");
        NicB = LinkB.Nic = B.AddNic(LinkB, "eth0");
        A.AddAddress(NicA, IpA, 24); B.AddAddress(NicB, IpB, 24);
        A.AddAddress(NicA, Ip6A, 64); B.AddAddress(NicB, Ip6B, 64);
        A.AddLoopback(); B.AddLoopback();
    }

    internal void Transmit(TestLink from, ReadOnlySpan<byte> frame)
    {
        FramesSent++;
        long now = Clock.NowUs;
        if (Loss > 0 && _rng.NextDouble() < Loss) { FramesDropped++; return; }
        long serial = RateBytesPerSec > 0 ? frame.Length * 1_000_000L / RateBytesPerSec : 0;
        if (RateBytesPerSec > 0 && from.BusyUntil - now > serial * QueueFrames) { FramesDropped++; return; }
        long depart = Math.Max(now, from.BusyUntil) + serial;
        from.BusyUntil = depart;
        int copies = Duplicate > 0 && _rng.NextDouble() < Duplicate ? 2 : 1;
        for (int c = 0; c < copies; c++)
        {
            long at = depart + DelayUs;
            if (Reorder > 0 && _rng.NextDouble() < Reorder) at += DelayUs + _rng.Next(1, 2000);
            var buf = ArrayPool<byte>.Shared.Rent(frame.Length);
            frame.CopyTo(buf);
            if (Filter != null && !Filter(from, buf, frame.Length)) { ArrayPool<byte>.Shared.Return(buf); FramesDropped++; return; }
            _inFlight.Enqueue((buf, frame.Length, from.Peer!), (at, _seq++));
        }
    }

    /// <summary>
    /// Advances virtual time event by event, calling <paramref name="pump"/> (the applications)
    /// each step, until <paramref name="done"/> holds. False if it did not within the limit.
    /// </summary>
    public bool Run(Func<bool> done, Action? pump = null, long limitUs = 600_000_000)
    {
        long end = Clock.NowUs + limitUs;
        while (true)
        {
            pump?.Invoke();
            if (done()) return true;
            long next = Math.Min(A.NextDeadlineUs, B.NextDeadlineUs);
            if (_inFlight.TryPeek(out _, out var p)) next = Math.Min(next, p.Item1);
            if (next == long.MaxValue || next > end) return done();
            if (next > Clock.NowUs) Clock.NowUs = next;
            while (_inFlight.TryPeek(out var f, out var pr) && pr.Item1 <= Clock.NowUs)
            {
                _inFlight.Dequeue();
                f.To.Stack!.DeliverFrame(f.To.Nic!, f.Buf.AsSpan(0, f.Len));
                ArrayPool<byte>.Shared.Return(f.Buf);
            }
            A.RunTimers();
            B.RunTimers();
        }
    }

    /// <summary>Runs for a stretch of virtual time.</summary>
    public void RunFor(long us, Action? pump = null)
    {
        long until = Clock.NowUs + us;
        Run(() => Clock.NowUs >= until, pump, us + 1);
        if (Clock.NowUs < until) Clock.NowUs = until;
        A.RunTimers(); B.RunTimers();
    }
}
