using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Sandbox.Linux.Control;
using Xunit;

namespace Sandbox.Tests;

/// <summary>`sandbox pod`: one Sentry, several containers, driven over its control socket.</summary>
public sealed class PodTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pod-test-").FullName;
    private readonly string _rootfs;
    private readonly string _socket;
    private readonly Process _pod;

    public PodTests()
    {
        Assert.True(File.Exists("/bin/busybox"), "busybox-static is not installed (apt-get install busybox-static)");
        _rootfs = Path.Combine(_dir, "rootfs");
        foreach (var d in new[] { "bin", "proc", "dev", "tmp", "sys", "etc", "root" }) Directory.CreateDirectory(Path.Combine(_rootfs, d));
        File.Copy("/bin/busybox", Path.Combine(_rootfs, "bin/busybox"));
        foreach (var a in new[] { "sh", "cat", "echo", "ps", "nc", "sleep", "ls", "grep", "kill" })
            File.CreateSymbolicLink(Path.Combine(_rootfs, "bin", a), "busybox");
        File.WriteAllText(Path.Combine(_rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        _socket = Path.Combine(_dir, "pod.sock");
        _pod = StartPod(_socket);
    }

    private static Process StartPod(string socket, params string[] extra)
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { SandboxProcess.SandboxDll, "pod", "serve", "--control", socket }.Concat(extra)) psi.ArgumentList.Add(a);
        var pod = Process.Start(psi)!;
        pod.BeginOutputReadLine();
        pod.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try { using var c = ControlConnection.Connect(socket); Assert.Equal("1", c.Call(new[] { "version" })[1]); return pod; }
            catch (IOException) when (DateTime.UtcNow < deadline && !pod.HasExited) { Thread.Sleep(50); }
        }
    }

    [Fact]
    public void WithPauseThePodHasAPid1OfItsOwn()
    {
        string socket = Path.Combine(_dir, "paused.sock");
        using var pod = StartPod(socket, "--pause");
        try
        {
            var r = SandboxProcess.SandboxCli("pod", "run", "--control", socket, "--id", "c", "--rootfs", _rootfs, "--env", "PATH=/bin", "--",
                "sh", "-c", "echo pid=$$; echo cmdline=$(cat /proc/1/cmdline); kill -9 1; cat /proc/1/comm");
            Assert.True(r.Exit == 0, r.Stderr);
            Assert.Equal("pid=2\ncmdline=\npause\n", r.Stdout);
        }
        finally
        {
            SandboxProcess.SandboxCli("pod", "shutdown", "--control", socket);
            pod.WaitForExit(10_000);
        }
    }

    /// <summary>
    /// A container's process takes run's identity, capability, no_new_privs and seccomp options;
    /// the client resolves the user and group names in the image and sends the profile's JSON.
    /// </summary>
    [Fact]
    public void ContainersTakeIdentityCapabilitiesAndSeccomp()
    {
        File.WriteAllText(Path.Combine(_rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nalice:x:1234:4321::/:/bin/sh\n");
        File.WriteAllText(Path.Combine(_rootfs, "etc/group"), "root:x:0:\nextra:x:777:alice\n");
        string profile = Path.Combine(_dir, "profile.json");
        File.WriteAllText(profile, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"chmod\",\"fchmodat\"],\"action\":\"SCMP_ACT_ERRNO\"}]}");
        var r = SandboxProcess.SandboxCli(Pod("run", "who", "--rootfs", _rootfs, "--env", "PATH=/bin", "--user", "alice", "--cap-drop", "ALL",
            "--no-new-privileges", "--seccomp-profile", profile, "--", "sh", "-c",
            "echo $(busybox id -u) $(busybox id -g) $(busybox id -G); chmod 700 /tmp 2>/dev/null; echo chmod=$?; grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status"));
        Assert.True(r.Exit == 0, r.Stderr);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("1234 4321 ", lines[0]);
        Assert.Contains("777", lines[0]);
        Assert.Equal(new[] { "chmod=1", "CapEff:\t0000000000000000", "NoNewPrivs:\t1", "Seccomp:\t2" }, lines[1..]);
        // Sysctls are the pod's kernel's: a container cannot change them for its neighbours.
        var bad = SandboxProcess.SandboxCli(Pod("run", "bad", "--rootfs", _rootfs, "--sysctl", "kernel.shmmax=1000", "--", "/bin/true"));
        Assert.Equal(125, bad.Exit);
        Assert.Contains("sysctls are the pod's", bad.Stderr);
    }

    /// <summary>
    /// A container's volumes, bind mounts (a directory, a file over a read-only root's missing
    /// /etc/resolv.conf), tmpfs, read-only and masked paths; each bind served by a Gofer of its own.
    /// </summary>
    [Fact]
    public void ContainersTakeVolumesMountsAndMaskedOrReadOnlyPaths()
    {
        string volume = Path.Combine(_dir, "volume"), data = Path.Combine(_dir, "data"), resolv = Path.Combine(_dir, "resolv.conf");
        Directory.CreateDirectory(volume);
        Directory.CreateDirectory(data);
        File.WriteAllText(Path.Combine(volume, "flag"), "");
        File.WriteAllText(Path.Combine(data, "d"), "from-the-host\n");
        File.WriteAllText(resolv, "nameserver 192.0.2.53\n");
        // Through a symlink, as critest's "host path is a symlink" gives it.
        File.CreateSymbolicLink(volume + "-link", volume);
        var r = SandboxProcess.SandboxCli(Pod("run", "mounts", "--rootfs", _rootfs, "--env", "PATH=/bin", "--read-only",
            "--volume", volume + "-link:/vol", "--mount", $"type=bind,source={data},destination=/data,ro",
            "--mount", $"type=bind,source={resolv},destination=/etc/resolv.conf,ro", "--tmpfs", "/scratch",
            "--readonly-path", "/tmp", "--masked-path", "/etc/passwd", "--masked-path", "/root", "--", "sh", "-c",
            "ls -A /vol; echo made > /vol/new; cat /data/d; echo x > /data/e 2>/dev/null || echo data-ro; cat /etc/resolv.conf; "
            + "echo s > /scratch/s && cat /scratch/s; echo t > /tmp/t 2>/dev/null || echo tmp-ro; echo passwd=$(cat /etc/passwd); "
            + "ls -A /root; echo root=$?; echo z > /etc/z 2>/dev/null || echo root-ro"));
        Assert.True(r.Exit == 0, r.Stderr);
        Assert.Equal("flag\nfrom-the-host\ndata-ro\nnameserver 192.0.2.53\ns\ntmp-ro\npasswd=\nroot=0\nroot-ro\n", r.Stdout);
        Assert.Equal("made\n", File.ReadAllText(Path.Combine(volume, "new")));
        Assert.False(File.Exists(Path.Combine(data, "e")));
        // A file bind needs to know what it binds: the pod, which sees no host file, is told by its client.
        var missing = SandboxProcess.SandboxCli(Pod("run", "missing", "--rootfs", _rootfs, "--mount", $"type=bind,source={_dir}/nothing,destination=/x", "--", "/bin/true"));
        Assert.Equal(125, missing.Exit);
        Assert.Contains("no such file or directory", missing.Stderr);
    }

    /// <summary>Sysctls are the pod's (`pod serve --sysctl`): every container sees them; one it lacks stops the pod from starting.</summary>
    [Fact]
    public void SysctlsAreThePods()
    {
        string socket = Path.Combine(_dir, "sysctl.sock");
        using var pod = StartPod(socket, "--sysctl", "kernel.shm_rmid_forced=1", "--sysctl", "fs.mqueue.msg_max=100");
        try
        {
            var r = SandboxProcess.SandboxCli("pod", "run", "--control", socket, "--id", "c", "--rootfs", _rootfs, "--env", "PATH=/bin",
                "--sysctl", "kernel.shm_rmid_forced=1", "--", "sh", "-c", "cat /proc/sys/kernel/shm_rmid_forced /proc/sys/fs/mqueue/msg_max");
            Assert.True(r.Exit == 0, r.Stderr);
            Assert.Equal("1\n100\n", r.Stdout);
        }
        finally
        {
            SandboxProcess.SandboxCli("pod", "shutdown", "--control", socket);
            pod.WaitForExit(10_000);
        }
        var bad = SandboxProcess.SandboxCli("pod", "serve", "--control", Path.Combine(_dir, "bad.sock"), "--sysctl", "kernel.hostname=x");
        Assert.Equal(125, bad.Exit);
        Assert.Contains("not a namespaced sysctl", bad.Stderr);
    }

    /// <summary>
    /// Mount propagation (critest's "Container Mount Propagation"): what the host mounts below a
    /// bind after the container started shows inside when the bind is rslave or rshared (its
    /// Gofer's mounts are the host's slaves), not when it is rprivate; a mount made inside
    /// never reaches the host.
    /// </summary>
    [SkippableFact]
    public void HostMountsBelowASlaveBindShowInside()
    {
        string src = Path.Combine(_dir, "prop-src"), mnt = Path.Combine(_dir, "prop-mnt"), below = Path.Combine(mnt, "below");
        Directory.CreateDirectory(src);
        Directory.CreateDirectory(below);
        File.WriteAllText(Path.Combine(src, "flag"), "");
        Skip.If(HostMount("--bind", mnt, mnt) != 0, "skipped: this host does not let the test mount (no CAP_SYS_ADMIN?)");
        try
        {
            Assert.Equal(0, HostMount("--make-rshared", mnt));
            using var slave = RunInBackground("slave", "exec sleep 1000", "--mount", $"type=bind,source={mnt},destination=/m,bind-propagation=rslave", "--cap-add", "SYS_ADMIN");
            using var priv = RunInBackground("private", "exec sleep 1000", "--mount", $"type=bind,source={mnt},destination=/m");
            WaitFor(() => Containers().Contains("slave") && Containers().Contains("private"), "the containers");
            Assert.Equal(0, HostMount("--bind", src, below));
            Assert.Equal("flag\n", Exec("slave", "ls -A /m/below").Stdout);
            Assert.Equal("", Exec("private", "ls -A /m/below").Stdout);
            // The sandbox's own mounts stay its own.
            var inside = Exec("slave", "mkdir -p /m/inner && busybox mount --bind /bin /m/inner && ls /m/inner | grep -c busybox");
            Assert.True(inside.Exit == 0, inside.Stderr);
            Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(mnt, "inner")));
            slave.Kill();
            priv.Kill();
        }
        finally
        {
            HostMount("-l", below, umount: true);
            HostMount("-l", mnt, umount: true);
        }
    }

    private static int HostMount(string a, string b, string? c = null, bool umount = false)
    {
        var psi = new ProcessStartInfo(umount ? "umount" : "mount") { UseShellExecute = false, RedirectStandardError = true };
        psi.ArgumentList.Add(a);
        psi.ArgumentList.Add(b);
        if (c != null) psi.ArgumentList.Add(c);
        using var p = Process.Start(psi)!;
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode;
    }

    /// <summary>
    /// A pod Sentry given a network namespace (`--netns`, what the CRI server passes for the pod's
    /// network): its containers have the veth's address and reach the host, and the host reaches them.
    /// </summary>
    [SkippableFact]
    public void WithANetnsThePodHasItsAddress()
    {
        var why = NetDevice.SkipReason();
        Skip.If(why != null, $"skipped: {why}");
        using var net = new NetDevice();
        string socket = Path.Combine(_dir, "net.sock");
        using var pod = StartPod(socket, "--netns", net.Ns);
        try
        {
            var r = SandboxProcess.SandboxCli("pod", "run", "--control", socket, "--id", "c", "--rootfs", _rootfs, "--env", "PATH=/bin", "--",
                "sh", "-c", $"busybox ip -4 addr show dev {net.NsIf} | grep -o 'inet [0-9./]*'; busybox ping -c 2 -W 5 {net.HostIp} >/dev/null && echo reached host");
            Assert.True(r.Exit == 0, r.Stdout + r.Stderr);
            Assert.Equal($"inet {net.SandboxIp}/24\nreached host\n", r.Stdout);
            var (code, o, e) = NetDevice.Run("ping", $"-n -c 2 -W 5 {net.SandboxIp}", 30_000);
            Assert.True(code == 0, o + e);
        }
        finally
        {
            SandboxProcess.SandboxCli("pod", "shutdown", "--control", socket);
            pod.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        try { if (!_pod.HasExited) { using var c = ControlConnection.Connect(_socket); c.Call(new[] { "shutdown" }); } }
        catch (IOException) { }
        if (!_pod.WaitForExit(10_000)) _pod.Kill(entireProcessTree: true);
        _pod.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private string[] Pod(string command, string id, params string[] rest)
        => new[] { "pod", command, "--control", _socket, "--id", id }.Concat(rest).ToArray();

    private SandboxProcess.Result Run(string id, string script)
        => SandboxProcess.SandboxCli(Pod("run", id, "--rootfs", _rootfs, "--env", "PATH=/bin", "--", "sh", "-c", script));

    private SandboxProcess.Result Exec(string id, string script)
        => SandboxProcess.SandboxCli(Pod("exec", id, "--env", "PATH=/bin", "--", "sh", "-c", script));

    /// <summary>`pod run` in the background: the container lives as long as this process.</summary>
    private Process RunInBackground(string id, string script, params string[] options)
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in new[] { SandboxProcess.SandboxDll }.Concat(Pod("run", id, new[] { "--rootfs", _rootfs, "--env", "PATH=/bin" }.Concat(options).Concat(new[] { "--", "sh", "-c", script }).ToArray())))
            psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    private void WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            Thread.Sleep(50);
        }
    }

    private List<string> Containers()
    {
        using var c = ControlConnection.Connect(_socket);
        return c.Call(new[] { "list" }).Skip(1).ToList();
    }

    [Fact]
    public void ContainersOfAPodTalkOverLoopback()
    {
        using var server = RunInBackground("server", "echo hello-from-server | nc -l -p 8080");
        // The listener is up once the exec sees nc among the pod's processes.
        WaitFor(() => Exec("server", "ps").Stdout.Contains("nc -l"), "the server's nc");
        var client = Run("client", "nc 127.0.0.1 8080 </dev/null");
        Assert.True(client.Exit == 0, client.Stderr);
        Assert.Equal("hello-from-server\n", client.Stdout);
        Assert.True(server.WaitForExit(10_000));
        Assert.Equal(0, server.ExitCode);
    }

    [Fact]
    public void ExecSeesTheContainersFilesAndProcesses()
    {
        using var main = RunInBackground("main", "echo written-by-main > /root/file; exec sleep 1000");
        WaitFor(() => Exec("main", "cat /root/file").Stdout == "written-by-main\n", "the container's file");
        var ps = Exec("main", "ps -o pid,args; cat /proc/1/cmdline | tr '\\0' ' '");
        Assert.True(ps.Exit == 0, ps.Stderr);
        Assert.Contains("sleep 1000", ps.Stdout);
        // Another container of the pod has a root of its own: it does not see the file.
        var other = Run("other", "cat /root/file");
        Assert.NotEqual(0, other.Exit);
        var code = Exec("main", "exit 7");
        Assert.Equal(7, code.Exit);
        main.Kill();
        main.WaitForExit();
        // The container went with its client.
        WaitFor(() => !Containers().Contains("main"), "the container to be removed");
    }

    [Fact]
    public void AContainerEndsWhileAnotherKeepsRunning()
    {
        using var keeper = RunInBackground("keeper", "exec sleep 1000");
        WaitFor(() => Containers().Contains("keeper"), "the first container");
        var quick = Run("quick", "sleep 1000 & echo done; exit 3");
        Assert.Equal(3, quick.Exit);
        Assert.Equal("done\n", quick.Stdout);
        // The quick container's background sleep went with it; the keeper's did not.
        var ps = Exec("keeper", "ps -o args");
        Assert.Equal(1, ps.Stdout.Split('\n').Count(l => l.Trim() == "sleep 1000"));
        Assert.False(keeper.HasExited);
        var kill = SandboxProcess.SandboxCli(Pod("kill", "keeper", "TERM"));
        Assert.True(kill.Exit == 0, kill.Stderr);
        Assert.True(keeper.WaitForExit(10_000));
        Assert.Equal(128 + 15, keeper.ExitCode);
    }

    [Fact]
    public void ExitsAreEventsToo()
    {
        using var events = ControlConnection.Connect(_socket);
        events.Send(new[] { "events" });
        var none = new List<int>();
        Assert.Equal("ok", events.Receive(none)![0]);
        var r = Run("evented", "exit 5");
        Assert.Equal(5, r.Exit);
        var ev = events.Receive(none)!;
        Assert.Equal(new[] { "exit", "evented" }, ev.Take(2));
        Assert.Equal(new[] { "5", "0", "" }, ev.Skip(3));
    }

    [Fact]
    public void StartErrorsAreReported()
    {
        var r = SandboxProcess.SandboxCli(Pod("run", "bad", "--rootfs", _rootfs, "--env", "PATH=/bin", "--", "no-such-program"));
        Assert.Equal(127, r.Exit);
        Assert.Contains("no-such-program: command not found", r.Stderr);
        var e = SandboxProcess.SandboxCli(Pod("exec", "nonexistent", "--", "sh"));
        Assert.Equal(125, e.Exit);
        Assert.Contains("no container nonexistent", e.Stderr);
    }

    private static byte[] Frame(ushort version, params string[] fields)
    {
        var body = new List<byte>();
        var head = new byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(head, version);
        BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(2), (ushort)fields.Length);
        body.AddRange(head);
        foreach (var f in fields)
        {
            var b = System.Text.Encoding.UTF8.GetBytes(f);
            var len = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)b.Length);
            body.AddRange(len);
            body.AddRange(b);
        }
        var frame = new byte[4 + body.Count];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)body.Count);
        body.CopyTo(frame, 4);
        return frame;
    }

    private string RawExchange(byte[] bytes)
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.Connect(new UnixDomainSocketEndPoint(_socket));
        s.Send(bytes);
        s.Shutdown(SocketShutdown.Send);
        var reply = new List<byte>();
        var buf = new byte[4096];
        s.ReceiveTimeout = 10_000;
        int n;
        while ((n = s.Receive(buf)) > 0) reply.AddRange(buf.AsSpan(0, n).ToArray());
        var fields = ControlFrame.Decode(reply.Skip(4).ToArray(), out string error);
        Assert.True(fields != null, error);
        return string.Join('|', fields!);
    }

    [Fact]
    public void MalformedMessagesGetAnErrorAndThePodGoesOn()
    {
        Assert.StartsWith("error|malformed message: protocol version 9", RawExchange(Frame(9, "version")));
        Assert.StartsWith("error|malformed message: a message of 4294967295 bytes", RawExchange(new byte[] { 0xff, 0xff, 0xff, 0xff }));
        var truncatedField = Frame(1, "version");
        BinaryPrimitives.WriteUInt32LittleEndian(truncatedField.AsSpan(8), 1000);
        Assert.StartsWith("error|malformed message: field 0 runs past", RawExchange(truncatedField));
        Assert.StartsWith("error|malformed message: the connection ended inside a message", RawExchange(Frame(1, "version")[..6]));
        Assert.StartsWith("error|malformed message: a message with no fields", RawExchange(Frame(1)));
        var badUtf8 = Frame(1, "ab");
        badUtf8[^1] = 0xff;
        Assert.StartsWith("error|malformed message: field 0 is not UTF-8", RawExchange(badUtf8));
        Assert.Equal("error|unknown request 'bogus'", RawExchange(Frame(1, "bogus")));
        Assert.StartsWith("error|wait: missing argument", RawExchange(Frame(1, "wait")));
        Assert.StartsWith("error|", RawExchange(Frame(1, "signal", "x", "notanumber", "15")));
        Assert.StartsWith("error|signal 99 is out of range", RawExchange(Frame(1, "signal", "x", "0", "99")));
        Assert.StartsWith("error|start: stdin, stdout and stderr expected", RawExchange(Frame(1, "start", "x", "--", "sh")));
        Assert.StartsWith("error|create: 1 Gofer connections expected", RawExchange(Frame(1, "create", "x", "--", "sh")));
        Assert.StartsWith("error|unknown option '--bogus'", RawExchange(Frame(1, "create", "x", "--bogus", "--", "sh")));
        // Still serving.
        var r = Run("after", "echo still-here");
        Assert.Equal("still-here\n", r.Stdout);
    }

    [Fact]
    public void ShutdownLeavesNoProcessOrSocket()
    {
        using var c1 = RunInBackground("one", "exec sleep 1000");
        WaitFor(() => Containers().Contains("one"), "the container");
        var gofers = GoferPids();
        Assert.NotEmpty(gofers);
        var r = SandboxProcess.SandboxCli("pod", "shutdown", "--control", _socket);
        Assert.True(r.Exit == 0, r.Stderr);
        Assert.True(_pod.WaitForExit(10_000), "the pod did not exit");
        Assert.Equal(0, _pod.ExitCode);
        Assert.False(File.Exists(_socket), "the control socket is still there");
        Assert.True(c1.WaitForExit(10_000), "the client did not end with its pod");
        WaitFor(() => GoferPids().Count == 0, "the Gofers to exit");
    }

    /// <summary>Gofers serving this test's rootfs.</summary>
    private List<int> GoferPids()
    {
        var pids = new List<int>();
        foreach (var d in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(d), out int pid)) continue;
            try
            {
                var cmd = File.ReadAllText(Path.Combine(d, "cmdline")).Split('\0');
                if (cmd.Contains("gofer") && cmd.Contains(_rootfs)) pids.Add(pid);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return pids;
    }
}
