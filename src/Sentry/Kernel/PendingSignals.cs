namespace Sandbox.Sentry.Kernel;

/// <summary>
/// Pending signals with their siginfo: standard signals (1-31) are pending at most once,
/// real-time ones queue (signal(7)).
/// </summary>
public sealed class PendingSignals
{
    private readonly List<SignalInfo> _queue = new();

    public ulong Mask { get; private set; }

    public static ulong Bit(int sig) => 1UL << (sig - 1);

    public bool Enqueue(SignalInfo info)
    {
        if (info.Signo < 32 && (Mask & Bit(info.Signo)) != 0) return false;
        _queue.Add(info);
        Mask |= Bit(info.Signo);
        return true;
    }

    /// <summary>Removes and returns the lowest-numbered pending signal not in <paramref name="blocked"/>.</summary>
    public SignalInfo? Dequeue(ulong blocked)
    {
        ulong ready = Mask & ~blocked;
        if (ready == 0) return null;
        int sig = System.Numerics.BitOperations.TrailingZeroCount(ready) + 1;
        return DequeueSignal(sig);
    }

    public SignalInfo? DequeueSignal(int sig)
    {
        int i = _queue.FindIndex(s => s.Signo == sig);
        if (i < 0) { Mask &= ~Bit(sig); return null; }
        var info = _queue[i];
        _queue.RemoveAt(i);
        info.Dequeued = true;
        if (!_queue.Exists(s => s.Signo == sig)) Mask &= ~Bit(sig);
        return info;
    }

    public void Discard(int sig)
    {
        _queue.RemoveAll(s => s.Signo == sig);
        Mask &= ~Bit(sig);
    }

    public void Clear() { _queue.Clear(); Mask = 0; }
}

/// <summary>The parts of siginfo_t the Sentry produces (asm-generic/siginfo.h).</summary>
public sealed record SignalInfo(int Signo, int Code = SignalInfo.SI_USER)
{
    public const int SI_USER = 0, SI_KERNEL = 0x80, SI_QUEUE = -1, SI_TIMER = -2, SI_TKILL = -6;
    public const int CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3, CLD_TRAPPED = 4, CLD_STOPPED = 5, CLD_CONTINUED = 6;

    public int Errno { get; init; }
    public int Pid { get; init; }
    public uint Uid { get; init; }
    /// <summary>SIGCHLD: exit code or signal.</summary>
    public int Status { get; init; }
    /// <summary>Faults: the address. Queued signals: the sigval. Timers: the timer id.</summary>
    public ulong Addr { get; init; }
    public ulong Value { get; init; }
    public long Utime { get; init; }
    public long Stime { get; init; }
    /// <summary>SIGSYS from seccomp: the syscall number and its audit arch (Addr: the call's address).</summary>
    public int Syscall { get; init; }
    public uint Arch { get; init; }
    /// <summary>Timers: expirations since this signal was queued (it is queued once; POSIX timers).</summary>
    public int TimerOverrun;
    /// <summary>Taken off the pending queue (delivered, or read by sigwait/signalfd).</summary>
    public volatile bool Dequeued;

    /// <summary>The whole 128 bytes as the sender gave them (rt_sigqueueinfo), if any.</summary>
    public byte[]? Raw { get; init; }

    public void WriteTo(Span<byte> si)
    {
        si.Clear();
        if (Raw != null) { Raw.AsSpan(0, Math.Min(Raw.Length, 128)).CopyTo(si); BitConverter.TryWriteBytes(si, Signo); return; }
        BitConverter.TryWriteBytes(si, Signo);
        BitConverter.TryWriteBytes(si.Slice(4), Errno);
        BitConverter.TryWriteBytes(si.Slice(8), Code);
        switch (Signo)
        {
            case Linux.Signals.SIGSEGV or Linux.Signals.SIGBUS or Linux.Signals.SIGILL or Linux.Signals.SIGFPE or Linux.Signals.SIGTRAP when Code > 0:
                BitConverter.TryWriteBytes(si.Slice(16), Addr);
                break;
            case Linux.Signals.SIGSYS when Code > 0:
                BitConverter.TryWriteBytes(si.Slice(16), Addr);
                BitConverter.TryWriteBytes(si.Slice(24), Syscall);
                BitConverter.TryWriteBytes(si.Slice(28), Arch);
                break;
            case Linux.Signals.SIGCHLD when Code > 0:
                BitConverter.TryWriteBytes(si.Slice(16), Pid);
                BitConverter.TryWriteBytes(si.Slice(20), Uid);
                BitConverter.TryWriteBytes(si.Slice(24), Status);
                BitConverter.TryWriteBytes(si.Slice(32), Utime);
                BitConverter.TryWriteBytes(si.Slice(40), Stime);
                break;
            default:
                if (Code == SI_TIMER)
                {
                    BitConverter.TryWriteBytes(si.Slice(16), (int)Addr); // si_tid
                    BitConverter.TryWriteBytes(si.Slice(20), TimerOverrun); // si_overrun
                    BitConverter.TryWriteBytes(si.Slice(24), Value);     // si_value
                }
                else
                {
                    BitConverter.TryWriteBytes(si.Slice(16), Pid);
                    BitConverter.TryWriteBytes(si.Slice(20), Uid);
                    BitConverter.TryWriteBytes(si.Slice(24), Value);
                }
                break;
        }
    }
}
