using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Host = Sandbox.Linux.Native.Sys;

namespace Sandbox.Sentry.Syscalls;

/// <summary>futex: WAIT, WAKE, WAIT_BITSET, WAKE_BITSET (the requeue family comes with threads).</summary>
internal static unsafe class FutexCalls
{
    public static void Register(delegate*<Task, long>[] t) => t[Sysno.Futex] = &FutexCall;

    private const uint FUTEX_WAITERS = 0x80000000, FUTEX_OWNER_DIED = 0x40000000, FUTEX_TID_MASK = 0x3fffffff;

    /// <summary>FUTEX_WAKE_OP: *uaddr2 = *uaddr2 OP oparg; wake on uaddr; if (old CMP cmparg) wake on uaddr2 too.</summary>
    private static long WakeOp(Task t, ulong addr, int nWake, int nWake2, ulong addr2, uint encoded, bool isPrivate)
    {
        if ((addr2 & 3) != 0) return Err.EINVAL;
        int op = (int)(encoded >> 28) & 7, cmp = (int)(encoded >> 24) & 15;
        int oparg = (int)(encoded << 8) >> 20, cmparg = (int)(encoded << 20) >> 20;
        if ((encoded & 0x80000000) != 0) // FUTEX_OP_OPARG_SHIFT
        {
            if (oparg < 0 || oparg > 31) return Err.EINVAL;
            oparg = 1 << oparg;
        }
        if (op > 4 || cmp > 5) return -(long)Errno.ENOSYS;
        int r = t.Kernel.Futexes.Update(t, addr2, old => op switch
        {
            0 => (uint)oparg,
            1 => old + (uint)oparg,
            2 => old | (uint)oparg,
            3 => old & ~(uint)oparg,
            _ => old ^ (uint)oparg,
        }, out uint oldVal);
        if (r < 0) return r;
        int o = (int)oldVal;
        bool hit = cmp switch { 0 => o == cmparg, 1 => o != cmparg, 2 => o < cmparg, 3 => o <= cmparg, 4 => o > cmparg, _ => o >= cmparg };
        int woken = t.Kernel.Futexes.Wake(t, addr, nWake, Futex.BITSET_MATCH_ANY, isPrivate);
        if (hit) woken += t.Kernel.Futexes.Wake(t, addr2, nWake2, Futex.BITSET_MATCH_ANY, isPrivate);
        return woken;
    }

    /// <summary>
    /// PI locks for one thread: an unowned word becomes ours; our own is EDEADLK. A word owned
    /// by a thread that does not exist is taken over with FUTEX_OWNER_DIED, as Linux does.
    /// Blocking on a live owner comes with threads.
    /// </summary>
    private static long LockPi(Task t, ulong addr, bool tryOnly)
    {
        long result = 0;
        int r = t.Kernel.Futexes.Update(t, addr, old =>
        {
            uint owner = old & FUTEX_TID_MASK;
            if (owner == 0) return (uint)t.Tid | (old & FUTEX_OWNER_DIED);
            if (owner == (uint)t.Tid) { result = -(long)Errno.EDEADLK; return old; }
            if (tryOnly) { result = Err.EAGAIN; return old; }
            return (uint)t.Tid | FUTEX_OWNER_DIED;
        }, out _);
        return r < 0 ? r : result;
    }

    private static long UnlockPi(Task t, ulong addr)
    {
        long result = 0;
        int r = t.Kernel.Futexes.Update(t, addr, old =>
        {
            if ((old & FUTEX_TID_MASK) != (uint)t.Tid) { result = Err.EPERM; return old; }
            return 0;
        }, out _);
        return r < 0 ? r : result;
    }

    private static long FutexCall(Task t)
    {
        ulong addr = t.A0;
        int op = (int)t.A1, cmd = op & Futex.CMD_MASK;
        uint val = (uint)t.A2;
        bool realtime = (op & Futex.CLOCK_REALTIME) != 0;
        if (realtime && cmd is not (Futex.WAIT_BITSET or Futex.WAIT_REQUEUE_PI or Futex.LOCK_PI2)) return -(long)Errno.ENOSYS;
        if ((addr & 3) != 0) return Err.EINVAL;
        // A shared futex is keyed by the page it lives on, so its address must be mapped.
        if ((op & Futex.PRIVATE_FLAG) == 0 && t.MM.Translate(addr, 4, false, out _) == null) return Err.EFAULT;
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
                return t.Kernel.Futexes.Wait(t, addr, val, bitset, timeoutNs, (op & Futex.PRIVATE_FLAG) != 0);
            }
            case Futex.WAKE:
            case Futex.WAKE_BITSET:
            {
                uint bitset = cmd == Futex.WAKE ? Futex.BITSET_MATCH_ANY : (uint)t.A5;
                if (bitset == 0) return Err.EINVAL;
                int n = (int)Math.Min(val, int.MaxValue);
                return t.Kernel.Futexes.Wake(t, addr, n, bitset, (op & Futex.PRIVATE_FLAG) != 0);
            }
            case Futex.REQUEUE:
            case Futex.CMP_REQUEUE:
            {
                if ((int)val < 0 || (int)t.A3 < 0) return Err.EINVAL;
                if ((t.A4 & 3) != 0) return Err.EINVAL;
                if (addr == t.A4 && cmd == Futex.CMP_REQUEUE) return Err.EINVAL;
                return t.Kernel.Futexes.Requeue(t, addr, t.A4, (int)val, (int)t.A3, cmd == Futex.CMP_REQUEUE ? (uint)t.A5 : null, (op & Futex.PRIVATE_FLAG) != 0);
            }
            case Futex.WAKE_OP:
                return WakeOp(t, addr, (int)val, (int)t.A3, t.A4, (uint)t.A5, (op & Futex.PRIVATE_FLAG) != 0);
            case Futex.LOCK_PI:
            case Futex.LOCK_PI2:
            case Futex.TRYLOCK_PI:
                return LockPi(t, addr, cmd == Futex.TRYLOCK_PI);
            case Futex.UNLOCK_PI:
                return UnlockPi(t, addr);
            default:
                t.Kernel.Debug($"task {t.Tid}: futex op {cmd} not supported yet");
                return -(long)Errno.ENOSYS;
        }
    }
}
