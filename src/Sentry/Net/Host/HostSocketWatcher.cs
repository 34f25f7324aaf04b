using System.Collections.Concurrent;
using Sandbox.Linux.Native;

namespace Sandbox.Sentry.Net.Host;

/// <summary>
/// Turns the host's readiness events on host sockets into notifications of their wait queues:
/// each one is registered edge-triggered on one host epoll, and a thread wakes the socket's
/// queue on every event. That is what edge-triggered epoll in the sandbox counts on (a second
/// arrival of data while the socket is still readable is a new event), and what wakes a task
/// blocked in poll/epoll on several files at once.
/// </summary>
internal static unsafe class HostSocketWatcher
{
    private const int SYS_epoll_wait = 232, SYS_epoll_ctl = 233, SYS_epoll_create1 = 291;
    private const int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2;
    private const uint EPOLLIN = 0x1, EPOLLPRI = 0x2, EPOLLOUT = 0x4, EPOLLRDHUP = 0x2000, EPOLLET = 1u << 31;

    private static readonly ConcurrentDictionary<long, HostSocket> Sockets = new();
    private static readonly object Lock = new();
    private static int _epfd = -1;
    private static long _nextId;

    private static int Epfd
    {
        get
        {
            if (Volatile.Read(ref _epfd) >= 0) return _epfd;
            lock (Lock)
            {
                if (_epfd >= 0) return _epfd;
                int fd = (int)Sys.Syscall(SYS_epoll_create1, 0x80000 /* EPOLL_CLOEXEC */);
                if (fd < 0) return fd;
                new Thread(Run) { IsBackground = true, Name = "hostinet-events" }.Start();
                Volatile.Write(ref _epfd, fd);
                return fd;
            }
        }
    }

    /// <summary>Watches a host socket fd; the id is what <see cref="Remove"/> takes.</summary>
    public static long Add(int fd, HostSocket s)
    {
        int ep = Epfd;
        if (ep < 0) return -1;
        long id = Interlocked.Increment(ref _nextId);
        Sockets[id] = s;
        // struct epoll_event { uint32_t events; uint64_t data; } __attribute__((packed))
        byte* ev = stackalloc byte[12];
        *(uint*)ev = EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        *(long*)(ev + 4) = id;
        if (Sys.Syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, fd, (long)ev) < 0) { Sockets.TryRemove(id, out _); return -1; }
        return id;
    }

    /// <summary>Stops watching (before the fd is closed).</summary>
    public static void Remove(long id, int fd)
    {
        if (id < 0) return;
        Sockets.TryRemove(id, out _);
        byte* ev = stackalloc byte[12];
        Sys.Syscall(SYS_epoll_ctl, _epfd, EPOLL_CTL_DEL, fd, (long)ev);
    }

    private static void Run()
    {
        const int Max = 64;
        byte* evs = stackalloc byte[12 * Max];
        while (true)
        {
            long n = Sys.Syscall(SYS_epoll_wait, Volatile.Read(ref _epfd), (long)evs, Max, -1);
            for (int i = 0; i < n; i++)
                if (Sockets.TryGetValue(*(long*)(evs + 12 * i + 4), out var s)) s.Queue.Notify();
        }
    }
}
