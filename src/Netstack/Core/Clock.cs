using System.Diagnostics;

namespace Sandbox.Netstack;

/// <summary>The stack's notion of time, in microseconds from an arbitrary origin.</summary>
public interface IClock
{
    long NowUs { get; }
}

/// <summary>The host's monotonic clock.</summary>
public sealed class MonotonicClock : IClock
{
    public long NowUs => Stopwatch.GetTimestamp() / (Stopwatch.Frequency / 1_000_000);
}

/// <summary>A clock tests advance by hand, so timers fire deterministically.</summary>
public sealed class ManualClock : IClock
{
    public long NowUs { get; set; } = 1_000_000;
    public void Advance(long us) => NowUs += us;
}
