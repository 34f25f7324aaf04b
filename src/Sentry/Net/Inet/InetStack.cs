using System.Collections.Concurrent;
using Sandbox.Netstack;

namespace Sandbox.Sentry.Net.Inet;

/// <summary>How the sandbox reaches networks (sandbox run --network).</summary>
public enum NetworkMode
{
    /// <summary>The Sentry's own TCP/IP stack; loopback only until a device is configured.</summary>
    Sandbox,
    /// <summary>Loopback only: no external interface at all.</summary>
    None,
    /// <summary>
    /// AF_INET/AF_INET6 sockets are the host's, in the Sentry's network namespace (weaker
    /// isolation: the host kernel's network code is exposed to the application).
    /// </summary>
    Host,
}

/// <summary>
/// The sandbox's TCP/IP stack: a <see cref="NetStack"/> with its loopback interface, and the
/// thread that runs its timers (retransmission, delayed ACK, TIME_WAIT) since no link
/// dispatcher does so while there is only loopback. Made on the first AF_INET/AF_INET6 socket.
/// </summary>
public sealed class InetStack : IDisposable
{
    private readonly Thread _timers;
    private volatile bool _stop;

    private readonly ConcurrentDictionary<InetSocket, byte> _sockets = new();

    public NetStack Stack { get; }

    /// <summary>The sockets with a file (for /proc/net).</summary>
    public ICollection<InetSocket> Sockets() => _sockets.Keys;
    internal void Add(InetSocket s) => _sockets[s] = 0;
    internal void Remove(InetSocket s) => _sockets.TryRemove(s, out _);
    public Nic Loopback { get; }

    private readonly List<(FdLinkEndpoint Link, LinkDispatcher Dispatcher)> _devices = new();

    public InetStack(StackOptions? options = null)
    {
        Stack = new NetStack(options: options);
        Loopback = Stack.AddLoopback();
        _timers = new Thread(RunTimers) { IsBackground = true, Name = "netstack-timers" };
        _timers.Start();
    }

    /// <summary>
    /// Takes over every interface but loopback in the network namespace at
    /// <paramref name="netnsPath"/>, as runsc does: the stack gets each one's addresses, routes,
    /// MAC and MTU and a packet socket on it, and the kernel there loses the addresses (and its
    /// IPv6) so only the stack answers on the wire. Must run before the Sentry confines itself
    /// (the namespace is opened by path). Throws IOException saying what failed.
    /// </summary>
    public void TakeOverNamespace(string netnsPath)
    {
        var names = HostInterface.ListInterfaces(netnsPath);
        foreach (var name in names)
        {
            // Offloads on: the host hands over super-segments and cuts ours up (virtio-net headers).
            var link = FdLinkEndpoint.OpenPacket(name, netnsPath, offload: true);
            try
            {
                var cfg = HostInterface.TakeOver(name, netnsPath);
                var nic = HostInterface.Attach(Stack, link, cfg);
                _devices.Add((link, new LinkDispatcher(Stack, nic, link)));
            }
            catch { link.Dispose(); throw; }
        }
    }

    /// <summary>The devices taken over from the network namespace (none on loopback-only stacks).</summary>
    public int DeviceCount => _devices.Count;

    private void RunTimers()
    {
        while (!_stop)
        {
            long wait = Stack.NextDeadlineUs - Stack.Clock.NowUs;
            // Timers armed meanwhile are not signalled to this thread: look again every 10 ms at most.
            Thread.Sleep((int)Math.Clamp((wait + 999) / 1000, 1, 10));
            try { Stack.RunTimers(); }
            catch (Exception) { Interlocked.Increment(ref Stack.Stats.InternalErrors); }
        }
    }

    public void Dispose()
    {
        _stop = true;
        _timers.Join();
        foreach (var (link, dispatcher) in _devices)
        {
            dispatcher.Dispose();
            link.Dispose();
        }
        _devices.Clear();
    }
}
