using Sandbox.Linux;

namespace Sandbox.Sentry.Kernel;

/// <summary>
/// A timer that fires a callback at an expiry and then every interval, counting overruns:
/// the engine behind setitimer, alarm and timer_create. Wall-clock timers sleep until their
/// expiry; CPU-time timers sample the application's CPU time every 10 ms.
/// </summary>
public sealed class IntervalTimer : IDisposable
{
    private readonly Func<long> _now;
    private readonly bool _sampled;
    private readonly Action<int> _fire;
    private readonly object _lock = new();
    private Timer? _timer;
    private long _expiry;   // on _now's clock, ns; 0 = disarmed
    private long _interval;
    private int _overrun;

    /// <param name="now">The clock the timer measures (ns).</param>
    /// <param name="sampled">True for CPU-time clocks, which cannot be slept on.</param>
    /// <param name="fire">Called with the overrun count when the timer expires.</param>
    public IntervalTimer(Func<long> now, bool sampled, Action<int> fire)
    {
        _now = now; _sampled = sampled; _fire = fire;
    }

    public int Overrun { get { lock (_lock) return _overrun; } }

    /// <summary>Arms (value &gt; 0) or disarms; value is relative unless absolute. Returns the old setting.</summary>
    public (long Value, long Interval) Set(long value, long interval, bool absolute)
    {
        lock (_lock)
        {
            var old = GetLocked();
            _interval = interval;
            _overrun = 0;
            _expiry = value == 0 ? 0 : absolute ? Math.Max(value, 1) : _now() + value;
            Schedule();
            return old;
        }
    }

    public (long Value, long Interval) Get() { lock (_lock) return GetLocked(); }

    private (long, long) GetLocked() => (_expiry == 0 ? 0 : Math.Max(1, _expiry - _now()), _interval);

    private void Schedule()
    {
        if (_expiry == 0) { _timer?.Change(Timeout.Infinite, Timeout.Infinite); return; }
        long dueMs = _sampled ? 10 : Math.Max(0, (_expiry - _now() + 999_999) / 1_000_000);
        _timer ??= new Timer(_ => Tick(), null, Timeout.Infinite, Timeout.Infinite);
        _timer.Change(Math.Min(dueMs, int.MaxValue - 1), Timeout.Infinite);
    }

    private void Tick()
    {
        int overrun;
        lock (_lock)
        {
            if (_expiry == 0) return;
            long now = _now();
            if (now < _expiry) { Schedule(); return; }
            if (_interval > 0)
            {
                long missed = (now - _expiry) / _interval;
                overrun = (int)Math.Min(missed, int.MaxValue);
                _expiry += (missed + 1) * _interval;
            }
            else
            {
                overrun = 0;
                _expiry = 0;
            }
            _overrun = overrun;
            Schedule();
        }
        _fire(overrun);
    }

    public void Dispose()
    {
        lock (_lock) { _expiry = 0; _timer?.Dispose(); _timer = null; }
    }
}
