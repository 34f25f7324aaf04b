using Grpc.Core;
using Runtime.V1;
using Sandbox.Shim.Tests.Support;

namespace Sandbox.Shim.Tests;

/// <summary>
/// Whole pod lifecycles on the sentry handler: the image pulled from the local registry, the
/// container run by the Sentry (`sandbox run`), its output read back from the CRI log file.
/// </summary>
[Collection("registry")]
public class EndToEndTests(RegistryFixture fx)
{
    private static async Task<string> LogOf(string path, int lines, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            string text = File.Exists(path) ? File.ReadAllText(path) : "";
            if (text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= lines || DateTime.UtcNow > deadline) return text;
            await Task.Delay(50);
        }
    }

    private static string[] Contents(string log) => log.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => l.Split(' ', 4)).Select(p => $"{p[1]} {p[2]} {p[3]}").ToArray();

    [SkippableFact]
    public async Task Busybox_echo_hello_runs_in_the_sentry_and_logs_in_cri_format()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        await using var h = await CriHarness.StartAsync(fx.Registry.Host);
        var rt = h.Client.Runtime;
        await h.Client.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = fx.BusyboxRef } });

        string logDir = Path.Combine(h.Root, "pods", "hello");
        var podCfg = Cri.Pod("hello", logDir);
        string pod = (await rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = podCfg, RuntimeHandler = "sentry" })).PodSandboxId;

        var events = rt.GetContainerEvents(new GetEventsRequest());
        var seen = new List<ContainerEventType>();
        var collect = Task.Run(async () =>
        {
            await foreach (var ev in events.ResponseStream.ReadAllAsync())
            {
                lock (seen) seen.Add(ev.ContainerEventType);
                if (ev.ContainerEventType == ContainerEventType.ContainerDeletedEvent) return;
            }
        });
        await Task.Delay(200); // let the event stream subscribe

        var cfg = Cri.Container("hello", fx.BusyboxRef, new[] { "sh", "-c", "echo hello; echo $IMAGE_VAR $MY_VAR; echo oops >&2; exit 3" }, logPath: "hello/0.log", labels: ("tier", "test"));
        cfg.Envs.Add(new KeyValue { Key = "MY_VAR", Value = Google.Protobuf.ByteString.CopyFromUtf8("from-cri") });
        string id = (await rt.CreateContainerAsync(new CreateContainerRequest { PodSandboxId = pod, Config = cfg, SandboxConfig = podCfg })).ContainerId;
        var created = (await rt.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = id })).Status;
        Assert.Equal(ContainerState.ContainerCreated, created.State);
        Assert.Equal(Path.Combine(logDir, "hello/0.log"), created.LogPath);
        Assert.Equal(fx.BusyboxConfigDigest, created.ImageId);
        Assert.StartsWith($"{fx.Registry.Host}/busybox@sha256:", created.ImageRef);

        await rt.StartContainerAsync(new StartContainerRequest { ContainerId = id });
        Assert.Equal(StatusCode.FailedPrecondition, await Cri.CodeOf(() => rt.StartContainerAsync(new StartContainerRequest { ContainerId = id }).ResponseAsync));
        var st = await Cri.WaitExitedAsync(rt, id);
        Assert.Equal(ContainerState.ContainerExited, st.State);
        Assert.Equal(3, st.ExitCode);
        Assert.Equal("Error", st.Reason);
        Assert.True(st.CreatedAt <= st.StartedAt && st.StartedAt <= st.FinishedAt, $"{st.CreatedAt} {st.StartedAt} {st.FinishedAt}");

        string log = await LogOf(st.LogPath, 3);
        Assert.Matches(new System.Text.RegularExpressions.Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z stdout F hello$", System.Text.RegularExpressions.RegexOptions.Multiline), log);
        var lines = Contents(log);
        Assert.Equal(new[] { "stdout F hello", "stdout F from-image from-cri", "stderr F oops" }, lines.OrderBy(l => l.StartsWith("stderr")).ToArray());

        var byLabel = await rt.ListContainersAsync(new ListContainersRequest { Filter = new ContainerFilter { LabelSelector = { ["tier"] = "test" } } });
        Assert.Equal(id, Assert.Single(byLabel.Containers).Id);
        var exited = await rt.ListContainersAsync(new ListContainersRequest { Filter = new ContainerFilter { State = new ContainerStateValue { State = ContainerState.ContainerExited }, PodSandboxId = pod } });
        Assert.Single(exited.Containers);
        Assert.Empty((await rt.ListContainersAsync(new ListContainersRequest { Filter = new ContainerFilter { State = new ContainerStateValue { State = ContainerState.ContainerRunning } } })).Containers);

        // The image cannot go while a container uses it.
        Assert.Equal(StatusCode.FailedPrecondition, await Cri.CodeOf(() => h.Client.Images.RemoveImageAsync(new RemoveImageRequest { Image = new ImageSpec { Image = fx.BusyboxRef } }).ResponseAsync));

        await rt.StopContainerAsync(new StopContainerRequest { ContainerId = id, Timeout = 1 }); // exited: no-op
        await rt.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = id });
        await rt.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = id }); // idempotent
        Assert.Equal(StatusCode.NotFound, await Cri.CodeOf(() => rt.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = id }).ResponseAsync));
        await collect.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new[] { ContainerEventType.ContainerCreatedEvent, ContainerEventType.ContainerStartedEvent, ContainerEventType.ContainerStoppedEvent, ContainerEventType.ContainerDeletedEvent }, seen);

        await rt.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = pod });
        await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = pod });
        Assert.True(File.Exists(st.LogPath), "the kubelet owns the log files: they stay");
    }

    [SkippableFact]
    public async Task Container_runs_from_an_image_with_a_zstd_layer()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        await using var h = await CriHarness.StartAsync(fx.Registry.Host);
        var rt = h.Client.Runtime;
        await h.Client.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = fx.ZstdRef } });
        var podCfg = Cri.Pod("zstd", Path.Combine(h.Root, "pods", "zstd"));
        string pod = (await rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = podCfg, RuntimeHandler = "sentry" })).PodSandboxId;
        var cfg = Cri.Container("z", fx.ZstdRef, new[] { "/bin/busybox", "cat", "/etc/zstd.txt" }, logPath: "z.log");
        string id = (await rt.CreateContainerAsync(new CreateContainerRequest { PodSandboxId = pod, Config = cfg, SandboxConfig = podCfg })).ContainerId;
        await rt.StartContainerAsync(new StartContainerRequest { ContainerId = id });
        var st = await Cri.WaitExitedAsync(rt, id);
        Assert.Equal(0, st.ExitCode);
        Assert.Equal(new[] { "stdout F from a zstd layer" }, Contents(await LogOf(st.LogPath, 1)));
        await rt.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = pod });
        await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = pod });
    }

    [SkippableFact]
    public async Task Long_running_container_stops_execs_reports_stats_and_is_killed_by_a_restart()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        await using var h = await CriHarness.StartAsync(fx.Registry.Host);
        var rt = h.Client.Runtime;
        await h.Client.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = fx.BusyboxRef } });
        var podCfg = Cri.Pod("sleeper", Path.Combine(h.Root, "logs"));
        string pod = (await rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = podCfg })).PodSandboxId;

        // Image Cmd is "sh"; command/args from the config replace it.
        string Create(string name, params string[] cmd) => rt.CreateContainer(new CreateContainerRequest
        { PodSandboxId = pod, Config = Cri.Container(name, fx.BusyboxRef, cmd, logPath: name + ".log"), SandboxConfig = podCfg }).ContainerId;

        string a = Create("a", "sleep", "60");
        Assert.Equal(Signal.Sigterm, (await rt.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = a })).Status.StopSignal);
        await rt.StartContainerAsync(new StartContainerRequest { ContainerId = a });
        Assert.True(File.Exists(Path.Combine(h.Root, "logs", "a.log")), "the log file exists once StartContainer returns");
        Assert.Equal(ContainerState.ContainerRunning, (await rt.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = a })).Status.State);

        var exec = await rt.ExecSyncAsync(new ExecSyncRequest { ContainerId = a, Cmd = { "cat", "/etc/hello.txt" }, Timeout = 30 });
        Assert.Equal(0, exec.ExitCode);
        Assert.Equal("hello from layer 2\n", exec.Stdout.ToStringUtf8());
        var fail = await rt.ExecSyncAsync(new ExecSyncRequest { ContainerId = a, Cmd = { "sh", "-c", "echo err >&2; exit 7" } });
        Assert.Equal((7, "err\n"), (fail.ExitCode, fail.Stderr.ToStringUtf8()));
        Assert.Equal(StatusCode.DeadlineExceeded, await Cri.CodeOf(() => rt.ExecSyncAsync(new ExecSyncRequest { ContainerId = a, Cmd = { "sleep", "30" }, Timeout = 1 }).ResponseAsync));

        // Log rotation: the kubelet renames the file and asks for a new one.
        string logA = Path.Combine(h.Root, "logs", "a.log");
        File.Move(logA, logA + ".1");
        await rt.ReopenContainerLogAsync(new ReopenContainerLogRequest { ContainerId = a });
        Assert.True(File.Exists(logA), "ReopenContainerLog creates the new file before it returns");

        var stats = (await rt.ContainerStatsAsync(new ContainerStatsRequest { ContainerId = a })).Stats;
        Assert.Equal(a, stats.Attributes.Id);
        Assert.True(stats.Memory.WorkingSetBytes.Value > 0);
        Assert.Single((await rt.ListPodSandboxStatsAsync(new ListPodSandboxStatsRequest())).Stats);

        // Stop: SIGTERM goes to `sandbox run`, which forwards it to the program; the Sentry does
        // not interrupt a blocked nanosleep yet, so after the timeout SIGKILL ends it.
        var t0 = DateTime.UtcNow;
        await rt.StopContainerAsync(new StopContainerRequest { ContainerId = a, Timeout = 2 });
        var st = (await rt.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = a })).Status;
        Assert.Equal(ContainerState.ContainerExited, st.State);
        Assert.Contains(st.ExitCode, new[] { 128 + 15, 128 + 9 });
        Assert.True(DateTime.UtcNow - t0 < TimeSpan.FromSeconds(8), "stop must not outlast its timeout by much");
        Assert.Equal(StatusCode.FailedPrecondition, await Cri.CodeOf(() => rt.ExecSyncAsync(new ExecSyncRequest { ContainerId = a, Cmd = { "true" } }).ResponseAsync));

        // A running container outlives a restart of the server: its monitor holds it.
        string b = Create("b", "sh", "-c", "echo before; sleep 60");
        await rt.StartContainerAsync(new StartContainerRequest { ContainerId = b });
        Assert.Contains("stdout F before", await LogOf(Path.Combine(h.Root, "logs", "b.log"), 1, 30_000));
        await h.RestartAsync();
        rt = h.Client.Runtime;
        var sb = (await rt.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = b })).Status;
        Assert.Equal(ContainerState.ContainerRunning, sb.State);
        Assert.Equal("hello from layer 2\n", (await rt.ExecSyncAsync(new ExecSyncRequest { ContainerId = b, Cmd = { "cat", "/etc/hello.txt" } })).Stdout.ToStringUtf8());
        await rt.StopContainerAsync(new StopContainerRequest { ContainerId = b, Timeout = 0 });
        sb = (await rt.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = b })).Status;
        Assert.Equal((ContainerState.ContainerExited, 137), (sb.State, sb.ExitCode));
        Assert.Contains("stdout F before", File.ReadAllText(sb.LogPath));

        // A container that ends while the server is down is found exited, with its status.
        string d = Create("d", "sh", "-c", "sleep 2; echo done; exit 4");
        await rt.StartContainerAsync(new StartContainerRequest { ContainerId = d });
        await h.StopServerAsync();
        await Task.Delay(4000);
        await h.StartServerAgainAsync();
        rt = h.Client.Runtime;
        var sd = await Cri.WaitExitedAsync(rt, d, 10_000);
        Assert.Equal((ContainerState.ContainerExited, 4, "Error"), (sd.State, sd.ExitCode, sd.Reason));
        Assert.Contains("stdout F done", File.ReadAllText(sd.LogPath));
        Assert.Equal(3, (await rt.ListContainersAsync(new ListContainersRequest())).Containers.Count);

        // Removing the pod removes its containers.
        string c = Create("c", "sleep", "60");
        await rt.StartContainerAsync(new StartContainerRequest { ContainerId = c });
        await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = pod });
        Assert.Empty((await rt.ListContainersAsync(new ListContainersRequest())).Containers);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(h.Config.StateDir, "containers")));
    }

    [SkippableFact]
    public async Task Many_pods_and_containers_at_once()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        await using var h = await CriHarness.StartAsync(fx.Registry.Host);
        var rt = h.Client.Runtime;
        await h.Client.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = fx.BusyboxRef } });
        var runs = Enumerable.Range(0, 6).Select(async i =>
        {
            var podCfg = Cri.Pod($"many-{i}", Path.Combine(h.Root, "logs", i.ToString()), uid: $"uid-{i}");
            string pod = (await rt.RunPodSandboxAsync(new RunPodSandboxRequest { Config = podCfg })).PodSandboxId;
            string id = (await rt.CreateContainerAsync(new CreateContainerRequest
            {
                PodSandboxId = pod, SandboxConfig = podCfg,
                Config = Cri.Container("c", fx.BusyboxRef, new[] { "echo", $"pod {i}" }, logPath: "c.log"),
            })).ContainerId;
            await rt.StartContainerAsync(new StartContainerRequest { ContainerId = id });
            var st = await Cri.WaitExitedAsync(rt, id);
            Assert.Equal((ContainerState.ContainerExited, 0, "Completed"), (st.State, st.ExitCode, st.Reason));
            Assert.EndsWith($"stdout F pod {i}\n", File.ReadAllText(st.LogPath));
            await rt.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = pod });
        });
        await Task.WhenAll(runs);
        Assert.Empty((await rt.ListPodSandboxAsync(new ListPodSandboxRequest())).Items);
        Assert.Empty((await rt.ListContainersAsync(new ListContainersRequest())).Containers);
    }
}
