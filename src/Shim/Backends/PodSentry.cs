using System.Diagnostics;
using Sandbox.Linux.Control;
using Sandbox.Shim.Util;

namespace Sandbox.Shim.Backends;

/// <summary>
/// A Sentry pod's one Sentry, `sandbox pod serve` (docs/cri.md): started detached by
/// RunPodSandbox (it holds none of the server's pipes, so it outlives a restart), driven over
/// its control socket, shut down by StopPodSandbox. Containers and execs reach it through
/// `sandbox pod run` and `sandbox pod exec` processes, which the monitors and the exec code
/// start as they started `sandbox run` before.
/// </summary>
public static class PodSentry
{
    /// <summary>Where a pod's control socket lives: short, as a unix socket path must be (107 bytes).</summary>
    public static string SocketPath(string podsDir, string podId) => Path.Combine(podsDir, podId[..16] + ".sock");

    /// <summary>
    /// Starts the pod's Sentry and waits until it answers; returns its pid. Throws
    /// IOException with what it said when it does not come up.
    /// </summary>
    public static async Task<int> StartAsync(SandboxCommand sandbox, string socket, string platform, string? hostname, bool pause,
        string network, string? netns, IReadOnlyList<string> sysctlArguments, CancellationToken ct, string ipc = "sandbox")
    {
        var args = new List<string> { "pod", "serve", "--control", socket, "--platform", platform, "--network", network, "--ipc", ipc };
        args.AddRange(sysctlArguments); // the pod's kernel's: a sysctl the Sentry lacks fails the start, saying which
        if (netns != null) { args.Add("--netns"); args.Add(netns); }
        if (pause) args.Add("--pause");
        if (!string.IsNullOrEmpty(hostname)) { args.Add("--hostname"); args.Add(hostname); }
        var p = Process.Start(sandbox.StartInfo(args)) ?? throw new IOException("the pod's Sentry did not start");
        p.StandardInput.Close();
        p.StandardOutput.Close();
        var stderr = new System.Text.StringBuilder();
        var reading = Task.Run(async () =>
        {
            var buf = new char[4096];
            int n;
            try { while ((n = await p.StandardError.ReadAsync(buf).ConfigureAwait(false)) > 0) lock (stderr) if (stderr.Length < 16384) stderr.Append(buf, 0, n); }
            catch (Exception e) when (e is IOException or ObjectDisposedException) { }
        });
        try { return await WaitReadyAsync(p, socket, stderr, reading, ct).ConfigureAwait(false); }
        catch
        {
            // Cancelled or failed: no Sentry is left behind for a pod that was never recorded.
            try { p.Kill(); } catch (InvalidOperationException) { }
            throw;
        }
    }

    private static async Task<int> WaitReadyAsync(Process p, string socket, System.Text.StringBuilder stderr, Task reading, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (Ping(socket))
            {
                // From here on it writes nowhere we read: closing our end keeps it from holding the server.
                p.StandardError.Close();
                return p.Id;
            }
            if (p.HasExited)
            {
                await reading.WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                string said;
                lock (stderr) said = stderr.ToString().Trim();
                throw new IOException($"the pod's Sentry exited with {p.ExitCode}{(said.Length > 0 ? ": " + said : "")}");
            }
            ct.ThrowIfCancellationRequested();
            if (DateTime.UtcNow > deadline) throw new IOException("the pod's Sentry did not answer on its control socket within 30 s");
            await Task.Delay(20, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Whether the Sentry answers on its socket.</summary>
    public static bool Ping(string socket)
    {
        if (!File.Exists(socket)) return false;
        try
        {
            using var c = ControlConnection.Connect(socket);
            return c.Call(new[] { "version" }).Count > 1;
        }
        catch (IOException) { return false; }
    }

    /// <summary>Sends a request; null (not an exception) when the pod does not answer or refuses it.</summary>
    public static List<string>? TryCall(string socket, params string[] request)
    {
        try
        {
            using var c = ControlConnection.Connect(socket);
            return c.Call(request);
        }
        catch (IOException) { return null; }
    }

    /// <summary>
    /// A connection to the pod's localhost:<paramref name="port"/>, made in the pod's own stack
    /// (the Sentry's `portforward` request): the socket is the client's end of the Sentry's
    /// relay. Throws IOException with the Sentry's reason (nothing listens there, say).
    /// </summary>
    public static System.Net.Sockets.Socket PortForward(string socket, int port)
    {
        using var c = ControlConnection.Connect(socket);
        var fds = new List<int>();
        c.Call(new[] { "portforward", port.ToString(System.Globalization.CultureInfo.InvariantCulture) }, fds);
        if (fds.Count != 1)
        {
            foreach (var fd in fds) Sandbox.Linux.Native.Sys.Close(fd);
            throw new IOException($"the pod's Sentry answered portforward with {fds.Count} descriptors, not 1");
        }
        return new System.Net.Sockets.Socket(new System.Net.Sockets.SafeSocketHandle((IntPtr)fds[0], ownsHandle: true));
    }

    /// <summary>CPU time (ns) and resident bytes of a container's processes, as the pod's kernel counts them.</summary>
    public static (ulong CpuNs, ulong RssBytes) Usage(string socket, string containerId)
    {
        var r = TryCall(socket, "stats", containerId);
        if (r is not { Count: 3 } || !ulong.TryParse(r[1], out ulong ticks) || !ulong.TryParse(r[2], out ulong bytes)) return (0, 0);
        return (ticks * 10_000_000UL, bytes); // clock ticks at USER_HZ 100
    }

    /// <summary>Asks the Sentry to end (its containers are killed) and waits for it; kills it if it does not go.</summary>
    public static async Task ShutdownAsync(string socket, int pid, ulong startTime)
    {
        TryCall(socket, "shutdown");
        for (int i = 0; i < 200 && ProcessIdentity.IsAlive(pid, startTime); i++) await Task.Delay(25).ConfigureAwait(false);
        if (ProcessIdentity.IsAlive(pid, startTime)) Native.Kill(pid, Native.SIGKILL);
        for (int i = 0; i < 100 && ProcessIdentity.IsAlive(pid, startTime); i++) await Task.Delay(20).ConfigureAwait(false);
        try { File.Delete(socket); } catch (IOException) { }
    }
}
