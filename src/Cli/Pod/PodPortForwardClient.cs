using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Sandbox.Shim.Backends;

namespace Sandbox.Cli.Pod;

/// <summary>
/// `sandbox pod port-forward --control SOCKET [LOCAL:]PORT`, as `runsc port-forward`: with
/// LOCAL, listens on 127.0.0.1:LOCAL and forwards each connection to the pod's localhost:PORT
/// until stopped (SIGINT, SIGTERM); without, this command's stdin and stdout are one connection.
/// </summary>
internal static class PodPortForwardClient
{
    public static int Run(string control, string[] rest)
    {
        if (rest.Length != 1) throw new ArgumentException("port-forward needs one [LOCAL:]PORT");
        var parts = rest[0].Split(':');
        if (parts.Length > 2 || !parts.All(p => int.TryParse(p, out int n) && n is >= 1 and <= 65535))
            throw new ArgumentException($"port-forward: '{rest[0]}' is not [LOCAL:]PORT (1 .. 65535)");
        int port = int.Parse(parts[^1]);
        if (parts.Length == 1) return Stdio(control, port);
        using var log = LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        var mapping = new global::Runtime.V1.PortMapping { HostPort = int.Parse(parts[0]), ContainerPort = port, HostIp = "127.0.0.1" };
        using var relay = HostPortRelay.Start([mapping], p => PodSentry.PortForward(control, p), log.CreateLogger("port-forward"), "pod")
            ?? throw new IOException($"cannot listen on 127.0.0.1:{parts[0]}");
        Console.Error.WriteLine($"forwarding 127.0.0.1:{parts[0]} -> pod port {port}");
        using var stop = new ManualResetEventSlim();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Set(); });
        stop.Wait();
        return 0;
    }

    private static int Stdio(string control, int port)
    {
        using var s = PodSentry.PortForward(control, port);
        using var stdin = Console.OpenStandardInput();
        using var stdout = Console.OpenStandardOutput();
        var down = Task.Run(async () =>
        {
            var buf = new byte[64 << 10];
            int n;
            while ((n = await s.ReceiveAsync(buf, SocketFlags.None)) > 0) await stdout.WriteAsync(buf.AsMemory(0, n));
        });
        var up = Task.Run(async () =>
        {
            var buf = new byte[64 << 10];
            int n;
            while ((n = await stdin.ReadAsync(buf)) > 0) await s.SendAsync(buf.AsMemory(0, n), SocketFlags.None);
            s.Shutdown(SocketShutdown.Send);
        });
        try { down.GetAwaiter().GetResult(); }
        catch (SocketException) { }
        return 0;
    }
}
