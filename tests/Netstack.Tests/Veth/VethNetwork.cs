using System.Collections.Concurrent;
using Xunit.Abstractions;

namespace Sandbox.Netstack.Tests;

/// <summary>
/// A network namespace with one end of a veth pair, driven by the C# stack over AF_PACKET; the
/// other end stays in the test's namespace with the host kernel's addresses. Everything is
/// removed on dispose, also when set-up fails half-way.
/// </summary>
internal sealed class VethNetwork : IDisposable
{
    public static string? SkipReason()
    {
        if (Environment.UserName != "root" && Environment.GetEnvironmentVariable("USER") != "root" && !IsRoot()) return "needs root";
        foreach (var tool in new[] { "ip", "ethtool" })
            if (HostNet.Which(tool) == null) return $"'{tool}' is not installed (setup.d/netstack.packages)";
        if (!Directory.Exists("/sys/class/net")) return "no /sys/class/net";
        return null;
    }

    private static bool IsRoot() => File.ReadAllText("/proc/self/status").Contains("Uid:\t0\t");

    private readonly int _id = Environment.ProcessId % 200 + 20;
    public string Ns => $"nstk{Environment.ProcessId}";
    public string HostIf => $"nsh{Environment.ProcessId % 100000}";
    public string PeerIf => $"nsp{Environment.ProcessId % 100000}";
    public Address HostIp => Address.Parse($"10.213.{_id}.1");
    public Address StackIp => Address.Parse($"10.213.{_id}.2");
    public Address HostIp6 => Address.Parse($"fd77:{_id:x}::1");
    public Address StackIp6 => Address.Parse($"fd77:{_id:x}::2");

    public NetStack Stack { get; private set; } = null!;
    public Nic Nic { get; private set; } = null!;
    public bool Netem { get; private set; }
    private FdLinkEndpoint? _link;
    private LinkDispatcher? _dispatcher;
    private SoftImpairment? _soft;

