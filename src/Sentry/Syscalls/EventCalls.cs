using System.Runtime.InteropServices;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Vfs;
using Sandbox.Sentry.Vfs.Special;

namespace Sandbox.Sentry.Syscalls;

/// <summary>Exposes poll's helpers to the epoll file.</summary>
internal static class PollCallsAccess
{
    public static void WaitSources(FileDescription f, short events, List<WaitQueue> q, List<(int, short)> h, ref long d)
        => PollCalls.WaitSources(f, events, q, h, ref d);
}

/// <summary>eventfd, eventfd2, timerfd_create/settime/gettime, signalfd, signalfd4, epoll_*.</summary>
internal static unsafe class EventCalls
{
    private const int EFD_SEMAPHORE = 1, TFD_TIMER_ABSTIME = 1, TFD_TIMER_CANCEL_ON_SET = 2;

    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Eventfd] = &Eventfd;
        t[Sysno.Eventfd2] = &Eventfd2;
        t[Sysno.TimerfdCreate] = &TimerfdCreate;
        t[Sysno.TimerfdSettime] = &TimerfdSettime;
        t[Sysno.TimerfdGettime] = &TimerfdGettime;
        t[Sysno.Signalfd] = &Signalfd;
        t[Sysno.Signalfd4] = &Signalfd4;
        t[Sysno.EpollCreate] = &EpollCreate;
        t[Sysno.EpollCreate1] = &EpollCreate1;
        t[Sysno.EpollCtl] = &EpollCtl;
        t[Sysno.EpollWait] = &EpollWait;
        t[Sysno.EpollPwait] = &EpollPwait;
        t[Sysno.EpollPwait2] = &EpollPwait2;
    }

    private static long Install(Task t, FileDescription f, int flags)
    {
        f.Flags = OpenFlags.O_RDWR | (flags & OpenFlags.O_NONBLOCK);
        return t.Fds.Install(f, (flags & OpenFlags.O_CLOEXEC) != 0);
    }

    private static long Eventfd(Task t) => Install(t, new EventFd((uint)t.A0, false), 0);

    private static long Eventfd2(Task t)
    {
        int flags = (int)t.A1;
        if ((flags & ~(OpenFlags.O_CLOEXEC | OpenFlags.O_NONBLOCK | EFD_SEMAPHORE)) != 0) return Err.EINVAL;
        return Install(t, new EventFd((uint)t.A0, (flags & EFD_SEMAPHORE) != 0), flags);
    }

    private static long TimerfdCreate(Task t)
    {
        int clock = (int)t.A0, flags = (int)t.A1;
        if ((flags & ~(OpenFlags.O_CLOEXEC | OpenFlags.O_NONBLOCK)) != 0) return Err.EINVAL;
        if (clock is not (ClockId.REALTIME or ClockId.MONOTONIC or ClockId.BOOTTIME or ClockId.REALTIME_ALARM or ClockId.BOOTTIME_ALARM)) return Err.EINVAL;
        return Install(t, new TimerFd(clock), flags);
    }

    private static long TimerfdSettime(Task t)
    {
        int flags = (int)t.A1;
        if (t.Fds.Get((int)t.A0) is not { } f) return Err.EBADF;
        if (f is not TimerFd tf) return Err.EINVAL;
        if ((flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) != 0) return Err.EINVAL;
        Span<Timespec> its = stackalloc Timespec[2];
        int r = t.MM.CopyIn(t.A2, MemoryMarshal.AsBytes(its));
        if (r < 0) return r;
        if (!its[0].IsValid || !its[1].IsValid) return Err.EINVAL;
        var (v, i) = tf.Set(its[1], its[0], (flags & TFD_TIMER_ABSTIME) != 0);
        if (t.A3 != 0)
        {
            Span<Timespec> old = stackalloc Timespec[] { i, v };
            r = t.MM.CopyOut(t.A3, MemoryMarshal.AsBytes(old));
            if (r < 0) return r;
        }
        return 0;
    }

    private static long TimerfdGettime(Task t)
    {
        if (t.Fds.Get((int)t.A0) is not { } f) return Err.EBADF;
        if (f is not TimerFd tf) return Err.EINVAL;
        var (v, i) = tf.Get();
        Span<Timespec> cur = stackalloc Timespec[] { i, v };
        return t.MM.CopyOut(t.A1, MemoryMarshal.AsBytes(cur));
    }

    private static long Signalfd(Task t) => DoSignalfd(t, (int)t.A0, t.A1, t.A2, 0);
    private static long Signalfd4(Task t) => DoSignalfd(t, (int)t.A0, t.A1, t.A2, (int)t.A3);

    private static long DoSignalfd(Task t, int fd, ulong maskAddr, ulong size, int flags)
    {
        if (size != 8) return Err.EINVAL;
        if ((flags & ~(OpenFlags.O_CLOEXEC | OpenFlags.O_NONBLOCK)) != 0) return Err.EINVAL;
        int r = t.MM.Read(maskAddr, out ulong mask);
        if (r < 0) return r;
        mask &= ~Task.Unblockable;
        if (fd == -1) return Install(t, new SignalFd(mask), flags);
        if (t.Fds.Get(fd) is not { } f) return Err.EBADF;
        if (f is not SignalFd sf) return Err.EINVAL;
        sf.Mask = mask;
        return fd;
    }

    private static long EpollCreate(Task t) => (int)t.A0 <= 0 ? Err.EINVAL : Install(t, new Epoll(), 0);

    private static long EpollCreate1(Task t)
    {
        int flags = (int)t.A0;
        if ((flags & ~OpenFlags.O_CLOEXEC) != 0) return Err.EINVAL;
        return Install(t, new Epoll(), flags);
    }

    private const int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;

    private static long EpollCtl(Task t)
    {
        int epfd = (int)t.A0, op = (int)t.A1, fd = (int)t.A2;
        var ef = t.Fds.Get(epfd);
        var f = t.Fds.Get(fd);
        if (ef == null || f == null) return Err.EBADF;
        uint events = 0;
        ulong data = 0;
        if (op != EPOLL_CTL_DEL)
        {
            Span<byte> ev = stackalloc byte[12];
            int r = t.MM.CopyIn(t.A3, ev);
            if (r < 0) return r;
            events = BitConverter.ToUInt32(ev);
            data = BitConverter.ToUInt64(ev.Slice(4));
        }
        if (ef is not Epoll ep || fd == epfd) return Err.EINVAL;
        // Regular files and directories are always ready and cannot be watched (epoll_ctl(2)).
        if (f.Location is { } l && (FileMode.IsReg(l.Inode.Mode) || l.Inode.IsDirectory)) return Err.EPERM;
        if ((events & Epoll.EPOLLEXCLUSIVE) != 0 && (op == EPOLL_CTL_MOD || (events & ~(Epoll.EPOLLEXCLUSIVE | Epoll.EPOLLIN | Epoll.EPOLLOUT | Epoll.EPOLLERR | Epoll.EPOLLHUP | Epoll.EPOLLWAKEUP | Epoll.EPOLLET)) != 0)) return Err.EINVAL;
        if (f is Epoll && (events & Epoll.EPOLLEXCLUSIVE) != 0) return Err.EINVAL;
        return op switch
        {
            EPOLL_CTL_ADD => ep.Add(fd, f, events, data),
            EPOLL_CTL_MOD => ep.Modify(fd, f, events, data),
            EPOLL_CTL_DEL => ep.Remove(fd, f),
            _ => Err.EINVAL,
        };
    }

    private static long EpollWait(Task t)
    {
        int ms = (int)t.A3;
        return DoWait(t, (int)t.A0, t.A1, (int)t.A2, ms < 0 ? -1 : Task.MonotonicNow() + ms * 1_000_000L);
    }

    private static long EpollPwait(Task t)
    {
        int ms = (int)t.A3;
        long m = PollCalls.SwapMask(t, t.A4, t.A5);
        if (m < 0) return m;
        long res = DoWait(t, (int)t.A0, t.A1, (int)t.A2, ms < 0 ? -1 : Task.MonotonicNow() + ms * 1_000_000L);
        if (res == Err.EINTR) t.RestoreSavedMaskIfUnused(); else t.DropSavedMask();
        return res;
    }

    private static long EpollPwait2(Task t)
    {
        long tr = PollCalls.ReadTimeout(t, t.A3, out long deadline);
        if (tr < 0) return tr;
        long m = PollCalls.SwapMask(t, t.A4, t.A5);
        if (m < 0) return m;
        long res = DoWait(t, (int)t.A0, t.A1, (int)t.A2, deadline);
        if (res == Err.EINTR) t.RestoreSavedMaskIfUnused(); else t.DropSavedMask();
        return res;
    }

    private static long DoWait(Task t, int epfd, ulong eventsAddr, int max, long deadline)
    {
        if (max <= 0 || max > int.MaxValue / 12) return Err.EINVAL;
        var f = t.Fds.Get(epfd);
        if (f == null) return Err.EBADF;
        if (f is not Epoll ep) return Err.EINVAL;
        if (!FileIo.AccessOk(eventsAddr, (ulong)max * 12)) return Err.EFAULT;
        List<(uint Events, ulong Data)> got = ep.Collect(max);
        if (got.Count == 0 && deadline != 0 && !(deadline >= 0 && deadline <= Task.MonotonicNow()))
        {
            while (true)
            {
                var queues = new List<WaitQueue>();
                var host = new List<(int, short)>();
                long wakeAt = deadline;
                ep.WaitSources(queues, host, ref wakeAt);
                var r = t.BlockUntilAny(() => (got = ep.Collect(max)).Count > 0, wakeAt, queues, host);
                if (r == BlockResult.Ready) break;
                if (r == BlockResult.Interrupted) return Err.EINTR; // epoll_wait is never restarted (signal(7))
                if (wakeAt == deadline) break;
            }
        }
        var buf = new byte[got.Count * 12];
        for (int i = 0; i < got.Count; i++)
        {
            BitConverter.TryWriteBytes(buf.AsSpan(i * 12), got[i].Events);
            BitConverter.TryWriteBytes(buf.AsSpan(i * 12 + 4), got[i].Data);
        }
        if (buf.Length > 0 && t.MM.CopyOut(eventsAddr, buf) < 0) return Err.EFAULT;
        return got.Count;
    }
}
