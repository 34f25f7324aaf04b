using System.Net.Sockets;
using System.Text;
using Sandbox.Linux.Control;
using Xunit;

namespace Sandbox.Tests;

/// <summary>The `portforward PORT` request: a connection to the pod's localhost made in its own stack.</summary>
public sealed partial class PodTests
{
    /// <summary>Asks the pod for a connection to its localhost:PORT; the socket is the client's end.</summary>
    private System.Net.Sockets.Socket PortForward(int port)
    {
        using var c = ControlConnection.Connect(_socket);
        var fds = new List<int>();
        var reply = c.Call(new[] { "portforward", port.ToString() }, fds);
        Assert.Equal(new[] { "ok" }, reply);
        Assert.Single(fds);
        var s = new System.Net.Sockets.Socket(new SafeSocketHandle((IntPtr)fds[0], ownsHandle: true)) { ReceiveTimeout = 20_000 };
        return s;
    }

    /// <summary>Until the pod lists a TCP socket listening on PORT (/proc/net/tcp, tcp6): nc shows in ps before it binds.</summary>
    private void WaitListening(string id, int port)
        => WaitFor(() => Exec(id, "cat /proc/net/tcp /proc/net/tcp6").Stdout.Split('\n')
            .Any(l => l.Contains($":{port:X4} ") && l.Contains(" 0A ")), $"a listener on port {port}");

    private static byte[] ReadToEnd(System.Net.Sockets.Socket s)
    {
        var ms = new MemoryStream();
        var buf = new byte[65536];
        int n;
        while ((n = s.Receive(buf)) > 0) ms.Write(buf, 0, n);
        return ms.ToArray();
    }

    [Fact]
    public void PortForwardCarriesDataBothWaysAndEndOfStream()
    {
        using var server = RunInBackground("web",
            "nc -l -p 8080 -e sh -c 'echo hello; cat > /tmp/got; echo got $(wc -c < /tmp/got) $(busybox md5sum < /tmp/got)'");
        WaitListening("web", 8080);
        using var s = PortForward(8080);
        var hello = new byte[6];
        int at = 0;
        while (at < 6) { int n = s.Receive(hello, at, 6 - at, SocketFlags.None); Assert.True(n > 0, "the pod's greeting ended early"); at += n; }
        Assert.Equal("hello\n", Encoding.ASCII.GetString(hello));
        // More than the relay's chunk and the socketpair's buffer: the relay has to wait for room.
        var data = new byte[3 << 20];
        new Random(7).NextBytes(data);
        s.Send(data);
        s.Shutdown(SocketShutdown.Send); // our end of stream reaches cat in the pod as a FIN
        var md5 = Convert.ToHexString(System.Security.Cryptography.MD5.HashData(data)).ToLowerInvariant();
        Assert.Equal($"got {data.Length} {md5} -\n", Encoding.ASCII.GetString(ReadToEnd(s)));
        Assert.True(server.WaitForExit(20_000));
        Assert.Equal(0, server.ExitCode);
    }

    [Fact]
    public void PortForwardFallsBackToIpv6Localhost()
    {
        using var server = RunInBackground("web6", "busybox mkdir -p /tmp/www && echo six > /tmp/www/index.html && exec httpd -f -p '[::1]:8082' -h /tmp/www");
        WaitFor(() => Exec("web6", "ps").Stdout.Contains("httpd"), "the server's httpd");
        string reply = "";
        // httpd binds just after ps shows it: ask until it answers.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var s = PortForward(8082);
                s.Send(Encoding.ASCII.GetBytes("GET /index.html HTTP/1.0\r\n\r\n"));
                reply = Encoding.ASCII.GetString(ReadToEnd(s));
                break;
            }
            catch (ControlErrorException) when (DateTime.UtcNow < deadline) { Thread.Sleep(100); }
        }
        Assert.StartsWith("HTTP/1.", reply);
        Assert.EndsWith("\r\n\r\nsix\n", reply);
        server.Kill(entireProcessTree: true);
    }

    [Fact]
    public void PortForwardToAPortNobodyListensOnIsRefused()
    {
        using (var c = ControlConnection.Connect(_socket))
        {
            var fds = new List<int>();
            var e = Assert.Throws<ControlErrorException>(() => c.Call(new[] { "portforward", "8081" }, fds));
            Assert.Contains("127.0.0.1:8081: Connection refused", e.Message);
            Assert.Empty(fds);
        }
        using (var c = ControlConnection.Connect(_socket))
            Assert.Throws<ControlErrorException>(() => c.Call(new[] { "portforward", "0" }, new List<int>()));
        // The pod goes on serving.
        Assert.Equal("still-here\n", Run("after", "echo still-here").Stdout);
    }

    /// <summary>`sandbox pod port-forward --control S PORT`: the command's stdin and stdout are the connection.</summary>
    [Fact]
    public async Task PortForwardCommandCarriesStdio()
    {
        using var server = RunInBackground("echo", "nc -l -p 8084 -e sh -c 'read line; echo got $line'");
        WaitListening("echo", 8084);
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet")
        { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { SandboxProcess.SandboxDll, "pod", "port-forward", "--control", _socket, "8084" }) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        p.StandardInput.Write("ping\n");
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        Assert.True(p.WaitForExit(30_000), "pod port-forward did not end");
        Assert.True(p.ExitCode == 0, p.StandardError.ReadToEnd());
        Assert.Equal("got ping\n", await stdout);
    }
}
