using System.Text;
using Sandbox.MicroVm.Protocol;
using Sandbox.MicroVm.Vm;

namespace Sandbox.MicroVm.Tests;

/// <summary>CreateContainer's PID namespace modes (the CRI's NamespaceOption.pid) in a real VM
/// (the shared VM of the "vm" collection; the rootfs is the host's /). Every process is marked by
/// a sleep of its own length, so the tests see only what they started.</summary>
[Collection("vm")]
public sealed class AgentPidNamespaceTests(VmFixture f)
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    const string Busybox = "/bin/busybox";

    AgentClient Agent
    {
        get
        {
            Skip.If(f.SkipReason is not null, f.SkipReason);
            return f.Vm!.Agent;
        }
    }

    async Task<string> NewContainer(PidMode mode, ProcessSecurity? security = null, string[]? masked = null, string[]? readOnly = null)
    {
        var id = "p" + Guid.NewGuid().ToString("n")[..8];
        await Agent.CreateContainerAsync(new CreateContainer(id, VirtualMachine.GuestRootfs, id, MaskedPaths: masked, ReadonlyPaths: readOnly,
            Security: security, Pid: mode)).WaitAsync(Timeout);
        return id;
    }

    sealed class Capture
    {
        readonly StringBuilder _out = new(), _err = new();
        public void On(int s, byte[] d) { lock (this) (s == 1 ? _out : _err).Append(Encoding.UTF8.GetString(d)); }
        public string Out { get { lock (this) return _out.ToString(); } }
        public string Err { get { lock (this) return _err.ToString(); } }

        public async Task WaitFor(string text)
        {
            for (int i = 0; i < 600 && !Out.Contains(text); i++) await Task.Delay(100);
            Assert.Contains(text, Out);
        }
    }

    /// <summary>A long-running process that prints its pid as it sees it, then sleeps SECONDS
    /// (its marker) until its stdin closes.</summary>
    async Task<(ExecSession X, Capture Out)> StartSleeper(string cid, int seconds)
    {
        var c = new Capture();
        var x = await Agent.ExecAsync(cid, [Busybox, "sh", "-c", $"echo pid=$$; {Busybox} sleep {seconds} & read x; true"], onOutput: c.On).WaitAsync(Timeout);
        await c.WaitFor("pid=");
        return (x, c);
    }

    async Task<(int Code, string Out, string Err)> Run(string cid, string script)
    {
        var c = new Capture();
        var x = await Agent.ExecAsync(cid, [Busybox, "sh", "-c", script], onOutput: c.On).WaitAsync(Timeout);
        await x.CloseStdinAsync();
        var (code, _) = await x.Exited.WaitAsync(Timeout);
        return (code, c.Out, c.Err);
    }

    /// <summary>The command lines of every process the container's /proc shows.</summary>
    Task<(int Code, string Out, string Err)> Processes(string cid) =>
        Run(cid, "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done 2>/dev/null");

    [SkippableFact]
    public async Task ContainerModeProgramIsPid1AndItsEndEndsTheContainer()
    {
        var cid = await NewContainer(PidMode.Container);
        var (main, mainOut) = await StartSleeper(cid, 4101);
        Assert.Contains("pid=1\n", mainOut.Out);
        Assert.True(main.Pid > 1, "ExecStarted carries the VM's pid");
        // an exec joins the namespace: PID 1 is the program, the processes are the container's only
        var (code, output, err) = await Run(cid, "echo self=$$; tr '\\0' ' ' < /proc/1/cmdline; echo");
        Assert.True(code == 0, err);
        Assert.Contains("sleep 4101 & read x", output);
        Assert.DoesNotContain("self=1\n", output);
        var (_, ps, _) = await Processes(cid);
        Assert.Contains($"{Busybox} sleep 4101", ps);
        Assert.DoesNotContain("__cinit", ps);
        Assert.DoesNotContain("/init", ps.Split('\n').Select(l => l.Split(' ')[0]));

        // PID 1 ends: the kernel kills the rest of its namespace, and the container has stopped
        await main.CloseStdinAsync();
        Assert.Equal((0, 0), await main.Exited.WaitAsync(Timeout));
        var e = await Assert.ThrowsAsync<AgentErrorException>(() => Agent.ExecAsync(cid, ["/bin/true"]).WaitAsync(Timeout));
        Assert.Equal(3, e.Code); // ESRCH
        var node = await NewContainer(PidMode.Node);
        var (_, all, _) = await Processes(node);
        Assert.DoesNotContain("sleep 4101", all);
        await Agent.DestroyContainerAsync(node);
        await Agent.DestroyContainerAsync(cid);
    }

    [SkippableFact]
    public async Task ContainerModePid1HasTheContainersSecurityAndProcPaths()
    {
        var security = new ProcessSecurity(1000, 1000, [], AgentSecurityTests.DefaultCaps, 0, true, []);
        var cid = await NewContainer(PidMode.Container, security, masked: ["/proc/kcore", "/proc/fs"], readOnly: ["/proc/sys"]);
        var c = new Capture();
        var x = await Agent.ExecAsync(cid, [Busybox, "sh", "-c",
            "echo pid=$$; id -u; grep -E '^(CapBnd|NoNewPrivs)' /proc/self/status; " +
            "grep -E ' /proc/(kcore|sys|fs) ' /proc/self/mounts | cut -d' ' -f2,3,4 | cut -d, -f1; " +
            "grep -c ' /proc proc ' /proc/self/mounts"], onOutput: c.On).WaitAsync(Timeout);
        await x.CloseStdinAsync();
        Assert.True((await x.Exited.WaitAsync(Timeout)).ExitCode == 0, c.Err);
        var lines = c.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("pid=1", lines[0]);
        Assert.Equal("1000", lines[1]);
        Assert.Contains($"CapBnd:\t{AgentSecurityTests.DefaultCaps:x16}", lines);
        Assert.Contains("NoNewPrivs:\t1", lines);
        // the masks and the read-only /proc/sys are on the namespace's own /proc, which is the only one
        Assert.Contains(lines, l => l.StartsWith("/proc/kcore ", StringComparison.Ordinal));
        Assert.Contains("/proc/sys proc ro", lines);
        Assert.Contains("/proc/fs tmpfs ro", lines);
        Assert.Equal("1", lines[^1]);
        await Agent.DestroyContainerAsync(cid);
    }

    [SkippableFact]
    public async Task ContainerModeTerminalProgramIsPid1()
    {
        var cid = await NewContainer(PidMode.Container);
        var c = new Capture();
        var x = await Agent.ExecAsync(cid, [Busybox, "sh", "-c", "echo pid=$$; tty; test -t 0 && echo tty-in"], onOutput: c.On, tty: true, rows: 24, cols: 80)
            .WaitAsync(Timeout);
        Assert.Equal((0, 0), await x.Exited.WaitAsync(Timeout));
        Assert.Contains("pid=1", c.Out);
        Assert.Contains("/dev/pts/0", c.Out);
        Assert.Contains("tty-in", c.Out);
        await Agent.DestroyContainerAsync(cid);
    }

    [SkippableFact]
    public async Task ContainerModeMissingProgramIsAnError()
    {
        var cid = await NewContainer(PidMode.Container);
        var e = await Assert.ThrowsAsync<AgentErrorException>(() => Agent.ExecAsync(cid, ["/no/such/program"]).WaitAsync(Timeout));
        Assert.Equal(2, e.Code);
        // the start failed, so the container can still be started
        var (_, mainOut) = await StartSleeper(cid, 4102);
        Assert.Contains("pid=1\n", mainOut.Out);
        await Agent.DestroyContainerAsync(cid);
    }

    [SkippableFact]
    public async Task PodModeContainersSeeEachOtherAndContainerModeDoesNot()
    {
        var a = await NewContainer(PidMode.Pod);
        var b = await NewContainer(PidMode.Pod);
        var own = await NewContainer(PidMode.Container);
        var (sa, outA) = await StartSleeper(a, 4201);
        Assert.DoesNotContain("pid=1\n", outA.Out); // the pod's holder is PID 1
        var (so, _) = await StartSleeper(own, 4202);

        var (code, psB, err) = await Processes(b);
        Assert.True(code == 0, err);
        Assert.Contains("sleep 4201", psB);
        Assert.DoesNotContain("sleep 4202", psB);
        var (_, pid1, _) = await Run(b, "tr '\\0' ' ' < /proc/1/cmdline");
        Assert.Contains("__pause", pid1);
        var (_, psOwn, _) = await Processes(own);
        Assert.Contains("sleep 4202", psOwn);
        Assert.DoesNotContain("sleep 4201", psOwn);

        // destroying a container of the pod kills its processes, not the pod's others
        var (sb, _) = await StartSleeper(b, 4203);
        await Agent.DestroyContainerAsync(a);
        Assert.Equal(137, (await sa.Exited.WaitAsync(Timeout)).ExitCode);
        var (_, after, _) = await Processes(b);
        Assert.DoesNotContain("sleep 4201", after);
        Assert.Contains("sleep 4203", after);
        Assert.False(sb.Exited.IsCompleted);
        await Agent.DestroyContainerAsync(b);
        Assert.Equal(137, (await sb.Exited.WaitAsync(Timeout)).ExitCode);
        await Agent.DestroyContainerAsync(own);
        Assert.Equal(137, (await so.Exited.WaitAsync(Timeout)).ExitCode);
    }

    [SkippableFact]
    public async Task NodeModeSeesTheVmsProcesses()
    {
        var pod = await NewContainer(PidMode.Pod);
        var (sp, _) = await StartSleeper(pod, 4301);
        var n1 = await NewContainer(PidMode.Node);
        var n2 = await NewContainer(PidMode.Node);
        var (sn, outN) = await StartSleeper(n1, 4302);
        // the pid a NODE container sees is the VM's, as the agent reports it
        Assert.Contains($"pid={sn.Pid}\n", outN.Out);

        var (code, ps, err) = await Processes(n2);
        Assert.True(code == 0, err);
        Assert.Contains("sleep 4301", ps);
        Assert.Contains("sleep 4302", ps);
        Assert.Contains("__pause", ps);
        var (_, pidof, _) = await Run(n2, $"{Busybox} pidof busybox"); // every process here is a busybox
        Assert.Contains(sn.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), pidof.Split(' ', '\n'));
        var (_, pid1, _) = await Run(n2, "tr '\\0' ' ' < /proc/1/cmdline");
        Assert.StartsWith("/init ", pid1);

        await Agent.DestroyContainerAsync(n1);
        Assert.Equal(137, (await sn.Exited.WaitAsync(Timeout)).ExitCode);
        var (_, after, _) = await Processes(n2);
        Assert.DoesNotContain("sleep 4302", after);
        Assert.Contains("sleep 4301", after);
        await Agent.DestroyContainerAsync(n2);
        await Agent.DestroyContainerAsync(pod);
        Assert.Equal(137, (await sp.Exited.WaitAsync(Timeout)).ExitCode);
    }

    [SkippableFact]
    public async Task UnknownModeIsRefused()
    {
        var e = await Assert.ThrowsAsync<AgentErrorException>(() =>
            Agent.CreateContainerAsync(new CreateContainer("bad-pid-mode", VirtualMachine.GuestRootfs, "", Pid: (PidMode)7)).WaitAsync(Timeout));
        Assert.Equal(22, e.Code);
        // and the agent still serves
        var cid = await NewContainer(PidMode.Pod);
        Assert.Equal(0, (await Run(cid, "true")).Code);
        await Agent.DestroyContainerAsync(cid);
    }
}
