using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Sandbox.MicroVm.Tests;

/// <summary>A pod network for tests, created with `ip` and removed on dispose: namespace "pod"
/// with a bridge joining the VM's TAP and one end of a veth whose other end is eth0
/// (PeerAddress/24) in namespace "peer".</summary>
public sealed partial class TestNetwork : IDisposable
{
    public const string GuestAddress = "10.77.0.2", PeerAddress = "10.77.0.1";
    public string Pod { get; }
    public string Peer { get; }
    public string PodPath => $"/run/netns/{Pod}";
    public string PeerPath => $"/run/netns/{Peer}";
    public string Tap { get; } = "tap0";

    public static string? Missing()
    {
        if (Environment.UserName != "root") return "creating network namespaces needs root";
        if (!File.Exists("/dev/net/tun")) return "no /dev/net/tun";
        if (!File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip")) return "iproute2 (ip) is not installed";
        return null;
    }

    public TestNetwork()
    {
        var id = Guid.NewGuid().ToString("n")[..6];
        Pod = $"sbxpod-{id}";
        Peer = $"sbxpeer-{id}";
        try
        {
            Ip($"netns add {Pod}");
            Ip($"netns add {Peer}");
            Ip($"-n {Pod} link set lo up");
            Ip($"-n {Peer} link set lo up");
            Ip($"-n {Pod} link add br0 type bridge");
            Ip($"-n {Pod} link set br0 up");
            Ip($"-n {Pod} tuntap add {Tap} mode tap");
            Ip($"-n {Pod} link set {Tap} master br0 up");
            Ip($"-n {Pod} link add vpod type veth peer name eth0 netns {Peer}");
            Ip($"-n {Pod} link set vpod master br0 up");
            Ip($"-n {Peer} addr add {PeerAddress}/24 dev eth0");
            Ip($"-n {Peer} link set eth0 up");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public static void Ip(string args)
    {
        var p = Process.Start(new ProcessStartInfo("ip", args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"ip {args}: {err.Trim()}");
    }

    [LibraryImport("libc", SetLastError = true)] private static partial int setns(int fd, int nstype);

    /// <summary>Runs f on a thread inside the peer namespace (a socket made there stays there).</summary>
    public T InPeer<T>(Func<T> f)
    {
        T result = default!;
        Exception? error = null;
        var t = new Thread(() =>
        {
            using var home = File.OpenHandle("/proc/thread-self/ns/net");
            using var target = File.OpenHandle(PeerPath);
            if (setns((int)target.DangerousGetHandle(), 0x40000000) != 0) { error = new IOException("setns peer"); return; }
            try { result = f(); }
            catch (Exception e) { error = e; }
            finally { if (setns((int)home.DangerousGetHandle(), 0x40000000) != 0) Environment.FailFast("setns back"); }
        });
        t.Start();
        t.Join();
        if (error is not null) throw error;
        return result;
    }

    /// <summary>A TCP listener on the peer's address.</summary>
    public Socket Listen(int port) => InPeer(() =>
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Parse(PeerAddress), port));
        s.Listen(4);
        return s;
    });

    public void Dispose()
    {
        foreach (var ns in new[] { Pod, Peer })
            try { Ip($"netns del {ns}"); } catch (InvalidOperationException) { }
    }
}
