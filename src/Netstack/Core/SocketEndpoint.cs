using Sandbox.Linux;

namespace Sandbox.Netstack;

/// <summary>
/// What TCP and UDP endpoints share: the owning stack, the socket's family, the generic socket
/// options, the bound name and readiness notification. All members lock the stack.
/// </summary>
public abstract class SocketEndpoint
{
    private protected readonly NetStack Stack;
    private protected int PendingError;

    /// <summary>True for an AF_INET6 socket (which may also carry IPv4 via mapped addresses).</summary>
    public bool IsV6 { get; }

    /// <summary>Called (under the stack lock) whenever readiness may have changed.</summary>
    public Action<SocketEndpoint, PollEvents>? Notify { get; set; }

    private protected SocketEndpoint(NetStack stack, bool v6) { Stack = stack; IsV6 = v6; }

    // Generic options (socket(7), ip(7), ipv6(7)).
    public bool ReuseAddress { get; set; }
    public bool ReusePort { get; set; }
    public bool V6Only { get; set; }
    public int Ttl { get; set; } = -1;
    public byte Tos { get; set; }

    /// <summary>Local name on the wire (IPv4 addresses unmapped); Port 0 while unbound.</summary>
    internal Address LocalAddr;
    internal ushort LocalPort;

    public abstract PollEvents Readiness();

    /// <summary>connect(2): 0 or -errno (TCP: -EINPROGRESS while the handshake runs).</summary>
    public abstract int Connect(SockAddr addr);

    /// <summary>The local name as the application sees it (IPv4-mapped for IPv6 sockets).</summary>
    public SockAddr LocalName { get { lock (Stack.Sync) return new(Present(LocalAddr), LocalPort); } }

    private protected Address Present(Address a) =>
        IsV6 && !a.IsV6 ? (a.IsUnspecified && LocalBoundWildcardV6 ? Address.AnyV6 : a.MappedV6) : a;

    /// <summary>An IPv6 socket bound to :: reports :: rather than ::ffff:0.0.0.0.</summary>
    private protected bool LocalBoundWildcardV6 = true;

    /// <summary>Converts an application address to the wire form; -errno for a family mismatch.</summary>
    private protected int ToWire(Address a, out Address wire)
    {
        wire = a;
        if (!IsV6) return a.IsV6 ? -(int)Errno.EAFNOSUPPORT : 0;
        if (!a.IsV6) return -(int)Errno.EAFNOSUPPORT;
        if (a.IsV4Mapped)
        {
            if (V6Only) return -(int)Errno.ENETUNREACH;
            wire = a.Unmapped;
        }
        return 0;
    }

    /// <summary>Returns and clears the pending asynchronous error (SO_ERROR), as a positive errno or 0.</summary>
    public int TakeError()
    {
        lock (Stack.Sync) { int e = PendingError; PendingError = 0; return e; }
    }

    private protected void Signal()
    {
        var ev = Readiness();
        Notify?.Invoke(this, ev);
        Stack.PulseWaiters();
    }

    /// <summary>
    /// Blocks the calling thread until one of <paramref name="mask"/> (or Err/Hup) is ready or
    /// the timeout passes (-1: forever). For a stack whose links and timers run on other threads.
    /// </summary>
    public bool Wait(PollEvents mask, int timeoutMs = -1)
    {
        mask |= PollEvents.Err | PollEvents.Hup;
        long deadline = timeoutMs < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMs;
        lock (Stack.Sync)
        {
            while ((Readiness() & mask) == 0)
            {
                long left = deadline - Environment.TickCount64;
                if (left <= 0) return false;
                Monitor.Wait(Stack.Sync, (int)Math.Min(left, 100));
            }
            return true;
        }
    }
}
