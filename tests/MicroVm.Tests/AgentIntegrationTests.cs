using System.Text;
using Sandbox.MicroVm.Protocol;
using Sandbox.MicroVm.Vm;

namespace Sandbox.MicroVm.Tests;

/// <summary>The agent protocol against a real VM (booted once for the class; under TCG here).</summary>
[Collection("vm")]
public sealed class AgentIntegrationTests(VmFixture f)
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    VirtualMachine Vm
    {
        get
        {
            Skip.If(f.SkipReason is not null, f.SkipReason);
            return f.Vm!;
        }
    }

    AgentClient Agent => Vm.Agent;

    sealed class Capture
    {
        readonly StringBuilder _out = new(), _err = new();
        public void On(int s, byte[] d) { lock (this) (s == 1 ? _out : _err).Append(Encoding.UTF8.GetString(d)); }
        public string Out { get { lock (this) return _out.ToString(); } }
        public string Err { get { lock (this) return _err.ToString(); } }
    }

    async Task<string> NewContainer(string? hostname = null)
    {
        var id = "t" + Guid.NewGuid().ToString("n")[..8];
        await Agent.CreateContainerAsync(id, VirtualMachine.GuestRootfs, hostname ?? id).WaitAsync(Timeout);
        return id;
    }

    async Task<(int Code, string Out, string Err)> Run(string cid, params string[] argv)
    {
        var c = new Capture();
        var x = await Agent.ExecAsync(cid, argv, onOutput: c.On).WaitAsync(Timeout);
        await x.CloseStdinAsync();
        var (code, _) = await x.Exited.WaitAsync(Timeout);
        return (code, c.Out, c.Err);
    }

    [SkippableFact]
    public async Task EchoAndExitStatusThroughRunAsync()
    {
        var stdout = new MemoryStream();
        int code = await Vm.RunAsync(["/bin/busybox", "sh", "-c", "echo hello; echo oops >&2; exit 7"], stdout: stdout, stderr: Stream.Null).WaitAsync(Timeout);
        Assert.Equal(7, code);
        Assert.Equal("hello\n", Encoding.UTF8.GetString(stdout.ToArray()));
    }

    [SkippableFact]
    public async Task GuestKernelReleaseHostnameAndPidNamespace()
    {
        var cid = "t" + Guid.NewGuid().ToString("n")[..8];
        await Agent.CreateContainerAsync(new CreateContainer(cid, VirtualMachine.GuestRootfs, "guest-one", Pid: PidMode.Container)).WaitAsync(Timeout);
        var (code, output, _) = await Run(cid, "/bin/busybox", "sh", "-c", "uname -r; hostname; echo $$; ls /proc | grep -c '^[0-9]'");
        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Vm.KernelRelease, lines[0]);
        Assert.Equal(Vm.Kernel.Release, lines[0]);
        Assert.Equal("guest-one", lines[1]);
        Assert.Equal("1", lines[2]); // the program is PID 1 of its container's own PID namespace
        Assert.True(int.Parse(lines[3]) < 10, $"only the container's processes are in its /proc, got {lines[3]}");
        await Agent.DestroyContainerAsync(cid);
    }

    [SkippableFact]
    public async Task StdinReachesTheProgram()
    {
        var cid = await NewContainer();
        var c = new Capture();
        var x = await Agent.ExecAsync(cid, ["/bin/busybox", "tr", "a-z", "A-Z"], onOutput: c.On).WaitAsync(Timeout);
        await x.WriteStdinAsync(Encoding.UTF8.GetBytes("hello "));
        await x.WriteStdinAsync(Encoding.UTF8.GetBytes("microvm\n"));
        await x.CloseStdinAsync();
        Assert.Equal((0, 0), await x.Exited.WaitAsync(Timeout));
        Assert.Equal("HELLO MICROVM\n", c.Out);
        // Wait after the exit still answers
        Assert.Equal((0, 0), await x.WaitAsync().WaitAsync(Timeout));
    }

    [SkippableFact]
    public async Task SignalsReachTheProgram()
    {
        var cid = await NewContainer();
        var x = await Agent.ExecAsync(cid, ["/bin/busybox", "sleep", "300"]).WaitAsync(Timeout);
        Assert.True(x.Pid > 1);
        var wait = x.WaitAsync();
        await x.SignalAsync(15);
        Assert.Equal((143, 15), await x.Exited.WaitAsync(Timeout));
        Assert.Equal((143, 15), await wait.WaitAsync(Timeout));
        var y = await Agent.ExecAsync(cid, ["/bin/busybox", "sleep", "300"]).WaitAsync(Timeout);
        await y.SignalAsync(9);
        Assert.Equal((137, 9), await y.Exited.WaitAsync(Timeout));
        var e = await Assert.ThrowsAsync<AgentErrorException>(() => y.SignalAsync(99));
        Assert.Equal(22, e.Code);
    }

    [SkippableFact]
    public async Task TwoContainersOneExitsWhileTheOtherRuns()
    {
        var a = await NewContainer("alpha");
        var b = await NewContainer("beta");
        var ca = new Capture();
        var longRunning = await Agent.ExecAsync(a, ["/bin/busybox", "sh", "-c", "hostname; cat; echo done"], onOutput: ca.On).WaitAsync(Timeout);
        var (code, output, _) = await Run(b, "/bin/busybox", "sh", "-c", "hostname; exit 4");
        Assert.Equal((4, "beta\n"), (code, output));
        await Agent.DestroyContainerAsync(b);
        Assert.False(longRunning.Exited.IsCompleted);
        // the other container still works: a second process in it
        var (code2, out2, _) = await Run(a, "/bin/busybox", "hostname");
        Assert.Equal((0, "alpha\n"), (code2, out2));
        await longRunning.WriteStdinAsync(Encoding.UTF8.GetBytes("ping\n"));
        await longRunning.CloseStdinAsync();
        Assert.Equal((0, 0), await longRunning.Exited.WaitAsync(Timeout));
        Assert.Equal("alpha\nping\ndone\n", ca.Out);
        var s = await Agent.StatsAsync();
        Assert.True(s.MemTotalKiB > 100_000);
        Assert.True(s.Containers >= 1);
        await Agent.DestroyContainerAsync(a);
        var ex = await Assert.ThrowsAsync<AgentErrorException>(() => Agent.ExecAsync(a, ["/bin/true"]));
        Assert.Equal(2, ex.Code);
    }

    [SkippableFact]
    public async Task RootfsIsReadOnlyAndTmpIsWritable()
    {
        var cid = await NewContainer();
        var (code, output, err) = await Run(cid, "/bin/busybox", "sh", "-c",
            "touch /etc/microvm-test 2>/dev/null && echo wrote; echo x > /tmp/f && cat /tmp/f; ls /dev/null /dev/zero");
        Assert.Equal(0, code);
        Assert.Equal("x\n/dev/null\n/dev/zero\n", output);
        Assert.False(File.Exists("/etc/microvm-test"));
    }

    [SkippableFact]
    public async Task ErrorsAreRepliesNotCrashes()
    {
        var cid = await NewContainer();
        var missing = await Assert.ThrowsAsync<AgentErrorException>(() => Agent.ExecAsync(cid, ["/no/such/program"]));
        Assert.Equal(2, missing.Code);
        Assert.Equal(22, (await Assert.ThrowsAsync<AgentErrorException>(() => Agent.ExecAsync(cid, []))).Code);
        Assert.Equal(2, (await Assert.ThrowsAsync<AgentErrorException>(() => Agent.ExecAsync("nope", ["/bin/true"]))).Code);
        Assert.Equal(17, (await Assert.ThrowsAsync<AgentErrorException>(() => Agent.CreateContainerAsync(cid))).Code);
        Assert.Equal(2, (await Assert.ThrowsAsync<AgentErrorException>(() => Agent.CreateContainerAsync("x1", "/no/such/dir"))).Code);
        Assert.Equal(22, (await Assert.ThrowsAsync<AgentErrorException>(() => Agent.CreateContainerAsync("x2", "relative"))).Code);
        Assert.Equal(2, (await Assert.ThrowsAsync<AgentErrorException>(() => Agent.CallAsync(new Wait("nope")))).Code);
        Assert.Equal(71, (await Assert.ThrowsAsync<AgentErrorException>(() => Agent.CallAsync(new Hello(99)))).Code);
        Assert.Equal(71, (await Assert.ThrowsAsync<AgentErrorException>(() => Agent.CallAsync(new Hello(1)))).Code);
        Assert.Equal(22, (await Assert.ThrowsAsync<AgentErrorException>(() => Agent.CallAsync(new Ok()))).Code);
        var bad = await Assert.ThrowsAsync<AgentErrorException>(() => Agent.ExecAsync(cid, ["/etc/passwd"]));
        Assert.Equal(13, bad.Code);

        // malformed frames: unknown kind, bad version, trailing bytes, truncated string, the old version
        foreach (var (id, payload) in new (uint, byte[])[]
        {
            (9001, [Codec.Version, 250, .. KernelTests.U32(9001)]),
            (9002, [7, (byte)MessageKind.Hello, .. KernelTests.U32(9002), 1, 0, 0, 0]),
            (9003, [Codec.Version, (byte)MessageKind.Stats, .. KernelTests.U32(9003), 0, 0]),
            (9004, [Codec.Version, (byte)MessageKind.Wait, .. KernelTests.U32(9004), 200, 0, 0, 0, 65]),
            // a version-1 CreateContainer (id, rootfs, hostname only): refused, not run as root by default
            (9005, [1, (byte)MessageKind.CreateContainer, .. KernelTests.U32(9005), 1, 0, 0, 0, 65, 0, 0, 0, 0, 0, 0, 0, 0]),
        })
        {
            var reply = Agent.ExpectReply(id);
            await Agent.SendRawAsync([.. KernelTests.U32((uint)payload.Length), .. payload]);
            var r = Assert.IsType<Error>(await reply.WaitAsync(Timeout));
            Assert.Equal(71, r.Code);
        }
        // still serving
        var hello = await Agent.HelloAsync().WaitAsync(Timeout);
        Assert.Equal(Codec.Version, hello.Version);
        var (code, output, _) = await Run(cid, "/bin/busybox", "echo", "alive");
        Assert.Equal((0, "alive\n"), (code, output));
    }

    [SkippableFact]
    public async Task LargeOutputArrivesWhole()
    {
        var cid = await NewContainer();
        var (code, output, _) = await Run(cid, "/bin/busybox", "sh", "-c", "/bin/busybox seq 1 50000");
        Assert.Equal(0, code);
        Assert.Equal(string.Concat(Enumerable.Range(1, 50000).Select(i => i + "\n")), output);
    }
}

