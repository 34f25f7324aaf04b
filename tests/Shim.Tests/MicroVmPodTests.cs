using System.Text.Json;
using Grpc.Core;
using Runtime.V1;
using Sandbox.Shim.Tests.Support;

namespace Sandbox.Shim.Tests;

/// <summary>
/// The microvm handler: one VM per pod (QEMU, the guest kernel, the agent), containers started,
/// exec'd, attached and stopped in it through the agent. Most tests share one pod (booting a VM
/// under TCG takes seconds); the lifecycle tests boot their own.
/// </summary>
[Collection("microvm")]
public class MicroVmPodTests(MicroVmFixture fx)
{
    private RuntimeService.RuntimeServiceClient Rt => fx.H.Client.Runtime;

    private static JsonElement VmInfo(RuntimeService.RuntimeServiceClient rt, string pod)
        => JsonDocument.Parse(rt.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = pod, Verbose = true }).Info["info"]).RootElement;

    private string Start(string name, string[] cmd, Action<ContainerConfig>? configure = null)
    {
        var cfg = Cri.Container(name, fx.BusyboxRef, cmd, logPath: name + ".log");
        configure?.Invoke(cfg);
        string id = Rt.CreateContainer(new CreateContainerRequest { PodSandboxId = fx.Pod, SandboxConfig = fx.PodCfg, Config = cfg }).ContainerId;
        Rt.StartContainer(new StartContainerRequest { ContainerId = id });
        return id;
    }

    private static async Task<string> LogOf(string path, Func<string, bool> done)
    {
        for (int i = 0; i < 400; i++)
        {
            string text = File.Exists(path) ? File.ReadAllText(path) : "";
            if (done(text)) return text;
            await Task.Delay(50);
        }
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    private static string[] Contents(string log) => log.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => l.Split(' ', 4)).Select(p => $"{p[1]} {p[2]} {p[3]}").ToArray();

    [SkippableFact]
    public async Task Container_runs_in_the_pods_vm_and_logs_in_cri_format()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        var info = VmInfo(Rt, fx.Pod);
        Assert.Equal("microvm", info.GetProperty("backend").GetString());
        string kernel = info.GetProperty("kernel").GetString()!;

        string id = Start("hello", ["sh", "-c", "echo hello; uname -r; hostname; echo oops >&2; exit 3"]);
        var st = await Cri.WaitExitedAsync(Rt, id);
        Assert.Equal((ContainerState.ContainerExited, 3, "Error"), (st.State, st.ExitCode, st.Reason));
        Assert.True(st.CreatedAt <= st.StartedAt && st.StartedAt <= st.FinishedAt);
        var lines = Contents(await LogOf(st.LogPath, t => t.Contains("stderr")));
        Assert.Equal(["stdout F hello", $"stdout F {kernel}", "stdout F vm-shared", "stderr F oops"], lines.OrderBy(l => l.StartsWith("stderr")).ToArray());
        await Rt.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = id });
    }

    [SkippableFact]
    public async Task ExecSync_sees_the_containers_processes_stats_come_from_the_vm_and_stop_sends_the_signal()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        string id = Start("sleeper", ["sleep", "600"]);
        var ps = await Rt.ExecSyncAsync(new ExecSyncRequest { ContainerId = id, Cmd = { "sh", "-c", "cat /proc/[0-9]*/comm" }, Timeout = 30 });
        Assert.Equal(0, ps.ExitCode);
        Assert.Contains("sleep", ps.Stdout.ToStringUtf8().Split('\n'));
        var fail = await Rt.ExecSyncAsync(new ExecSyncRequest { ContainerId = id, Cmd = { "sh", "-c", "cat /etc/hello.txt; echo err >&2; exit 7" } });
        Assert.Equal((7, "hello from layer 2\n", "err\n"), (fail.ExitCode, fail.Stdout.ToStringUtf8(), fail.Stderr.ToStringUtf8()));
        Assert.Equal(StatusCode.DeadlineExceeded, await Cri.CodeOf(() => Rt.ExecSyncAsync(new ExecSyncRequest { ContainerId = id, Cmd = { "sleep", "60" }, Timeout = 1 }).ResponseAsync));
        // The root filesystem is writable (an overlay in the VM over the image's read-only
        // directory: the image on the host stays as it was); /tmp is the container's own.
        var ro = await Rt.ExecSyncAsync(new ExecSyncRequest { ContainerId = id, Cmd = { "sh", "-c", "touch /x 2>/dev/null && echo rw || echo ro; echo t > /tmp/t && cat /tmp/t" } });
        Assert.Equal("rw\nt\n", ro.Stdout.ToStringUtf8());

        var stats = (await Rt.ContainerStatsAsync(new ContainerStatsRequest { ContainerId = id })).Stats;
        Assert.True(stats.Cpu.UsageCoreNanoSeconds.Value > 0 && stats.Memory.WorkingSetBytes.Value > 0, stats.ToString());
        var pod = (await Rt.PodSandboxStatsAsync(new PodSandboxStatsRequest { PodSandboxId = fx.Pod })).Stats;
        Assert.True(pod.Linux.Memory.WorkingSetBytes.Value > 0);

        await Rt.StopContainerAsync(new StopContainerRequest { ContainerId = id, Timeout = 30 });
        var st = (await Rt.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = id })).Status;
        Assert.Equal((ContainerState.ContainerExited, 128 + 15), (st.State, st.ExitCode));
        Assert.Equal(StatusCode.FailedPrecondition, await Cri.CodeOf(() => Rt.ExecSyncAsync(new ExecSyncRequest { ContainerId = id, Cmd = { "true" } }).ResponseAsync));
        await Rt.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = id });
    }

    [SkippableFact]
    public async Task Exec_with_a_terminal_applies_resize_events()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        string id = Start("tty-host", ["sleep", "600"]);
        var url = (await Rt.ExecAsync(new ExecRequest { ContainerId = id, Cmd = { "sh", "-c", "tty; read x; stty size" }, Stdin = true, Stdout = true, Tty = true })).Url;
        // The size goes out when the streams open; the line that lets the command go on, later.
        var r = await SpdyTestClient.RunAsync(url, ["error", "stdin", "stdout", "resize"], stdin: "go\n", stdinDelayMs: 1500,
            resize: """{"Width":100,"Height":30}""");
        Assert.Matches(@"^/dev/pts/\d+\r\n", r.Output["stdout"]);
        Assert.Contains("30 100\r\n", r.Output["stdout"]);
        Assert.Equal("""{"metadata":{},"status":"Success"}""", r.Output["error"]);

        // The same over a WebSocket (v5): resize on channel 4, stdin's end as a half-close.
        var ws = (await Rt.ExecAsync(new ExecRequest { ContainerId = id, Cmd = { "sh", "-c", "read x; stty size" }, Stdin = true, Stdout = true, Tty = true })).Url;
        var w = await WebSocketTestClient.RunAsync(ws, [WebSocketTestClient.Resize(120, 40), WebSocketTestClient.Stdin("go\n", delayMs: 1500), WebSocketTestClient.CloseStdin()]);
        Assert.Contains("40 120\r\n", w.Output[1]);
        Assert.Equal("""{"metadata":{},"status":"Success"}""", w.Output[3]);

        var plain = (await Rt.ExecAsync(new ExecRequest { ContainerId = id, Cmd = { "sh", "-c", "read x; echo got $x; echo err >&2; exit 3" }, Stdin = true, Stdout = true, Stderr = true })).Url;
        var p = await SpdyTestClient.RunAsync(plain, ["error", "stdin", "stdout", "stderr"], stdin: "hello\n");
        Assert.Equal(("got hello\n", "err\n"), (p.Output["stdout"], p.Output["stderr"]));
        Assert.Contains("\"message\":\"3\"", p.Output["error"]);
        await Rt.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = id });
    }

    [SkippableFact]
    public async Task Attach_sends_stdin_to_the_container_and_streams_its_output()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        string id = Start("attached", ["sh", "-c", "read x; echo attached $x; echo to-stderr >&2"], c => { c.Stdin = true; c.StdinOnce = true; });
        var url = (await Rt.AttachAsync(new AttachRequest { ContainerId = id, Stdin = true, Stdout = true, Stderr = true })).Url;
        var r = await SpdyTestClient.RunAsync(url, ["error", "stdin", "stdout", "stderr"], stdin: "there\n");
        Assert.Equal(("attached there\n", "to-stderr\n"), (r.Output["stdout"], r.Output["stderr"]));
        var st = await Cri.WaitExitedAsync(Rt, id);
        Assert.Equal((0, "Completed"), (st.ExitCode, st.Reason));
        Assert.Contains("stdout F attached there", File.ReadAllText(st.LogPath));
        await Rt.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = id });
    }

    [SkippableFact]
    public async Task Bad_requests_get_clear_errors_and_leave_the_pod_serving()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        Assert.Equal(StatusCode.InvalidArgument, await Cri.CodeOf(() => Rt.PortForwardAsync(new PortForwardRequest { PodSandboxId = fx.Pod, Port = { 70000 } }).ResponseAsync));

        // A program the image lacks: the start fails and says so; the container is exited.
        var cfg = Cri.Container("missing", fx.BusyboxRef, ["/no/such/program"]);
        string id = Rt.CreateContainer(new CreateContainerRequest { PodSandboxId = fx.Pod, SandboxConfig = fx.PodCfg, Config = cfg }).ContainerId;
        var e = await Assert.ThrowsAsync<RpcException>(() => Rt.StartContainerAsync(new StartContainerRequest { ContainerId = id }).ResponseAsync);
        Assert.Contains("/no/such/program", e.Status.Detail);
        var st = (await Rt.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = id })).Status;
        Assert.Equal((ContainerState.ContainerExited, "StartError"), (st.State, st.Reason));
        Assert.Equal(StatusCode.FailedPrecondition, await Cri.CodeOf(() => Rt.StartContainerAsync(new StartContainerRequest { ContainerId = id }).ResponseAsync));
        await Rt.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = id });

        string ok = Start("after", ["echo", "still serving"]);
        Assert.Equal(0, (await Cri.WaitExitedAsync(Rt, ok)).ExitCode);
        await Rt.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = ok });
    }

    [SkippableFact]
    public async Task PortForward_reaches_a_server_in_the_pod_and_reports_a_closed_port()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        string id = Start("web", ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/etc"]);
        string url = (await Rt.PortForwardAsync(new PortForwardRequest { PodSandboxId = fx.Pod, Port = { 8080 } })).Url;
        Assert.StartsWith(fx.H.Server.StreamingUrl + "/portforward/", url);
        // The server may still be starting: a refused connection is reported on the error stream, so try again.
        SpdyTestClient.Result r = null!;
        for (int i = 0; i < 50; i++)
        {
            r = await SpdyTestClient.RunAsync(i == 0 ? url : (await Rt.PortForwardAsync(new PortForwardRequest { PodSandboxId = fx.Pod })).Url, ["error", "data"],
                stdin: "GET /hello.txt HTTP/1.0\r\n\r\n", protocols: ["portforward.k8s.io"], inputStream: "data",
                extraHeaders: new() { ["port"] = "8080", ["requestid"] = "0" }, stdinDelayMs: 1,
                closeWhen: o => o["data"].Contains("hello from layer 2") || o["error"].Length > 0);
            if (r.Output["error"].Length == 0) break;
            await Task.Delay(100);
        }
        Assert.Equal(101, r.Status);
        Assert.Equal("", r.Output["error"]);
        Assert.StartsWith("HTTP/1.", r.Output["data"]);
        Assert.EndsWith("\r\n\r\nhello from layer 2\n", r.Output["data"]);

        string closed = (await Rt.PortForwardAsync(new PortForwardRequest { PodSandboxId = fx.Pod, Port = { 9 } })).Url;
        var c = await SpdyTestClient.RunAsync(closed, ["error", "data"], protocols: ["portforward.k8s.io"], inputStream: "data",
            extraHeaders: new() { ["port"] = "9", ["requestid"] = "1" }, closeWhen: o => o["error"].Length > 0);
        Assert.Contains("port 9", c.Output["error"]);
        Assert.Contains("refused", c.Output["error"]);
        await Rt.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = id });
    }

    /// <summary>
    /// Volumes reach the VM through the pod's volume share (a virtiofsd of its own): read-write
    /// and read-only host paths, a mount the host makes later inside a HOST_TO_CONTAINER volume
    /// (seen) and inside a PRIVATE one (not), a mount made in the container (never on the host),
    /// and the pod's resolv.conf, hosts and hostname. Removing the container undoes its binds.
    /// </summary>
    [SkippableFact]
    public async Task Volumes_pod_files_and_mount_propagation_reach_the_container()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        string root = Path.Combine(fx.H.Root, "volumes-" + Guid.NewGuid().ToString("n")[..6]);
        string data = Path.Combine(root, "data"), ro = Path.Combine(root, "ro"), slave = Path.Combine(root, "slave"), priv = Path.Combine(root, "priv"), src = Path.Combine(root, "src");
        foreach (var d in new[] { data, ro, slave, priv, src }) Directory.CreateDirectory(d);
        File.WriteAllText(Path.Combine(data, "f"), "from the host\n");
        File.WriteAllText(Path.Combine(ro, "f"), "read-only\n");
        File.WriteAllText(Path.Combine(src, "flag"), "");
        // As critest makes them: the slave volume an rshared mount, the private one rprivate.
        Sh($"mount --bind {slave} {slave} && mount --make-rshared {slave} && mount --bind {priv} {priv} && mount --make-rprivate {priv}");
        try
        {
            string id = Start("volumes", ["sleep", "600"], cfg =>
            {
                cfg.Mounts.Add(new Mount { HostPath = data, ContainerPath = "/data" });
                cfg.Mounts.Add(new Mount { HostPath = ro, ContainerPath = "/opt/ro", Readonly = true });
                cfg.Mounts.Add(new Mount { HostPath = slave, ContainerPath = "/slave", Propagation = MountPropagation.PropagationHostToContainer });
                cfg.Mounts.Add(new Mount { HostPath = priv, ContainerPath = "/priv", Propagation = MountPropagation.PropagationPrivate });
                cfg.Linux = new LinuxContainerConfig { SecurityContext = new LinuxContainerSecurityContext { Privileged = true } }; // to mount
            });
            async Task<string> Exec(string script, int want = 0)
            {
                var r = await Rt.ExecSyncAsync(new ExecSyncRequest { ContainerId = id, Cmd = { "sh", "-c", script }, Timeout = 60 });
                Assert.True(r.ExitCode == want, $"{script}: {r.ExitCode} {r.Stderr.ToStringUtf8()}");
                return r.Stdout.ToStringUtf8() + r.Stderr.ToStringUtf8();
            }
            Assert.Equal("from the host\n", await Exec("cat /data/f && echo written > /data/out"));
            Assert.Equal("written\n", File.ReadAllText(Path.Combine(data, "out")));
            Assert.Equal("read-only\n", await Exec("cat /opt/ro/f"));
            Assert.Contains("Read-only file system", await Exec("echo x > /opt/ro/g", want: 1));
            Assert.False(File.Exists(Path.Combine(ro, "g")));
            Assert.Equal("search default.svc.cluster.local\nnameserver 10.0.0.10\nvm-shared\n", await Exec("cat /etc/resolv.conf /etc/hostname"));
            Assert.StartsWith("127.0.0.1\tlocalhost\n", await Exec("cat /etc/hosts"));

            Directory.CreateDirectory(Path.Combine(slave, "m"));
            Directory.CreateDirectory(Path.Combine(priv, "m"));
            Sh($"mount --bind {src} {slave}/m && mount --bind {src} {priv}/m");
            Assert.Equal("flag\n", await Exec("ls -A /slave/m"));
            Assert.Equal("", await Exec("ls -A /priv/m"));
            // A mount in the container stays in the VM.
            await Exec("mkdir -p /slave/cm && mount -t tmpfs t /slave/cm && touch /slave/cm/in-vm");
            Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(slave, "cm")));

            // A read-only root still gets its mount points (the image has no /newdir).
            string roRoot = Start("ro-root", ["sleep", "600"], cfg =>
            {
                cfg.Mounts.Add(new Mount { HostPath = data, ContainerPath = "/newdir/data" });
                cfg.Linux = new LinuxContainerConfig { SecurityContext = new LinuxContainerSecurityContext { ReadonlyRootfs = true } };
            });
            var r2 = await Rt.ExecSyncAsync(new ExecSyncRequest { ContainerId = roRoot, Cmd = { "sh", "-c", "cat /newdir/data/f; touch /x" }, Timeout = 60 });
            Assert.Equal("from the host\n", r2.Stdout.ToStringUtf8());
            Assert.Contains("Read-only file system", r2.Stderr.ToStringUtf8());
            await Rt.StopContainerAsync(new StopContainerRequest { ContainerId = roRoot, Timeout = 0 });

            string share = Path.Combine(fx.H.Root, "state", "pods", fx.Pod + ".d", "vm");
            Assert.Contains(Sandbox.Shim.Backends.PodVolumes.MountPointsUnder(share), p => Path.GetFileName(p).StartsWith(id + "-"));
            await Rt.StopContainerAsync(new StopContainerRequest { ContainerId = id, Timeout = 0 });
            await Rt.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = id });
            Assert.DoesNotContain(Sandbox.Shim.Backends.PodVolumes.MountPointsUnder(share), p => Path.GetFileName(p).StartsWith(id + "-"));
            Assert.Empty(Directory.GetFileSystemEntries(share, id + "-*"));
            Assert.Equal("written\n", File.ReadAllText(Path.Combine(data, "out")));
        }
        finally
        {
            Sh($"umount -R {slave}/m {priv}/m {slave} {priv} 2>/dev/null; true");
        }
    }

    private static void Sh(string script)
    {
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/bin/sh", ["-c", script]) { RedirectStandardError = true })!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{script}: {err}");
    }

    /// <summary>Its own server and pods: StopPodSandbox and a server restart take the VM down, no QEMU is left.</summary>
    [SkippableFact]
    public async Task Stopping_the_pod_or_the_server_leaves_no_vm_behind()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        await using var h = await CriHarness.StartAsync(fx.Images!.Registry.Host);
        var rt = h.Client.Runtime;
        await h.Client.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = fx.BusyboxRef } });

        async Task<(string Pod, PodSandboxConfig Cfg, string Container, int Qemu)> PodWithSleeper(string name)
        {
            var podCfg = Cri.Pod(name, Path.Combine(h.Root, "logs"));
            string pod = (await rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = podCfg, RuntimeHandler = "microvm" })).PodSandboxId;
            string c = rt.CreateContainer(new CreateContainerRequest { PodSandboxId = pod, SandboxConfig = podCfg, Config = Cri.Container("s", fx.BusyboxRef, ["sleep", "600"]) }).ContainerId;
            await rt.StartContainerAsync(new StartContainerRequest { ContainerId = c });
            int qemu = VmInfo(rt, pod).GetProperty("qemuPid").GetInt32();
            Assert.True(Alive(qemu));
            return (pod, podCfg, c, qemu);
        }

        var a = await PodWithSleeper("vm-a");
        // QEMU in the pod's cgroup: CPU limits apply, memory stays the VM's size.
        var cg = Sandbox.Shim.Backends.PodCgroup.UnavailableReason() == null ? Sandbox.Shim.Backends.PodCgroup.Open(null, a.Pod) ?? throw new Xunit.Sdk.XunitException("the microvm pod has no cgroup") : null;
        if (cg != null)
        {
            Assert.Contains(a.Qemu, cg.Processes());
            await rt.UpdateContainerResourcesAsync(new UpdateContainerResourcesRequest
            { ContainerId = a.Container, Linux = new LinuxContainerResources { CpuQuota = 50_000, CpuPeriod = 100_000, MemoryLimitInBytes = 64L << 20 } });
            string cpu = cg.DirOf("cpu")!, mem = cg.DirOf("memory")!;
            Assert.Equal(cg.Version == "v2" ? "50000 100000" : "50000", File.ReadAllText(Path.Combine(cpu, cg.Version == "v2" ? "cpu.max" : "cpu.cfs_quota_us")).Trim());
            string memMax = File.ReadAllText(Path.Combine(mem, cg.Version == "v2" ? "memory.max" : "memory.limit_in_bytes")).Trim();
            Assert.True(memMax == "max" || long.Parse(memMax) > 1L << 50, memMax);
        }
        await rt.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = a.Pod });
        if (cg != null) Assert.False(Directory.Exists(cg.Path), "the pod's cgroup is still there");
        Assert.False(Alive(a.Qemu), "QEMU is gone once StopPodSandbox returns");
        var st = (await rt.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = a.Container })).Status;
        Assert.Equal((ContainerState.ContainerExited, 137), (st.State, st.ExitCode));
        Assert.Equal(PodSandboxState.SandboxNotready, (await rt.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = a.Pod })).Status.State);
        Assert.Equal(StatusCode.FailedPrecondition, await Cri.CodeOf(() => rt.CreateContainerAsync(new CreateContainerRequest
        { PodSandboxId = a.Pod, SandboxConfig = a.Cfg, Config = Cri.Container("late", fx.BusyboxRef, ["true"]) }).ResponseAsync));
        await rt.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = a.Pod }); // idempotent
        await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = a.Pod });

        // A VM that dies under its pod: the pod is not ready, its container exited saying why.
        var c = await PodWithSleeper("vm-c");
        Assert.Equal(0, Kill(c.Qemu, 9));
        st = await Cri.WaitExitedAsync(rt, c.Container);
        Assert.Equal((ContainerState.ContainerExited, 255), (st.State, st.ExitCode));
        Assert.Contains("VM", st.Message);
        Assert.Equal(PodSandboxState.SandboxNotready, (await rt.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = c.Pod })).Status.State);
        await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = c.Pod });

        var b = await PodWithSleeper("vm-b");
        await h.RestartAsync();
        rt = h.Client.Runtime;
        Assert.False(Alive(b.Qemu), "the VM does not outlive the server");
        Assert.Equal(PodSandboxState.SandboxNotready, (await rt.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = b.Pod })).Status.State);
        st = (await rt.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = b.Container })).Status;
        Assert.Equal((ContainerState.ContainerExited, 255), (st.State, st.ExitCode));
        Assert.Contains("VM", st.Message);
        await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = b.Pod });
        Assert.Empty((await rt.ListPodSandboxAsync(new ListPodSandboxRequest())).Items);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int sig);

    private static bool Alive(int pid)
    {
        // A zombie is gone for this purpose; /proc/PID/stat says which.
        try { return File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1][0] != 'Z'; }
        catch (IOException) { return false; }
    }
}
