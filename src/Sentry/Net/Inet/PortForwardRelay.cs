using Sandbox.Linux;
using Sandbox.Linux.Native;
using Sandbox.Netstack;

namespace Sandbox.Sentry.Net.Inet;

/// <summary>
/// A connection to a port of the sandbox's own stack made from outside it, for port forwarding
/// (what `runsc port-forward` does): a TCP connection to localhost inside the stack, relayed
/// both ways to one end of a host socketpair whose other end goes to the client. Two threads
/// per connection, each blocked where its data comes from (the host socket in read(2), the
/// TCP endpoint on its readiness notifications), so nothing spins. End of stream is passed on
/// as a FIN one way and shutdown(SHUT_WR) the other; a reset from the client aborts the TCP
/// connection (RST); a reset in the stack ends the host socket both ways.
/// </summary>
public sealed unsafe class PortForwardRelay
{
    private const int SYS_sendto = 44, SYS_shutdown = 48, SYS_socketpair = 53;
    private const int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0x80000, MSG_NOSIGNAL = 0x4000;
    private const int SHUT_WR = 1, SHUT_RDWR = 2;
    private const int Chunk = 64 << 10;

    private readonly TcpEndpoint _tcp;
    private int _fd;
    private readonly object _changed = new();
    /// <summary>Bumped on every readiness change of the endpoint: a waiter that saw it unchanged may sleep.</summary>
    private long _generation;
    private int _running = 2;

    private PortForwardRelay(TcpEndpoint tcp, int fd) { _tcp = tcp; _fd = fd; }

    /// <summary>
    /// Connects to 127.0.0.1:<paramref name="port"/> in <paramref name="net"/>, else to
    /// [::1]:<paramref name="port"/> (the kubelet's rule for "localhost"), and starts relaying.
    /// Returns the client's end of the socketpair (the caller passes it on and closes it), or
    /// -errno of the IPv4 attempt with <paramref name="error"/> saying what failed.
    /// </summary>
    public static int Connect(InetStack net, int port, TimeSpan timeout, out string error)
    {
        error = "";
        if (port is < 1 or > 65535) { error = $"port {port} is outside 1 .. 65535"; return -(int)Errno.EINVAL; }
        int e4 = TryConnect(net, false, port, timeout, out var relay);
        int e6 = 0;
        if (relay == null) e6 = TryConnect(net, true, port, timeout, out relay);
        if (relay == null)
        {
            error = $"connect to 127.0.0.1:{port}: {ErrnoText.Message(e4)}; to [::1]:{port}: {ErrnoText.Message(e6)}";
            return -e4;
        }
        int* sv = stackalloc int[2];
        long r = Sys.Syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, (long)sv);
        if (r < 0)
        {
            relay._tcp.Abort();
            relay._tcp.Notify = null;
            error = $"socketpair: {ErrnoText.Message((int)-r)}";
            return (int)r;
        }
        relay._fd = sv[0];
        var started = relay;
        new Thread(started.HostToStack) { IsBackground = true, Name = $"portfwd {port} in" }.Start();
        new Thread(started.StackToHost) { IsBackground = true, Name = $"portfwd {port} out" }.Start();
        return sv[1];
    }

    /// <summary>One active open; 0 with the connected relay (no host socket yet), or the errno.</summary>
    private static int TryConnect(InetStack net, bool v6, int port, TimeSpan timeout, out PortForwardRelay? relay)
    {
        relay = null;
        var tcp = net.Stack.CreateTcp(v6);
        var waiter = new PortForwardRelay(tcp, -1);
        tcp.Notify = (_, _) => waiter.Changed();
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        long seen = waiter.Generation;
        int r = tcp.Connect(new SockAddr(v6 ? Address.LoopbackV6 : Address.LoopbackV4, (ushort)port));
        if (r != -(int)Errno.EINPROGRESS && r != 0) { tcp.Close(); tcp.Notify = null; return -r; }
        while (tcp.State is TcpState.SynSent or TcpState.SynReceived)
        {
            long left = deadline - Environment.TickCount64;
            if (left <= 0) { tcp.Abort(); tcp.Notify = null; return (int)Errno.ETIMEDOUT; }
            waiter.WaitChange(seen, (int)left);
            seen = waiter.Generation;
        }
        if (tcp.State == TcpState.Closed)
        {
            // The refusal (RST) is the endpoint's pending error, reported by its next receive.
            int e = tcp.Receive(stackalloc byte[1]);
            tcp.Close();
            tcp.Notify = null;
            return e < 0 ? -e : (int)Errno.ECONNREFUSED;
        }
        relay = waiter;
        return 0;
    }

    private long Generation => Volatile.Read(ref _generation);

    // Called under the stack's lock: takes only its own.
    private void Changed()
    {
        lock (_changed) { _generation++; Monitor.PulseAll(_changed); }
    }

    private void WaitChange(long seen, int timeoutMs = Timeout.Infinite)
    {
        lock (_changed) if (_generation == seen) Monitor.Wait(_changed, timeoutMs);
    }

    /// <summary>Client → pod: host read(2) blocks; the endpoint's send waits for room.</summary>
    private void HostToStack()
    {
        var buf = new byte[Chunk];
        try
        {
            while (true)
            {
                long n;
                fixed (byte* p = buf) n = Sys.Syscall(Sys.SYS_read, _fd, (long)p, buf.Length);
                if (n == -(int)Errno.EINTR) continue;
                if (n == 0) { _tcp.Shutdown(read: false, write: true); return; } // the client's FIN
                if (n < 0) { _tcp.Abort(); return; } // ECONNRESET: the client's reset
                for (int off = 0; off < n;)
                {
                    long seen = Generation;
                    int w = _tcp.Send(buf.AsSpan(off, (int)n - off));
                    if (w > 0) { off += w; continue; }
                    if (w == -(int)Errno.EAGAIN) { WaitChange(seen); continue; }
                    // The pod's side is gone (reset or closed): nothing more can reach it.
                    Sys.Syscall(SYS_shutdown, _fd, SHUT_RDWR);
                    return;
                }
            }
        }
        finally { Done(); }
    }

    /// <summary>Pod → client: the endpoint's receive waits for data; host writes block.</summary>
    private void StackToHost()
    {
        var buf = new byte[Chunk];
        try
        {
            while (true)
            {
                long seen = Generation;
                int n = _tcp.Receive(buf);
                if (n == -(int)Errno.EAGAIN) { WaitChange(seen); continue; }
                if (n == 0) { Sys.Syscall(SYS_shutdown, _fd, SHUT_WR); return; } // the pod's FIN
                if (n < 0)
                {
                    // A reset: a socketpair cannot carry one, so the client sees its connection end both ways.
                    Sys.Syscall(SYS_shutdown, _fd, SHUT_RDWR);
                    return;
                }
                for (int off = 0; off < n;)
                {
                    long w;
                    fixed (byte* p = buf) w = Sys.Syscall(SYS_sendto, _fd, (long)(p + off), n - off, MSG_NOSIGNAL, 0, 0);
                    if (w == -(int)Errno.EINTR) continue;
                    if (w <= 0)
                    {
                        // The client is gone (EPIPE): the pod's side is reset, as a closed socket with data arriving would.
                        _tcp.Abort();
                        Sys.Syscall(SYS_shutdown, _fd, SHUT_RDWR);
                        return;
                    }
                    off += (int)w;
                }
            }
        }
        finally { Done(); }
    }

    private void Done()
    {
        if (Interlocked.Decrement(ref _running) != 0) return;
        _tcp.Close();
        _tcp.Notify = null;
        Sys.Close(_fd);
    }
}
