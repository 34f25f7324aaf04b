using System.Runtime.InteropServices;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Syscalls;

/// <summary>poll, ppoll, select, pselect6: readiness of many files, with a timeout.</summary>
internal static unsafe class PollCalls
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Poll] = &PollCall;
        t[Sysno.Ppoll] = &Ppoll;
        t[Sysno.Select] = &Select;
        t[Sysno.Pselect6] = &Pselect6;
    }

    /// <summary>Readiness of one file for poll: POLLNVAL for a closed fd; POLLHUP/POLLERR always.</summary>
    internal static short Revents(FileDescription? f, short events)
    {
        if (f == null) return Poll.POLLNVAL;
        short want = (short)(events | Poll.POLLHUP | Poll.POLLERR);
        return (short)(f.Readiness(want) & want);
    }

    /// <summary>Adds what a file's readiness can be waited on to the wait lists.</summary>
    internal static void WaitSources(FileDescription f, short events, List<WaitQueue> queues, List<(int, short)> hostFds, ref long deadline)
    {
        if (f.ReadinessQueue is { } q && !queues.Contains(q)) queues.Add(q);
        if (f.HostPollFd >= 0) hostFds.Add((f.HostPollFd, events));
        long d = f.NextDeadline;
        if (d >= 0 && (deadline < 0 || d < deadline)) deadline = d;
    }

    private static long PollCall(Task t)
    {
        int ms = (int)t.A2;
        long deadline = ms < 0 ? -1 : Task.MonotonicNow() + ms * 1_000_000L;
        return DoPoll(t, t.A0, t.A1, deadline, restartable: true);
    }

    private static long Ppoll(Task t)
    {
        long tr = PollCalls.ReadTimeout(t, t.A2, out long deadline);
        if (tr < 0) return tr;
        long m = SwapMask(t, t.A3, t.A4);
        if (m < 0) return m;
        long res = DoPoll(t, t.A0, t.A1, deadline, restartable: false);
        if (res == -(long)Errno.ERESTARTNOHAND || res == Err.EINTR) t.RestoreSavedMaskIfUnused();
        else t.DropSavedMask();
        return res;
    }

    /// <summary>
    /// A relative timespec timeout argument as a CLOCK_MONOTONIC deadline; NULL means none (-1).
    /// 0, -EFAULT or -EINVAL.
    /// </summary>
    internal static long ReadTimeout(Task t, ulong addr, out long deadline)
    {
        deadline = -1;
        if (addr == 0) return 0;
        int r = t.MM.Read(addr, out Timespec ts);
        if (r < 0) return r;
        if (!ts.IsValid) return Err.EINVAL;
        deadline = Task.MonotonicNow() + ts.TotalNanoseconds;
        return 0;
    }

    /// <summary>ppoll/pselect's sigmask argument: installed for the call, restored after (or by the handler frame).</summary>
    internal static long SwapMask(Task t, ulong maskAddr, ulong size)
    {
        if (maskAddr == 0) return 0;
        if (size != 8) return Err.EINVAL;
        int r = t.MM.Read(maskAddr, out ulong mask);
        if (r < 0) return r;
        t.SavedMask = t.SignalMask;
        t.SignalMask = mask & ~Task.Unblockable;
        return 0;
    }

    private static long DoPoll(Task t, ulong fdsAddr, ulong nfds, long deadline, bool restartable)
    {
        if (nfds > t.Rlimits[Rlimit.NOFILE].Cur && nfds > 1024) return Err.EINVAL;
        int n = (int)nfds;
        var pfds = new long[n];
        if (n > 0)
        {
            int r = t.MM.CopyIn(fdsAddr, MemoryMarshal.AsBytes(pfds.AsSpan()));
            if (r < 0) return r;
        }
        int ready = 0;
        bool Scan()
        {
            ready = 0;
            for (int i = 0; i < n; i++)
            {
                fixed (long* p = &pfds[i])
                {
                    int fd = ((int*)p)[0];
                    short ev = ((short*)p)[2];
                    short rev = fd < 0 ? (short)0 : Revents(t.Fds.Get(fd), ev);
                    ((short*)p)[3] = rev;
                    if (rev != 0) ready++;
                }
            }
            return ready > 0;
        }
        var result = BlockResult.Ready;
        if (!Scan() && deadline != 0 && !(deadline >= 0 && deadline <= Task.MonotonicNow()))
        {
            var queues = new List<WaitQueue>();
            var host = new List<(int, short)>();
            long wakeAt = deadline;
            for (int i = 0; i < n; i++)
            {
                int fd = (int)(pfds[i] & 0xffffffff);
                short ev = (short)((pfds[i] >> 32) & 0xffff);
                if (fd >= 0 && t.Fds.Get(fd) is { } f) WaitSources(f, ev, queues, host, ref wakeAt);
            }
            while (true)
            {
                result = t.BlockUntilAny(Scan, wakeAt, queues, host);
                if (result != BlockResult.TimedOut || wakeAt == deadline) break;
                // A timer file's deadline passed, not ours: look again.
                if (Scan()) { result = BlockResult.Ready; break; }
                wakeAt = deadline;
                for (int i = 0; i < n; i++)
                {
                    int fd = (int)(pfds[i] & 0xffffffff);
                    if (fd >= 0 && t.Fds.Get(fd) is { } f && f.NextDeadline is var d && d >= 0 && (wakeAt < 0 || d < wakeAt)) wakeAt = d;
                }
            }
        }
        if (result == BlockResult.Interrupted) return restartable ? -(long)Errno.ERESTART_RESTARTBLOCK : -(long)Errno.ERESTARTNOHAND;
        if (n > 0)
        {
            int w = t.MM.CopyOut(fdsAddr, MemoryMarshal.AsBytes(pfds.AsSpan()));
            if (w < 0) return w;
        }
        return ready;
    }

    private static long Select(Task t)
    {
        long deadline = -1;
        Timeval tv = default;
        if (t.A4 != 0)
        {
            int r = t.MM.Read(t.A4, out tv);
            if (r < 0) return r;
            if (tv.Sec < 0 || tv.Usec < 0 || tv.Usec >= 1_000_000) return Err.EINVAL;
            deadline = Task.MonotonicNow() + tv.Sec * 1_000_000_000 + tv.Usec * 1000;
        }
        long res = DoSelect(t, (int)t.A0, t.A1, t.A2, t.A3, deadline);
        if (t.A4 != 0 && res >= 0)
        {
            // Linux writes back the time left.
            long left = Math.Max(0, deadline - Task.MonotonicNow());
            var rem = new Timeval { Sec = left / 1_000_000_000, Usec = left % 1_000_000_000 / 1000 };
            t.MM.Write(t.A4, rem);
        }
        return res;
    }

    private static long Pselect6(Task t)
    {
        long tr = PollCalls.ReadTimeout(t, t.A4, out long deadline);
        if (tr < 0) return tr;
        if (t.A5 != 0)
        {
            // The sixth argument points at { const sigset_t *ss; size_t ss_len; }.
            Span<ulong> sm = stackalloc ulong[2];
            int r = t.MM.CopyIn(t.A5, MemoryMarshal.AsBytes(sm));
            if (r < 0) return r;
            long m = SwapMask(t, sm[0], sm[1]);
            if (m < 0) return m;
        }
        long res = DoSelect(t, (int)t.A0, t.A1, t.A2, t.A3, deadline);
        if (res == -(long)Errno.ERESTARTNOHAND) t.RestoreSavedMaskIfUnused();
        else t.DropSavedMask();
        if (t.A4 != 0 && res >= 0)
        {
            // The time left goes back to the caller (glibc's select derives its timeval from it).
            var left = Timespec.FromNanoseconds(Math.Max(0, deadline - Task.MonotonicNow()));
            t.MM.Write(t.A4, left);
        }
        return res;
    }

    private static long DoSelect(Task t, int nfds, ulong rAddr, ulong wAddr, ulong eAddr, long deadline)
    {
        if (nfds < 0 || nfds > 1024 * 1024) return Err.EINVAL;
        int words = (nfds + 63) / 64;
        var rin = new ulong[words]; var win = new ulong[words]; var ein = new ulong[words];
        int bytes = (nfds + 7) / 8;
        if (rAddr != 0 && t.MM.CopyIn(rAddr, MemoryMarshal.AsBytes(rin.AsSpan()).Slice(0, bytes)) < 0) return Err.EFAULT;
        if (wAddr != 0 && t.MM.CopyIn(wAddr, MemoryMarshal.AsBytes(win.AsSpan()).Slice(0, bytes)) < 0) return Err.EFAULT;
        if (eAddr != 0 && t.MM.CopyIn(eAddr, MemoryMarshal.AsBytes(ein.AsSpan()).Slice(0, bytes)) < 0) return Err.EFAULT;
        const short RSET = Poll.POLLIN | Poll.POLLRDNORM | Poll.POLLRDBAND | Poll.POLLHUP | Poll.POLLERR;
        const short WSET = Poll.POLLOUT | Poll.POLLWRNORM | Poll.POLLWRBAND | Poll.POLLERR;
        const short ESET = Poll.POLLPRI;
        for (int fd = 0; fd < nfds; fd++)
        {
            bool any = ((rin[fd / 64] | win[fd / 64] | ein[fd / 64]) & (1UL << (fd % 64))) != 0;
            if (any && t.Fds.Get(fd) == null) return Err.EBADF;
        }
        var rout = new ulong[words]; var wout = new ulong[words]; var eout = new ulong[words];
        int count = 0;
        bool Scan()
        {
            count = 0;
            Array.Clear(rout); Array.Clear(wout); Array.Clear(eout);
            for (int fd = 0; fd < nfds; fd++)
            {
                ulong bit = 1UL << (fd % 64);
                int w = fd / 64;
                if (((rin[w] | win[w] | ein[w]) & bit) == 0) continue;
                var f = t.Fds.Get(fd);
                if (f == null) continue;
                short rev = f.Readiness((short)(Poll.POLLIN | Poll.POLLOUT | Poll.POLLPRI | Poll.POLLRDNORM | Poll.POLLWRNORM | Poll.POLLHUP | Poll.POLLERR));
                if ((rin[w] & bit) != 0 && (rev & RSET) != 0) { rout[w] |= bit; count++; }
                if ((win[w] & bit) != 0 && (rev & WSET) != 0) { wout[w] |= bit; count++; }
                if ((ein[w] & bit) != 0 && (rev & ESET) != 0) { eout[w] |= bit; count++; }
            }
            return count > 0;
        }
        var result = BlockResult.Ready;
        if (!Scan() && deadline != 0 && !(deadline >= 0 && deadline <= Task.MonotonicNow()))
        {
            var queues = new List<WaitQueue>();
            var host = new List<(int, short)>();
            long wakeAt = deadline;
            for (int fd = 0; fd < nfds; fd++)
                if (((rin[fd / 64] | win[fd / 64] | ein[fd / 64]) & (1UL << (fd % 64))) != 0 && t.Fds.Get(fd) is { } f)
                    WaitSources(f, (short)(Poll.POLLIN | Poll.POLLOUT), queues, host, ref wakeAt);
            while (true)
            {
                result = t.BlockUntilAny(Scan, wakeAt, queues, host);
                if (result != BlockResult.TimedOut || wakeAt == deadline || Scan()) break;
                wakeAt = deadline;
            }
            if (result == BlockResult.TimedOut && count > 0) result = BlockResult.Ready;
        }
        if (result == BlockResult.Interrupted) return -(long)Errno.ERESTARTNOHAND;
        if (rAddr != 0 && t.MM.CopyOut(rAddr, MemoryMarshal.AsBytes(rout.AsSpan()).Slice(0, bytes)) < 0) return Err.EFAULT;
        if (wAddr != 0 && t.MM.CopyOut(wAddr, MemoryMarshal.AsBytes(wout.AsSpan()).Slice(0, bytes)) < 0) return Err.EFAULT;
        if (eAddr != 0 && t.MM.CopyOut(eAddr, MemoryMarshal.AsBytes(eout.AsSpan()).Slice(0, bytes)) < 0) return Err.EFAULT;
        return count;
    }
}
