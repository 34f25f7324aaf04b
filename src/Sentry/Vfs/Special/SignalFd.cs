using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Vfs.Special;

/// <summary>signalfd(2): reading takes pending signals of the mask as signalfd_siginfo records.</summary>
public sealed class SignalFd : AnonFile
{
    public SignalFd(ulong mask) { Mask = mask; }

    public ulong Mask { get; set; }

    private static ulong Ready(Task t, ulong mask)
    {
        lock (t.Kernel.Lock) return (t.Pending.Mask | t.Group.SharedPending.Mask) & mask;
    }

    public override long Read(Span<byte> dst, long offset)
    {
        if (dst.Length < 128) return -(long)Errno.EINVAL;
        var t = Task.Current;
        if (t == null) return -(long)Errno.EAGAIN;
        int written = 0;
        while (true)
        {
            while (written + 128 <= dst.Length)
            {
                SignalInfo? info;
                lock (t.Kernel.Lock)
                {
                    ulong ready = (t.Pending.Mask | t.Group.SharedPending.Mask) & Mask;
                    if (ready == 0) break;
                    int sig = System.Numerics.BitOperations.TrailingZeroCount(ready) + 1;
                    info = t.Pending.DequeueSignal(sig) ?? t.Group.SharedPending.DequeueSignal(sig);
                }
                if (info == null) break;
                Encode(info, dst.Slice(written, 128));
                written += 128;
            }
            if (written > 0) return written;
            if (NonBlocking) return -(long)Errno.EAGAIN;
            if (t.BlockUntil(() => Ready(t, Mask) != 0) == BlockResult.Interrupted) return -(long)Errno.ERESTARTSYS;
        }
    }

    /// <summary>struct signalfd_siginfo (linux/signalfd.h).</summary>
    private static void Encode(SignalInfo info, Span<byte> d)
    {
        d.Clear();
        Span<byte> si = stackalloc byte[128];
        info.WriteTo(si);
        BitConverter.TryWriteBytes(d, (uint)info.Signo);
        BitConverter.TryWriteBytes(d.Slice(4), info.Errno);
        BitConverter.TryWriteBytes(d.Slice(8), info.Code);
        BitConverter.TryWriteBytes(d.Slice(12), (uint)info.Pid);
        BitConverter.TryWriteBytes(d.Slice(16), info.Uid);
        BitConverter.TryWriteBytes(d.Slice(20), 0);                 // ssi_fd
        BitConverter.TryWriteBytes(d.Slice(24), (uint)(info.Code == SignalInfo.SI_TIMER ? info.Addr : 0)); // ssi_tid
        BitConverter.TryWriteBytes(d.Slice(28), 0u);                // ssi_band
        BitConverter.TryWriteBytes(d.Slice(32), (uint)(info.Code == SignalInfo.SI_TIMER ? info.TimerOverrun : 0)); // ssi_overrun
        BitConverter.TryWriteBytes(d.Slice(36), 0u);                // ssi_trapno
        BitConverter.TryWriteBytes(d.Slice(40), info.Signo == Signals.SIGCHLD ? info.Status : 0);
        BitConverter.TryWriteBytes(d.Slice(44), (int)info.Value);   // ssi_int
        BitConverter.TryWriteBytes(d.Slice(48), info.Value);        // ssi_ptr
        BitConverter.TryWriteBytes(d.Slice(56), info.Utime);
        BitConverter.TryWriteBytes(d.Slice(64), info.Stime);
        BitConverter.TryWriteBytes(d.Slice(72), info.Addr);
        if (info.Raw != null)
        {
            // rt_sigqueueinfo's sigval sits at offset 24 of siginfo.
            BitConverter.TryWriteBytes(d.Slice(44), BitConverter.ToInt32(info.Raw, 24));
            BitConverter.TryWriteBytes(d.Slice(48), BitConverter.ToUInt64(info.Raw, 24));
            BitConverter.TryWriteBytes(d.Slice(12), BitConverter.ToUInt32(info.Raw, 16));
            BitConverter.TryWriteBytes(d.Slice(16), BitConverter.ToUInt32(info.Raw, 20));
        }
    }

    public override long Write(ReadOnlySpan<byte> src, long offset) => -(long)Errno.EINVAL;

    public override short Readiness(short events)
    {
        var t = Task.Current;
        if (t == null) return 0;
        return Ready(t, Mask) != 0 ? (short)(events & (Poll.POLLIN | Poll.POLLRDNORM)) : (short)0;
    }
}
