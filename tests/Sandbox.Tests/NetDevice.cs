using System.Diagnostics;
using Sandbox.Netstack;

namespace Sandbox.Tests;

/// <summary>
/// A network namespace for `sandbox run --netns` with one end of a veth pair (10.214.N.2/24,
/// default route via .1) and the host's end in the test's namespace (10.214.N.1/24). With
/// impairment, the host's end is not joined to the namespace directly: frames cross a relay in
/// this process between two veth pairs, dropping, reordering and delaying them (tc netem's stand-
/// in where the kernel has no sch_netem; netem itself is used where it works). Everything made
/// is removed on dispose, also when set-up fails half-way.
/// </summary>
internal sealed class NetDevice : IDisposable
{
    private static int _seq;
    private readonly int _n;
    public string Ns { get; }
    public string NsIf { get; }
    public string HostIf { get; }
    public string HostIp => $"10.214.{_n}.1";
    public string SandboxIp => $"10.214.{_n}.2";
    /// <summary>How the link is impaired, for the test log (null: not).</summary>
    public string? Impairment { get; private set; }
    private readonly List<string> _links = new();
    private ImpairedRelay? _relay;

    /// <summary>Why these tests cannot run here (not root, no iproute2, no veth), or null.</summary>
    public static string? SkipReason()
    {
        if (!File.ReadAllText("/proc/self/status").Contains("Uid:\t0\t")) return "needs root";
        if (Tool("ip") == null) return "iproute2 ('ip') is not installed";
        string probe = $"ndprb{Environment.ProcessId % 10000}";
        var (c, _, e) = Run("ip", $"link add {probe} type veth peer name {probe}p");
        if (c != 0) return $"cannot make a veth pair here: {e.Trim()}";
        Run("ip", $"link del {probe}");
        return null;
    }