    public VethNetwork(ITestOutputHelper log, bool impair, bool offload = false, bool attach = true)
    {
        try
        {
            Cleanup();
            HostNet.Must("ip", $"netns add {Ns}");
            HostNet.Must("ip", $"link add {HostIf} type veth peer name {PeerIf}");
            HostNet.Must("ip", $"link set {PeerIf} netns {Ns}");
            // The stack owns the namespace side: the kernel there keeps no addresses (and no IPv6),
            // so it never answers in the stack's place.
            HostNet.Run("ip", $"netns exec {Ns} sysctl -qw net.ipv6.conf.{PeerIf}.disable_ipv6=1");
            HostNet.Must("ip", $"netns exec {Ns} ip link set {PeerIf} up");
            HostNet.Must("ip", $"addr add {HostIp}/24 dev {HostIf}");
            HostNet.Must("ip", $"-6 addr add {HostIp6}/64 dev {HostIf} nodad");
            HostNet.Must("ip", $"link set {HostIf} up");
            // Without virtio-net headers, frames must reach the packet socket fully checksummed
            // and at most MTU-sized.
            if (!offload)
            {
                HostNet.Run("ethtool", $"-K {HostIf} tx off tso off gso off gro off");
                HostNet.Run("ip", $"netns exec {Ns} ethtool -K {PeerIf} tx off tso off gso off gro off");
            }
            if (impair)
            {
                var a = HostNet.Run("tc", $"qdisc add dev {HostIf} root netem loss 1% reorder 5% delay 5ms");
                var b = a.Code == 0 ? HostNet.Run("ip", $"netns exec {Ns} tc qdisc add dev {PeerIf} root netem loss 1% reorder 5% delay 5ms") : a;
                Netem = a.Code == 0 && b.Code == 0;
                if (!Netem)
                    log.WriteLine($"tc netem unavailable ({(a.Err + b.Err).Trim()}); impairing the stack's link in software instead " +
                                  "(loss 1%, reorder 5%, delay 5ms on frames the stack sends)");
            }

            _offload = offload;
            if (!attach) return;
            _link = FdLinkEndpoint.OpenPacket(PeerIf, $"/var/run/netns/{Ns}", offload);
            Stack = new NetStack(new MonotonicClock());
            ILinkEndpoint link = _link;
            if (impair && !Netem) link = _soft = new SoftImpairment(_link, loss: 0.01, reorder: 0.05, delayUs: 5000);
            Nic = Stack.AddNic(link, "eth0");
            Stack.AddAddress(Nic, StackIp, 24);
            Stack.AddAddress(Nic, StackIp6, 64);
            Stack.AddLoopback();
            Stack.AddRoute(Address.AnyV4, 0, HostIp, Nic);
            _dispatcher = new LinkDispatcher(Stack, Nic, _link);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private bool _offload;

    /// <summary>Attaches a stack configured from a taken-over interface (for tests that configure the kernel first).</summary>
    public void Attach(HostInterfaceConfig cfg)
    {
        _link = FdLinkEndpoint.OpenPacket(PeerIf, $"/var/run/netns/{Ns}", _offload);
        Stack = new NetStack(new MonotonicClock());
        Nic = HostInterface.Attach(Stack, _link, cfg);
        Stack.AddLoopback();
        _dispatcher = new LinkDispatcher(Stack, Nic, _link);
    }

    private void Cleanup()
    {
        HostNet.Run("ip", $"netns del {Ns}");
        HostNet.Run("ip", $"link del {HostIf}");
    }

    public void Dispose()
    {
        _dispatcher?.Dispose();
        _soft?.Dispose();
        _link?.Dispose();
        Cleanup();
    }
}

/// <summary>netem's stand-in when the kernel lacks sch_netem: loss, reordering and delay on frames the stack sends.</summary>
internal sealed class SoftImpairment : ILinkEndpoint, IDisposable
{
    private readonly FdLinkEndpoint _inner;
    private readonly double _loss, _reorder;
    private readonly long _delayUs;
    private readonly Random _rng = new(17);
    private readonly PriorityQueue<byte[], (long, long)> _queue = new();
    private long _seq;
    private readonly Thread _thread;
    private volatile bool _stop;
    private readonly MonotonicClock _clock = new();

    public SoftImpairment(FdLinkEndpoint inner, double loss, double reorder, long delayUs)
    {
        _inner = inner; _loss = loss; _reorder = reorder; _delayUs = delayUs;
        _thread = new Thread(Pump) { IsBackground = true };
        _thread.Start();
    }

    public int Mtu => _inner.Mtu;
    public MacAddress Mac => _inner.Mac;
    public bool NeedsResolution => true;

    public void Send(ReadOnlySpan<byte> frame)
    {
        lock (_queue)
        {
            if (_rng.NextDouble() < _loss) return;
            // netem's reorder sends a share of packets at once, ahead of the delayed rest.
            long due = _clock.NowUs + (_rng.NextDouble() < _reorder ? 0 : _delayUs);
            _queue.Enqueue(frame.ToArray(), (due, _seq++));
            Monitor.Pulse(_queue);
        }
    }

    private void Pump()
    {
        while (!_stop)
        {
            byte[]? f = null;
            lock (_queue)
            {
                if (_queue.TryPeek(out var b, out var pr))
                {
                    long wait = pr.Item1 - _clock.NowUs;
                    if (wait <= 0) f = _queue.Dequeue();
                    else Monitor.Wait(_queue, TimeSpan.FromMicroseconds(Math.Max(wait, 100)));
                }
                else Monitor.Wait(_queue, 50);
            }
            if (f != null) { _inner.Send(f); _inner.Flush(); }
        }
    }

    public void Dispose()
    {
        _stop = true;
        lock (_queue) Monitor.PulseAll(_queue);
        _thread.Join();
    }
}
