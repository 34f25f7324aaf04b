using Grpc.Core;
using Runtime.V1;
using Sandbox.Shim.Tests.Support;

namespace Sandbox.Shim.Tests;

/// <summary>
/// A Sentry pod is one Sentry (`sandbox pod serve`): its containers share its process ids and
/// its network stack, exec runs inside the container, and the Sentry goes with the pod.
/// </summary>
[Collection("registry")]
public class SentryPodTests(RegistryFixture fx)
{
    private static async Task<PodSandboxStatusResponse> StatusAsync(RuntimeService.RuntimeServiceClient rt, string pod)
        => await rt.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod, Verbose = true });

    private static int SentryPid(PodSandboxStatusResponse s)
        => System.Text.Json.JsonDocument.Parse(s.Info["info"]).RootElement.GetProperty("sentryPid").GetInt32();

    private static async Task<ExecSyncResponse> ExecUntilAsync(RuntimeService.RuntimeServiceClient rt, string id, Func<ExecSyncResponse, bool> done, params string[] cmd)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var r = await rt.ExecSyncAsync(new ExecSyncRequest { ContainerId = id, Cmd = { cmd }, Timeout = 30 });
            if (done(r) || DateTime.UtcNow > deadline) return r;
            await Task.Delay(100);
        }
    }

    [SkippableFact]
    public async Task Containers_share_loopback_and_exec_sees_the_containers_files_and_processes()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        await using var h = await CriHarness.StartAsync(fx.Registry.Host);
        var rt = h.Client.Runtime;
        await h.Client.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = fx.BusyboxRef } });
        var podCfg = Cri.Pod("shared", Path.Combine(h.Root, "logs"));
        string pod = (await rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = podCfg })).PodSandboxId;
        var info = await StatusAsync(rt, pod);
        Assert.Contains("one Sentry per pod", info.Info["info"]);
        int sentry = SentryPid(info);
        Assert.True(Directory.Exists($"/proc/{sentry}"), "the pod's Sentry runs");

        string Create(string name, params string[] cmd) => rt.CreateContainer(new CreateContainerRequest
        { PodSandboxId = pod, Config = Cri.Container(name, fx.BusyboxRef, cmd, logPath: name + ".log"), SandboxConfig = podCfg }).ContainerId;

        // The server writes a file in its own root, then serves one line on 127.0.0.1:8080.
        string server = Create("server", "sh", "-c", "echo written > /tmp/mark; echo hello-over-loopback | busybox nc -l -p 8080; exec sleep 60");
        await rt.StartContainerAsync(new StartContainerRequest { ContainerId = server });
        var ps = await ExecUntilAsync(rt, server, r => r.Stdout.ToStringUtf8().Contains("nc -l"), "busybox", "ps", "-o", "pid,args");
        Assert.Contains("busybox nc -l -p 8080", ps.Stdout.ToStringUtf8());

        // ExecSync runs in the container: the file it wrote, its processes in /proc.
        var file = await rt.ExecSyncAsync(new ExecSyncRequest { ContainerId = server, Cmd = { "cat", "/tmp/mark" }, Timeout = 30 });
        Assert.Equal((0, "written\n"), (file.ExitCode, file.Stdout.ToStringUtf8()));
        var proc = await rt.ExecSyncAsync(new ExecSyncRequest { ContainerId = server, Cmd = { "sh", "-c", "cat /proc/[0-9]*/cmdline | tr '\\0' ' '" }, Timeout = 30 });
        Assert.Contains("nc -l -p 8080", proc.Stdout.ToStringUtf8());

        // A second container of the pod reaches the first over loopback, and has a root of its own.
        string client = Create("client", "sh", "-c", "busybox nc 127.0.0.1 8080 </dev/null; cat /tmp/mark || echo no-mark");
        await rt.StartContainerAsync(new StartContainerRequest { ContainerId = client });
        var cs = await Cri.WaitExitedAsync(rt, client, 30_000);
        Assert.Equal(ContainerState.ContainerExited, cs.State);
        string log = File.ReadAllText(cs.LogPath);
        Assert.Contains("stdout F hello-over-loopback", log);
        Assert.Contains("stdout F no-mark", log);

        // The client's end did not end the server's container.
        Assert.Equal(ContainerState.ContainerRunning, (await rt.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = server })).Status.State);
        var after = await ExecUntilAsync(rt, server, r => r.Stdout.ToStringUtf8().Contains("sleep 60"), "busybox", "ps", "-o", "args");
        Assert.Contains("sleep 60", after.Stdout.ToStringUtf8());

        // Stopping the pod stops its Sentry: no process and no socket are left.
        string socket = System.Text.Json.JsonDocument.Parse(info.Info["info"]).RootElement.GetProperty("controlSocket").GetString()!;
        Assert.True(File.Exists(socket));
        await rt.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = pod });
        Assert.Equal(ContainerState.ContainerExited, (await rt.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = server })).Status.State);
        Assert.False(Directory.Exists($"/proc/{sentry}") && File.ReadAllText($"/proc/{sentry}/cmdline").Contains("pod"), "the pod's Sentry is still running");
        Assert.False(File.Exists(socket), "the control socket is still there");
        Assert.Equal(PodSandboxState.SandboxNotready, (await StatusAsync(rt, pod)).Status.State);
        await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = pod });
    }

    [SkippableFact]
    public async Task A_pod_whose_sentry_died_is_not_ready_and_its_containers_exited()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        await using var h = await CriHarness.StartAsync(fx.Registry.Host);
        var rt = h.Client.Runtime;
        await h.Client.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = fx.BusyboxRef } });
        var podCfg = Cri.Pod("doomed", Path.Combine(h.Root, "logs"));
        string pod = (await rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = podCfg })).PodSandboxId;
        string c = rt.CreateContainer(new CreateContainerRequest
        { PodSandboxId = pod, Config = Cri.Container("c", fx.BusyboxRef, new[] { "sleep", "60" }, logPath: "c.log"), SandboxConfig = podCfg }).ContainerId;
        await rt.StartContainerAsync(new StartContainerRequest { ContainerId = c });
        int sentry = SentryPid(await StatusAsync(rt, pod));

        // Across a restart the Sentry and its container go on.
        await h.RestartAsync();
        rt = h.Client.Runtime;
        Assert.Equal(PodSandboxState.SandboxReady, (await StatusAsync(rt, pod)).Status.State);
        Assert.Equal(0, (await rt.ExecSyncAsync(new ExecSyncRequest { ContainerId = c, Cmd = { "true" }, Timeout = 30 })).ExitCode);

        System.Diagnostics.Process.GetProcessById(sentry).Kill();
        var st = await Cri.WaitExitedAsync(rt, c, 30_000);
        Assert.Equal(ContainerState.ContainerExited, st.State);
        Assert.NotEqual(0, st.ExitCode);
        Assert.Equal(PodSandboxState.SandboxNotready, (await StatusAsync(rt, pod)).Status.State);
        Assert.Equal(StatusCode.FailedPrecondition, await Cri.CodeOf(() => rt.CreateContainerAsync(new CreateContainerRequest
        { PodSandboxId = pod, Config = Cri.Container("d", fx.BusyboxRef, new[] { "true" }), SandboxConfig = podCfg }).ResponseAsync));
        await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = pod });
        Assert.Empty((await rt.ListPodSandboxAsync(new ListPodSandboxRequest())).Items);
    }

    /// <summary>
    /// What critest's volume, MaskedPaths, ReadonlyPaths, sysctls and DNS config specs check: a
    /// container's mounts (a host path given through a symlink, one that did not exist yet),
    /// masked and read-only paths, the pod's sysctls in every container, the pod's DNS config as
    /// /etc/resolv.conf over a read-only root, with the pod's /etc/hosts and /etc/hostname (not
    /// over a container's own /etc/hosts); a sysctl the Sentry lacks is refused.
    /// </summary>
    [SkippableFact]
    public async Task Containers_take_mounts_paths_sysctls_and_the_pods_dns_config()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        await using var h = await CriHarness.StartAsync(fx.Registry.Host);
        var rt = h.Client.Runtime;
        await h.Client.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = fx.BusyboxRef } });
        var podCfg = Cri.Pod("mounts", Path.Combine(h.Root, "logs"));
        podCfg.DnsConfig = new DNSConfig { Servers = { "192.0.2.53" }, Searches = { "example.test" }, Options = { "ndots:3" } };
        podCfg.Linux = new LinuxPodSandboxConfig { Sysctls = { ["kernel.shm_rmid_forced"] = "1", ["fs.mqueue.msg_max"] = "100" } };
        string pod = (await rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = podCfg })).PodSandboxId;

        string data = Path.Combine(h.Root, "data"), made = Path.Combine(h.Root, "made-by-the-runtime");
        Directory.CreateDirectory(data);
        File.WriteAllText(Path.Combine(data, "flag"), "");
        File.WriteAllText(Path.Combine(data, "secret"), "hidden\n");
        File.CreateSymbolicLink(data + "-link", data);
        var cfg = Cri.Container("c", fx.BusyboxRef, new[] { "sleep", "60" }, logPath: "c.log");
        cfg.Mounts.Add(new Mount { HostPath = data + "-link", ContainerPath = "/data", Propagation = MountPropagation.PropagationHostToContainer });
        cfg.Mounts.Add(new Mount { HostPath = made, ContainerPath = "/made" });
        cfg.Linux = new LinuxContainerConfig { SecurityContext = new LinuxContainerSecurityContext { ReadonlyRootfs = true, MaskedPaths = { "/data/secret" }, ReadonlyPaths = { "/tmp" } } };
        string c = rt.CreateContainer(new CreateContainerRequest { PodSandboxId = pod, Config = cfg, SandboxConfig = podCfg }).ContainerId;
        Assert.True(Directory.Exists(made), "a missing host path is made a directory");
        await rt.StartContainerAsync(new StartContainerRequest { ContainerId = c });
        var status = (await rt.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = c })).Status;
        Assert.Equal(MountPropagation.PropagationHostToContainer, status.Mounts[0].Propagation);

        async Task<string> Exec(string script)
        {
            var r = await rt.ExecSyncAsync(new ExecSyncRequest { ContainerId = c, Cmd = { "sh", "-c", script }, Timeout = 30 });
            Assert.True(r.ExitCode == 0, r.Stderr.ToStringUtf8());
            return r.Stdout.ToStringUtf8();
        }
        Assert.Equal("flag\nsecret\n", await Exec("ls -A /data"));
        Assert.Equal("secret=\n", await Exec("echo secret=$(cat /data/secret)"));
        await Exec("echo written > /made/file");
        Assert.Equal("written\n", File.ReadAllText(Path.Combine(made, "file")));
        var ro = await rt.ExecSyncAsync(new ExecSyncRequest { ContainerId = c, Cmd = { "sh", "-c", "echo x > /tmp/x" }, Timeout = 30 });
        Assert.NotEqual(0, ro.ExitCode);
        Assert.Contains("Read-only file system", ro.Stderr.ToStringUtf8());
        Assert.Equal("1\n100\n", await Exec("cat /proc/sys/kernel/shm_rmid_forced /proc/sys/fs/mqueue/msg_max"));
        Assert.Equal("search example.test\nnameserver 192.0.2.53\noptions ndots:3\n", await Exec("cat /etc/resolv.conf"));
        // The pod's /etc/hosts and /etc/hostname (no CNI here: no pod address line), read-only as the root is.
        Assert.Equal("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nmounts\n", await Exec("cat /etc/hosts /etc/hostname"));
        var roHosts = await rt.ExecSyncAsync(new ExecSyncRequest { ContainerId = c, Cmd = { "sh", "-c", "echo x >> /etc/hosts" }, Timeout = 30 });
        Assert.NotEqual(0, roHosts.ExitCode);

        // A container that mounts its own /etc/hosts (as kubelet does) keeps it; it still gets the pod's hostname.
        string ownHosts = Path.Combine(h.Root, "own-hosts");
        File.WriteAllText(ownHosts, "10.9.8.7\tkubelet-managed\n");
        var cfg2 = Cri.Container("own", fx.BusyboxRef, new[] { "sleep", "60" }, logPath: "own.log");
        cfg2.Mounts.Add(new Mount { HostPath = ownHosts, ContainerPath = "/etc/hosts" });
        string c2 = rt.CreateContainer(new CreateContainerRequest { PodSandboxId = pod, Config = cfg2, SandboxConfig = podCfg }).ContainerId;
        await rt.StartContainerAsync(new StartContainerRequest { ContainerId = c2 });
        var own = await rt.ExecSyncAsync(new ExecSyncRequest { ContainerId = c2, Cmd = { "sh", "-c", "cat /etc/hosts /etc/hostname; echo new >> /etc/hostname && echo hostname-rw" }, Timeout = 30 });
        Assert.True(own.ExitCode == 0, own.Stderr.ToStringUtf8());
        Assert.Equal("10.9.8.7\tkubelet-managed\nmounts\nhostname-rw\n", own.Stdout.ToStringUtf8());
        await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = pod });

        // A sysctl the Sentry does not have, or one that is the host's, is the request's fault.
        var bad = Cri.Pod("bad-sysctl", Path.Combine(h.Root, "logs"), uid: "uid-2");
        bad.Linux = new LinuxPodSandboxConfig { Sysctls = { ["kernel.hostname"] = "x" } };
        Assert.Equal(StatusCode.InvalidArgument, await Cri.CodeOf(() => rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = bad }).ResponseAsync));
    }

    /// <summary>
    /// Terminals of a Sentry pod: a tty exec's resize events reach its terminal (the exec's pid
    /// comes from `pod exec --pid-file`), and a container created with tty runs on a terminal of
    /// its own whose size follows an attach's resize events.
    /// </summary>
    [SkippableFact]
    public async Task Tty_exec_and_tty_container_take_resize_events()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        await using var h = await CriHarness.StartAsync(fx.Registry.Host);
        var rt = h.Client.Runtime;
        await h.Client.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = fx.BusyboxRef } });
        var podCfg = Cri.Pod("tty", Path.Combine(h.Root, "logs"));
        string pod = (await rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = podCfg })).PodSandboxId;

        var cfg = Cri.Container("t", fx.BusyboxRef, new[] { "sh", "-c", "tty >/dev/null && echo is-a-tty; read x; stty size; sleep 600" }, logPath: "t.log");
        cfg.Tty = true;
        cfg.Stdin = true;
        string c = rt.CreateContainer(new CreateContainerRequest { PodSandboxId = pod, Config = cfg, SandboxConfig = podCfg }).ContainerId;
        await rt.StartContainerAsync(new StartContainerRequest { ContainerId = c });

        var exec = (await rt.ExecAsync(new ExecRequest { ContainerId = c, Cmd = { "sh", "-c", "tty >/dev/null && echo tty; read x; stty size" }, Stdin = true, Stdout = true, Tty = true })).Url;
        var r = await SpdyTestClient.RunAsync(exec, ["error", "stdin", "stdout", "resize"], stdin: "go\n", stdinDelayMs: 1500, resize: """{"Width":100,"Height":30}""");
        Assert.Contains("30 100\r\n", r.Output["stdout"]);
        Assert.StartsWith("tty\r\n", r.Output["stdout"]);

        var attach = (await rt.AttachAsync(new AttachRequest { ContainerId = c, Stdin = true, Stdout = true, Tty = true })).Url;
        var a = await SpdyTestClient.RunAsync(attach, ["error", "stdin", "stdout", "resize"], stdin: "go\n", stdinDelayMs: 1500,
            resize: """{"Width":120,"Height":40}""", closeWhen: o => o.GetValueOrDefault("stdout", "").Contains("40 120"));
        Assert.Contains("40 120", a.Output["stdout"]);
        var log = File.ReadAllText(Path.Combine(h.Root, "logs", "t.log"));
        Assert.Contains("stdout F is-a-tty", log);
        Assert.DoesNotContain(" stderr ", log);
        await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = pod });
    }

    /// <summary>The image's USER is the container's identity when the security context names
    /// none (as containerd does), for the first process and for execs; run_as_user overrides it.</summary>
    [SkippableFact]
    public async Task The_images_user_applies_unless_the_security_context_names_one()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        await using var h = await CriHarness.StartAsync(fx.Registry.Host);
        var rt = h.Client.Runtime;
        string image = $"{fx.Registry.Host}/busybox-user:latest";
        await h.Client.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = image } });
        var podCfg = Cri.Pod("image-user", Path.Combine(h.Root, "logs"));
        string pod = (await rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = podCfg })).PodSandboxId;
        async Task<string> IdsOf(Action<ContainerConfig>? configure)
        {
            var cfg = Cri.Container("u" + Guid.NewGuid().ToString("n")[..6], image, new[] { "sh", "-c", "id -u > /tmp/first; sleep 60" }, logPath: "u.log");
            configure?.Invoke(cfg);
            string c = rt.CreateContainer(new CreateContainerRequest { PodSandboxId = pod, Config = cfg, SandboxConfig = podCfg }).ContainerId;
            await rt.StartContainerAsync(new StartContainerRequest { ContainerId = c });
            var r = await rt.ExecSyncAsync(new ExecSyncRequest { ContainerId = c, Cmd = { "sh", "-c", "while [ ! -s /tmp/first ]; do sleep 0.1; done; echo $(id -u):$(id -g) $(cat /tmp/first)" }, Timeout = 30 });
            Assert.True(r.ExitCode == 0, r.Stderr.ToStringUtf8());
            return r.Stdout.ToStringUtf8().Trim();
        }
        Assert.Equal("1234:5678 1234", await IdsOf(null));
        Assert.Equal("0:0 0", await IdsOf(c => c.Linux = new LinuxContainerConfig { SecurityContext = new LinuxContainerSecurityContext { RunAsUser = new Int64Value { Value = 0 } } }));
        await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = pod });
    }
}
