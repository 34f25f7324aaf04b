using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Sandbox.Linux;
using Sandbox.Netstack;

// TCP throughput over a veth pair: host kernel <-> C# stack (AF_PACKET in a network namespace)
// against host kernel <-> host kernel over the same kind of veth, in one run.
// usage: NetstackBench [--seconds N] [--runs N]
int seconds = 5, runs = 3;
for (int i = 0; i < args.Length; i++)
{
    int Next() => int.TryParse(i + 1 < args.Length ? args[++i] : "", out int v) && v > 0 ? v : throw new ArgumentException($"{args[i - 1]} needs a positive number");
    switch (args[i])
    {
        case "--seconds": seconds = Next(); break;
        case "--runs": runs = Next(); break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

int id = Environment.ProcessId;
// Two veth pairs, one per namespace: the kernel answers in the first, the C# stack in the
// second, so the two are measured alternately under the same machine load.
string ns = $"nsbk{id}", hostIf = $"nbh{id % 100000}", peerIf = $"nbp{id % 100000}";
string ns2 = $"nsbs{id}", hostIf2 = $"nbH{id % 100000}", peerIf2 = $"nbP{id % 100000}";
int octet = id % 200 + 20;
string hostIp = $"10.214.{octet}.1", peerIp = $"10.214.{octet}.2";
string hostIp2 = $"10.215.{octet}.1", peerIp2 = $"10.215.{octet}.2";

void Sh(string args, bool must = true)
{
    var p = Process.Start(new ProcessStartInfo("ip", args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
    p.WaitForExit();
    if (must && p.ExitCode != 0) throw new InvalidOperationException($"ip {args}: {p.StandardError.ReadToEnd()}");
}
void Quiet(string file, string args)
{
    var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
    p.StandardOutput.ReadToEnd();
    p.WaitForExit();
}
void Offloads(bool on)
{
    string v = on ? "on" : "off";
    foreach (var (n, h, p) in new[] { (ns, hostIf, peerIf), (ns2, hostIf2, peerIf2) })
    {
        Quiet("ethtool", $"-K {h} tx {v} tso {v} gso {v} gro {v}");
        Quiet("ip", $"netns exec {n} ethtool -K {p} tx {v} tso {v} gso {v} gro {v}");
    }
}
void Cleanup()
{
    Sh($"netns del {ns}", false); Sh($"link del {hostIf}", false);
    Sh($"netns del {ns2}", false); Sh($"link del {hostIf2}", false);
}

T InNetns<T>(Func<T> f)
{
    T result = default!;
    Exception? err = null;
    var t = new Thread(() =>
    {
        try
        {
            int fd = Native.open($"/var/run/netns/{ns}", 0x80000);
            if (fd < 0 || Native.setns(fd, 0x40000000) != 0) throw new IOException("setns failed");
            Native.close(fd);
            result = f();
        }
        catch (Exception e) { err = e; }
    });
    t.Start(); t.Join();
    if (err != null) throw err;
    return result;
}

double Median(List<double> xs) { xs.Sort(); return xs[xs.Count / 2]; }

// Sends for the given time in 1 MiB writes, then shuts down; the receiver's rate is the figure.
static void KernelSend(Socket s, int seconds)
{
    var buf = new byte[1 << 20];
    new Random(1).NextBytes(buf);
    var sw = Stopwatch.StartNew();
    while (sw.Elapsed.TotalSeconds < seconds) s.Send(buf);
    s.Shutdown(SocketShutdown.Send);
}
static double KernelReceive(Socket s)
{
    var buf = new byte[1 << 20];
    long total = 0;
    int n = s.Receive(buf);
    var sw = Stopwatch.StartNew();
    total += n;
    while ((n = s.Receive(buf)) > 0) total += n;
    return total / sw.Elapsed.TotalSeconds / 1e6;
}

double KernelToKernel(bool hostSends)
{
    var listener = InNetns(() =>
    {
        var l = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        l.Bind(new IPEndPoint(IPAddress.Parse(peerIp), 5201));
        l.Listen(1);
        return l;
    });
    double rate = 0;
    var server = new Thread(() =>
    {
        using var c = listener.Accept();
        if (hostSends) rate = KernelReceive(c); else KernelSend(c, seconds);
    });
    server.Start();
    using (var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
    {
        s.Connect(IPAddress.Parse(peerIp), 5201);
        if (hostSends) KernelSend(s, seconds); else rate = KernelReceive(s);
    }
    server.Join();
    listener.Dispose();
    return rate;
}

double KernelAndStack(NetStack stack, bool hostSends)
{
    double rate = 0;
    if (hostSends)
    {
        var l = stack.CreateTcp();
        l.Bind(new SockAddr(Address.AnyV4, 5202)); l.Listen(1);
        var server = new Thread(() =>
        {
            TcpEndpoint? c;
            while (l.Accept(out c) != 0) l.Wait(PollEvents.In, 1000);
            var buf = new byte[1 << 20];
            long total = 0;
            var sw = new Stopwatch();
            while (true)
            {
                int n = c!.Receive(buf);
                if (n > 0) { if (!sw.IsRunning) sw.Start(); total += n; continue; }
                if (n == 0) break;
                if (n != -(int)Errno.EAGAIN) throw new IOException($"recv {(Errno)(-n)}");
                c.Wait(PollEvents.In, 10_000);
            }
            rate = total / sw.Elapsed.TotalSeconds / 1e6;
            c!.Close();
        });
        server.Start();
        using (var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            s.Connect(IPAddress.Parse(peerIp2), 5202);
            KernelSend(s, seconds);
        }
        server.Join();
        l.Close();
    }
    else
    {
        using var l = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        l.Bind(new IPEndPoint(IPAddress.Parse(hostIp2), 0));
        l.Listen(1);
        int port = ((IPEndPoint)l.LocalEndPoint!).Port;
        var reader = new Thread(() => { using var c = l.Accept(); rate = KernelReceive(c); });
        reader.Start();
        var ep = stack.CreateTcp();
        ep.Connect(new SockAddr(Address.Parse(hostIp2), (ushort)port));
        ep.Wait(PollEvents.Out, 10_000);
        var buf = new byte[1 << 20];
        new Random(1).NextBytes(buf);
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            int off = 0;
            while (off < buf.Length)
            {
                int n = ep.Send(buf.AsSpan(off));
                if (n > 0) off += n;
                else if (n == -(int)Errno.EAGAIN) ep.Wait(PollEvents.Out, 10_000);
                else throw new IOException($"send {(Errno)(-n)}");
            }
        }
        ep.Shutdown(false, true);
        reader.Join();
        ep.Close();
    }
    return rate;
}

Cleanup();
try
{
    foreach (var (n, h, p, hip) in new[] { (ns, hostIf, peerIf, hostIp), (ns2, hostIf2, peerIf2, hostIp2) })
    {
        Sh($"netns add {n}");
        Sh($"link add {h} type veth peer name {p}");
        Sh($"link set {p} netns {n}");
        Sh($"addr add {hip}/24 dev {h}");
        Sh($"link set {h} up");
        Sh($"netns exec {n} ip link set {p} up");
        Sh($"netns exec {n} ip link set lo up");
    }
    Sh($"netns exec {ns} ip addr add {peerIp}/24 dev {peerIf}");
    // The second namespace's side belongs to the C# stack: the kernel there keeps no address.
    Quiet("ip", $"netns exec {ns2} sysctl -qw net.ipv6.conf.{peerIf2}.disable_ipv6=1");

    Console.WriteLine($"netstack benchmark: TCP over veth pairs, {seconds} s per transfer, median of {runs}, kernel and C# stack alternating");
    Console.WriteLine($"  {"",-44} {"kernel",12} {"C# stack",12}   C#/kernel");
    foreach (bool offload in new[] { false, true })
    {
        Offloads(offload);
        using var link = FdLinkEndpoint.OpenPacket(peerIf2, $"/var/run/netns/{ns2}", offload);
        var stack = new NetStack();
        var nic = stack.AddNic(link, "eth0");
        stack.AddAddress(nic, Address.Parse(peerIp2), 24);
        using var dispatcher = new LinkDispatcher(stack, nic, link);
        foreach (bool hostSends in new[] { true, false })
        {
            var k = new List<double>();
            var c = new List<double>();
            for (int r = 0; r < runs; r++)
            {
                k.Add(KernelToKernel(hostSends));
                c.Add(KernelAndStack(stack, hostSends));
            }
            string name = (hostSends ? "host kernel -> peer" : "host kernel <- peer") +
                          (offload ? " (offloads on, GSO)" : " (offloads off, MTU frames)");
            Console.WriteLine($"  {name,-44} {Median(k),7:F1} MB/s {Median(c),7:F1} MB/s   {Median(c) / Median(k),6:F2}x");
            if (Environment.GetEnvironmentVariable("NETSTACK_BENCH_STATS") == "1")
                Console.WriteLine($"      stack: retransmits {stack.Stats.TcpRetransmits}, fast {stack.Stats.TcpFastRetransmits}, " +
                                  $"timeouts {stack.Stats.TcpTimeouts}, link send errors {link.SendErrors}, frames out {stack.Stats.FramesOut}, in {stack.Stats.FramesIn}");
        }
    }
    return 0;
}
finally
{
    Cleanup();
}

static partial class Native
{
    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)] internal static partial int open(string path, int flags);
    [LibraryImport("libc")] internal static partial int setns(int fd, int type);
    [LibraryImport("libc")] internal static partial int close(int fd);
}
