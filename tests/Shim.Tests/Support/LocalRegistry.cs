using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Sandbox.Shim.Tests.Support;

/// <summary>
/// Debian's docker-registry (the CNCF distribution registry) on 127.0.0.1 with a temporary
/// storage directory; no network beyond this machine. Tests that need it skip, saying why,
/// when the package is not installed (setup.d/shim.packages installs it).
/// </summary>
public sealed class LocalRegistry : IDisposable
{
    public const string Binary = "/usr/bin/docker-registry";
    private readonly TempDir _dir = new("registry");
    private readonly Process? _process;

    public string? Unavailable { get; }
    /// <summary>host:port, e.g. 127.0.0.1:40123.</summary>
    public string Host { get; } = "";
    public Uri BaseUri => new($"http://{Host}");

    public LocalRegistry()
    {
        if (!File.Exists(Binary)) { Unavailable = $"{Binary} is absent (apt-get install docker-registry; setup.sh does it)"; return; }
        int port = FreePort();
        Host = $"127.0.0.1:{port}";
        string config = Path.Combine(_dir.Path, "config.yml");
        File.WriteAllText(config, $"""
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: {_dir.Sub("data")}
              delete:
                enabled: true
            http:
              addr: {Host}
            """);
        var psi = new ProcessStartInfo(Binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("serve");
        psi.ArgumentList.Add(config);
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                if (http.GetAsync(new Uri(BaseUri, "/v2/")).Result.StatusCode == HttpStatusCode.OK) break;
            }
            catch (AggregateException) { }
            if (_process.HasExited) { Unavailable = $"docker-registry exited with status {_process.ExitCode}"; return; }
            if (DateTime.UtcNow > deadline) { Unavailable = "docker-registry did not answer within 20 s"; return; }
            Thread.Sleep(100);
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (_process is { HasExited: false }) { _process.Kill(); _process.WaitForExit(5000); }
        _process?.Dispose();
        _dir.Dispose();
    }
}