    public static string? Tool(string name)
    {
        foreach (var dir in new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin" })
            if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        return null;
    }

    public NetDevice(bool impair = false)
    {
        _n = (Environment.ProcessId % 50) * 4 + Interlocked.Increment(ref _seq) % 4 + 20;
        string tag = $"{Environment.ProcessId % 10000}{_n}";
        Ns = $"sbxnd{tag}";
        NsIf = $"nds{tag}";
        HostIf = $"ndh{tag}";
        try
        {
            Run("ip", $"netns del {Ns}");
            Must("ip", $"netns add {Ns}");
            if (impair && NetemWorks())
            {
                Link(NsIf, HostIf);
                Must("tc", $"qdisc add dev {HostIf} root netem loss 1% reorder 5% delay 5ms");
                Impairment = "tc netem on the host's end: loss 1%, reorder 5%, delay 5ms";
            }
            else if (impair)
            {
                // ns [NsIf] <-> [relayA] relay [relayB] <-> [HostIf] host
                string a = $"nda{tag}", b = $"ndb{tag}";
                Link(NsIf, a);
                Link(b, HostIf);
                foreach (var x in new[] { a, b, HostIf })
                {
                    Run("sysctl", $"-qw net.ipv6.conf.{x}.disable_ipv6=1");
                    Run("ethtool", $"-K {x} tx off tso off gso off gro off");
                }
                Must("ip", $"link set {a} up");
                Must("ip", $"link set {b} up");
                _relay = new ImpairedRelay(a, b, loss: 0.01, reorder: 0.05, delayUs: 5000);
                Impairment = "tc netem unavailable: frames relayed in software with loss 1%, reorder 5%, delay 5ms";
            }
            else Link(NsIf, HostIf);
            Must("ip", $"link set {NsIf} netns {Ns}");
            Must("ip", $"netns exec {Ns} ip addr add {SandboxIp}/24 dev {NsIf}");
            Must("ip", $"netns exec {Ns} ip link set {NsIf} up");
            Must("ip", $"netns exec {Ns} ip route add default via {HostIp}");
            // The relay carries MTU-sized frames only: the stack's super-segments are cut up by the kernel.
            if (_relay != null) Run("ip", $"netns exec {Ns} ethtool -K {NsIf} tx off tso off gso off");
            Must("ip", $"addr add {HostIp}/24 dev {HostIf}");
            Must("ip", $"link set {HostIf} up");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private bool NetemWorks()
    {
        if (Tool("tc") == null) return false;
        string p = $"ndnm{Environment.ProcessId % 10000}";
        if (Run("ip", $"link add {p} type veth peer name {p}p").Code != 0) return false;
        bool ok = Run("tc", $"qdisc add dev {p} root netem delay 1ms").Code == 0;
        Run("ip", $"link del {p}");
        return ok;
    }

    private void Link(string a, string b)
    {
        Run("ip", $"link del {a}");
        Run("ip", $"link del {b}");
        Must("ip", $"link add {a} type veth peer name {b}");
        _links.Add(a);
        _links.Add(b);
    }

    public void Dispose()
    {
        _relay?.Dispose();
        Run("ip", $"netns del {Ns}");
        foreach (var l in _links) Run("ip", $"link del {l}");
    }

    public static (int Code, string Out, string Err) Run(string file, string args, int timeoutMs = 120_000)
    {
        var psi = new ProcessStartInfo(Tool(file) ?? file, args)
        { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs)) { try { p.Kill(true); } catch (InvalidOperationException) { } return (-1, o.Result, "timed out"); }
        p.WaitForExit();
        return (p.ExitCode, o.Result, e.Result);
    }

    public static void Must(string file, string args)
    {
        var (c, o, e) = Run(file, args);
        if (c != 0) throw new InvalidOperationException($"{file} {args}: exit {c}: {e}{o}");
    }

    /// <summary>
    /// Gives the namespace's kernel its address and default route back: a sandbox takes them over
    /// and they stay removed after it, as with runsc.
    /// </summary>
    public void Readdress()
    {
        Must("ip", $"netns exec {Ns} ip addr replace {SandboxIp}/24 dev {NsIf}");
        Must("ip", $"netns exec {Ns} ip route replace default via {HostIp}");
    }

    /// <summary>Starts `sandbox run --netns` with the program; the caller kills it.</summary>
    public Process StartSandbox(params string[] program)
    {
        Readdress();
        var psi = new ProcessStartInfo("dotnet")
        { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false, WorkingDirectory = "/" };
        foreach (var a in new[] { SandboxProcess.SandboxDll, "run", "--netns", Ns, "--" }.Concat(program)) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.StandardInput.Close();
        return p;
    }

    /// <summary>Runs a program in the sandbox on this namespace to its end.</summary>
    public SandboxProcess.Result RunSandbox(int timeoutMs, params string[] program)
    {
        Readdress();
        return SandboxProcess.Run("dotnet", new[] { SandboxProcess.SandboxDll, "run", "--netns", Ns, "--" }.Concat(program).ToArray(), timeoutMs);
    }
}

/// <summary>
/// Two packet sockets relaying Ethernet frames both ways with loss, reordering (a share sent at
/// once, ahead of the delayed rest, as netem's reorder does) and delay.
/// </summary>
internal sealed class ImpairedRelay : IDisposable
{
    private readonly FdLinkEndpoint _a, _b;
    private readonly List<Thread> _threads = new();
    private volatile bool _stop;

    public ImpairedRelay(string a, string b, double loss, double reorder, long delayUs)
    {
        _a = FdLinkEndpoint.OpenPacket(a);
        _b = FdLinkEndpoint.OpenPacket(b);
        Start(_a, _b, loss, reorder, delayUs, 1);
        Start(_b, _a, loss, reorder, delayUs, 2);
    }

    private void Start(FdLinkEndpoint from, FdLinkEndpoint to, double loss, double reorder, long delayUs, int seed)
    {
        var queue = new PriorityQueue<byte[], (long, long)>();
        var clock = new MonotonicClock();
        var rng = new Random(seed);
        long seq = 0;
        var rx = new Thread(() =>
        {
            while (!_stop)
            {
                if (from.WaitReadable(20) <= 0) continue;
                int n = from.ReceiveBatch();
                lock (queue)
                {
                    for (int i = 0; i < n; i++)
                    {
                        var f = from.BatchFrame(i, out _);
                        if (f.Length == 0 || rng.NextDouble() < loss) continue;
                        long due = clock.NowUs + (rng.NextDouble() < reorder ? 0 : delayUs);
                        queue.Enqueue(f.ToArray(), (due, seq++));
                    }
                    Monitor.Pulse(queue);
                }
            }
        }) { IsBackground = true };
        var tx = new Thread(() =>
        {
            while (!_stop)
            {
                byte[]? f = null;
                lock (queue)
                {
                    if (queue.TryPeek(out _, out var pr))
                    {
                        long wait = pr.Item1 - clock.NowUs;
                        if (wait <= 0) f = queue.Dequeue();
                        else Monitor.Wait(queue, TimeSpan.FromMicroseconds(Math.Max(wait, 100)));
                    }
                    else Monitor.Wait(queue, 20);
                }
                if (f != null)
                {
                    to.Send(f);
                    to.Flush();
                }
            }
        }) { IsBackground = true };
        _threads.Add(rx);
        _threads.Add(tx);
        rx.Start();
        tx.Start();
    }

    public void Dispose()
    {
        _stop = true;
        foreach (var t in _threads) t.Join();
        _a.Dispose();
        _b.Dispose();
    }
}