/// <summary>Exec with a terminal (the container's own devpts).</summary>
[Collection("vm")]
public sealed class TtyIntegrationTests(VmFixture f)
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    AgentClient Agent
    {
        get
        {
            Skip.If(f.SkipReason is not null, f.SkipReason);
            return f.Vm!.Agent;
        }
    }

    sealed class Screen
    {
        readonly StringBuilder _b = new();
        readonly List<int> _streams = new();
        public void On(int s, byte[] d) { lock (this) { _b.Append(Encoding.UTF8.GetString(d)); _streams.Add(s); } }
        public string Text { get { lock (this) return _b.ToString().Replace("\r", ""); } }
        public IReadOnlyList<int> Streams { get { lock (this) return [.. _streams]; } }
        public async Task WaitFor(string s)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            while (!Text.Contains(s))
            {
                Assert.True(sw.Elapsed < Timeout, $"waited for '{s}', screen: {Text}");
                await Task.Delay(20);
            }
        }
    }

    async Task<string> Container()
    {
        var id = "tty" + Guid.NewGuid().ToString("n")[..8];
        await Agent.CreateContainerAsync(id, VirtualMachine.GuestRootfs, "tty-box").WaitAsync(Timeout);
        return id;
    }

    [SkippableFact]
    public async Task TerminalSizeResizeAndEof()
    {
        var cid = await Container();
        var sc = new Screen();
        var x = await Agent.ExecAsync(cid, ["/bin/busybox", "sh", "-c",
            "tty; test -t 0 && test -t 1 && test -t 2 && echo all-ttys; stty size; echo ready; read line; stty size; cat; echo eof-seen"],
            onOutput: sc.On, tty: true, rows: 30, cols: 100).WaitAsync(Timeout);
        await sc.WaitFor("ready");
        Assert.Contains("/dev/pts/0\n", sc.Text);
        Assert.Contains("all-ttys\n", sc.Text);
        Assert.Contains("30 100\n", sc.Text);
        await x.ResizeAsync(50, 132);
        await x.WriteStdinAsync(Encoding.UTF8.GetBytes("go\n"));
        await sc.WaitFor("50 132");
        await x.WriteStdinAsync(Encoding.UTF8.GetBytes("typed\n"));
        await x.CloseStdinAsync(); // ^D: cat sees the end of its input
        Assert.Equal((0, 0), await x.Exited.WaitAsync(Timeout));
        Assert.Contains("eof-seen", sc.Text);
        Assert.All(sc.Streams, s => Assert.Equal(1, s)); // a terminal has one output stream
        await Agent.DestroyContainerAsync(cid);
    }

    [SkippableFact]
    public async Task CtrlCInterruptsTheForegroundProgram()
    {
        var cid = await Container();
        var sc = new Screen();
        var x = await Agent.ExecAsync(cid, ["/bin/busybox", "sh", "-c", "echo sleeping; exec /bin/busybox sleep 300"],
            onOutput: sc.On, tty: true).WaitAsync(Timeout);
        await sc.WaitFor("sleeping");
        await Task.Delay(300);
        await x.WriteStdinAsync([3]); // ^C: SIGINT to the terminal's foreground process group
        Assert.Equal((130, 2), await x.Exited.WaitAsync(Timeout));
        var plain = await Agent.ExecAsync(cid, ["/bin/true"]).WaitAsync(Timeout);
        await plain.Exited.WaitAsync(Timeout);
        Assert.Equal(22, (await Assert.ThrowsAsync<AgentErrorException>(() => plain.ResizeAsync(10, 10))).Code);
        await Agent.DestroyContainerAsync(cid);
    }
}
