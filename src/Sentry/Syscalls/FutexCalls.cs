using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Host = Sandbox.Linux.Native.Sys;

namespace Sandbox.Sentry.Syscalls;

/// <summary>futex: WAIT, WAKE, WAIT_BITSET, WAKE_BITSET (the requeue family comes with threads).</summary>
internal static unsafe class FutexCalls
{
    public static void Register(delegate*<Task, long>[] t) => t[Sysno.Futex] = &FutexCall;

    private static long FutexCall(Task t)
    {
        ulong addr = t.A0;
        int op = (int)t.A1, cmd = op & Futex.CMD_MASK;
        uint val = (uint)t.A2;
        bool realtime = (op & Futex.CLOCK_REALTIME) != 0;
        if (realtime && cmd is not (Futex.WAIT or Futex.WAIT_BITSET or Futex.WAIT_REQUEUE_PI or Futex.LOCK_PI2)) return -(long)Errno.ENOSYS;
        if ((addr & 3) != 0) return Err.EINVAL;
        switch (cmd)
        {
            case Futex.WAIT:
            case Futex.WAIT_BITSET:
            {
                uint bitset = cmd == Futex.WAIT ? Futex.BITSET_MATCH_ANY : (uint)t.A5;
                if (bitset == 0) return Err.EINVAL;
                long timeoutNs = -1;
                if (t.A3 != 0)
                {
                    int r = t.MM.Read(t.A3, out Timespec ts);
                    if (r < 0) return r;
                    if (!ts.IsValid) return Err.EINVAL;
                    timeoutNs = ts.TotalNanoseconds;
                    if (cmd == Futex.WAIT_BITSET)
                    {
                        // Absolute on CLOCK_MONOTONIC (or CLOCK_REALTIME with the flag).
                        Timespec now;
                        Host.Syscall(Host.SYS_clock_gettime, realtime ? ClockId.REALTIME : ClockId.MONOTONIC, (long)&now);
                        timeoutNs = Math.Max(0, timeoutNs - now.TotalNanoseconds);
                    }
                }
                return t.Kernel.Futexes.Wait(t, addr, val, bitset, timeoutNs);
            }
            case Futex.WAKE:
            case Futex.WAKE_BITSET:
            {
                uint bitset = cmd == Futex.WAKE ? Futex.BITSET_MATCH_ANY : (uint)t.A5;
                if (bitset == 0) return Err.EINVAL;
                int n = (int)Math.Min(val, int.MaxValue);
                return t.Kernel.Futexes.Wake(t, addr, n, bitset);
            }
            default:
                t.Kernel.Debug($"task {t.Tid}: futex op {cmd} not supported yet");
                return -(long)Errno.ENOSYS;
        }
    }
}
