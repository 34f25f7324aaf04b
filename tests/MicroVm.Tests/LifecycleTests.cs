using System.Diagnostics;
using Sandbox.MicroVm.Vm;

namespace Sandbox.MicroVm.Tests;

/// <summary>Start-up and clean-up: every exit path leaves no QEMU, no virtiofsd and no socket.</summary>
[Collection("vm")]
public sealed class LifecycleTests
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    static void SkipIfMissing()
    {
        var why = VmFixture.MissingPrerequisite();
        Skip.If(why is not null, why);
    }

    static async Task WaitGone(int pid, string what)
    {
        var sw = Stopwatch.StartNew();
        while (HostSystem.ProcessAlive(pid) && !IsZombie(pid))
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"{what} (pid {pid}) is still running");
            await Task.Delay(50);
        }
    }

    static bool IsZombie(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1].StartsWith('Z'); }
        catch (IOException) { return true; }
    }

    static List<int> ChildrenOf(int ppid)
    {
        var res = new List<int>();
        foreach (var d in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(d), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText($"{d}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1]) == ppid) res.Add(pid);
            }
            catch (Exception) { }
        }
        return res;
    }

    static string Cmdline(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '); } catch (IOException) { return ""; }
    }

    [SkippableFact]
    public async Task DisposeStopsEverythingAndRemovesTheRunDirectory()
    {
        SkipIfMissing();
        var vm = await VirtualMachine.StartAsync(VmFixture.Options).WaitAsync(Timeout);
        int qemu = vm.QemuPid, fsd = vm.VirtiofsdPid;
        string dir = vm.RunDir;
        Assert.True(HostSystem.ProcessAlive(qemu));
        Assert.Empty(Directory.GetFiles(dir, "*.sock")); // sockets go as soon as QEMU holds them
        Assert.True(vm.Timings.ReadyMs > 0 && vm.Timings.GuestUptimeMs > 0);
        await vm.DisposeAsync();
        await WaitGone(qemu, "QEMU");
        if (fsd != 0) await WaitGone(fsd, "virtiofsd");
        Assert.False(Directory.Exists(dir));
        await vm.DisposeAsync(); // idempotent
    }

    [SkippableFact]
    public async Task BootFailureCleansUpAndSaysWhy()
    {
        SkipIfMissing();
        var before = ChildrenOf(Environment.ProcessId).Where(p => Cmdline(p).Contains("qemu-system")).ToHashSet();
        var e = await Assert.ThrowsAsync<IOException>(() =>
            VirtualMachine.StartAsync(VmFixture.Options with { MemoryMiB = 64, ExtraKernelArgs = "rdinit=/no-such-init", BootTimeout = TimeSpan.FromSeconds(40) }));
        Assert.Contains("agent", e.Message);
        Assert.Contains("QEMU exited", e.Message);
        var after = ChildrenOf(Environment.ProcessId).Where(p => Cmdline(p).Contains("qemu-system") && !IsZombie(p));
        Assert.Empty(after.Except(before));
    }

    static string? FindCli()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (!File.Exists(Path.Combine(d.FullName, "Sandbox.sln"))) continue;
            return new[] { "Debug", "Release" }.Select(c => Path.Combine(d.FullName, "src", "Cli", "bin", c, "net10.0", "sandbox.dll"))
                .Where(File.Exists).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault();
        }
        return null;
    }

    static Process StartCli(string cli, params string[] args)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath!.EndsWith("dotnet") ? Environment.ProcessPath : "dotnet")
        { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        psi.ArgumentList.Add(cli);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    [SkippableFact]
    public async Task CliRunPrintsTheOutputAndExitsWithTheStatus()
    {
        SkipIfMissing();
        var cli = FindCli();
        Skip.If(cli is null, "the sandbox CLI is not built (dotnet build Sandbox.sln)");
        using var p = StartCli(cli!, "microvm", "run", "--", "/bin/busybox", "sh", "-c", "uname -r; read x; echo got $x; exit 3");
        await p.StandardInput.WriteLineAsync("input");
        p.StandardInput.Close();
        var output = p.StandardOutput.ReadToEndAsync();
        var err = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(Timeout);
        Assert.True(3 == p.ExitCode, await err);
        var lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^\d+\.\d+", lines[0]);
        Assert.Equal("got input", lines[1]);

        using var q = StartCli(cli!, "microvm", "run", "--", "/no/such/program");
        q.StandardInput.Close();
        await q.WaitForExitAsync().WaitAsync(Timeout);
        Assert.Equal(127, q.ExitCode);
        using var r = StartCli(cli!, "microvm", "run", "--vmm", "kvm", "--", "/bin/true");
        await r.WaitForExitAsync().WaitAsync(Timeout);
        Assert.Equal(125, r.ExitCode);
    }

    [SkippableFact]
    public async Task SandboxRunWithTheMicroVmRuntimeRunsInTheGuestKernel()
    {
        SkipIfMissing();
        var cli = FindCli();
        Skip.If(cli is null, "the sandbox CLI is not built (dotnet build Sandbox.sln)");
        var release = Sandbox.MicroVm.Kernel.GuestKernel.Open(null, Sandbox.MicroVm.Vm.HostSystem.CacheDir(), null).Release;
        using var p = StartCli(cli!, "run", "--runtime", "microvm", "--memory", "300", "--cpus", "2", "--env", "GREETING=hi", "--hostname", "vm1", "--",
            "/bin/busybox", "sh", "-c", "uname -r; echo $GREETING; hostname; nproc; exit 5");
        p.StandardInput.Close();
        var output = p.StandardOutput.ReadToEndAsync();
        var err = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(Timeout);
        Assert.True(5 == p.ExitCode, await err);
        Assert.Equal($"{release}\nhi\nvm1\n2\n", await output);

        foreach (var (args, message) in new[]
        {
            (new[] { "run", "--vmm", "kvm", "--", "/bin/true" }, "only with --runtime microvm"),
            (new[] { "run", "--runtime", "microvm", "--vmm", "firecracker", "--", "/bin/true" }, "unknown VMM"),
            (new[] { "run", "--runtime", "microvm", "--memory", "lots", "--", "/bin/true" }, "a positive number expected"),
        })
        {
            using var bad = StartCli(cli!, args);
            await bad.WaitForExitAsync().WaitAsync(Timeout);
            Assert.Equal(125, bad.ExitCode);
            Assert.Contains(message, await bad.StandardError.ReadToEndAsync());
        }

        using var q = StartCli(cli!, "run", "--runtime", "microvm", "--strace", "--", "/bin/true");
        await q.WaitForExitAsync().WaitAsync(Timeout);
        Assert.Equal(125, q.ExitCode);
        Assert.Contains("not with --runtime microvm", await q.StandardError.ReadToEndAsync());
    }

    [SkippableFact]
    public async Task CliRefusesBadNetworkAndVmmOptionsClearly()
    {
        var cli = FindCli();
        Skip.If(cli is null, "the sandbox CLI is not built (dotnet build Sandbox.sln)");
        foreach (var (args, message) in new[]
        {
            (new[] { "--net", "10.0.0.2", "--", "/bin/true" }, "expected IPv4-ADDRESS/PREFIX"),
            (new[] { "--net", "10.0.0.2/33", "--", "/bin/true" }, "expected IPv4-ADDRESS/PREFIX"),
            (new[] { "--net", "10.0.0.2/24,nope", "--", "/bin/true" }, "expected IPv4-ADDRESS/PREFIX"),
            (new[] { "--netns", "x", "--", "/bin/true" }, "need --net"),
            (new[] { "--net", "10.0.0.2/24", "--netns", "no-such-ns-here", "--", "/bin/true" }, "no such network namespace"),
            (new[] { "--net", "10.0.0.2/24", "--net-backend", "carrier-pigeon", "--", "/bin/true" }, "unknown --net-backend"),
            (new[] { "--share", "block", "--", "/bin/true" }, "--share block is the direct-KVM VMM's"),
            (new[] { "--vmm", "firecracker", "--", "/bin/true" }, "unknown VMM"),
        })
        {
            using var p = StartCli(cli!, ["microvm", "run", .. args]);
            p.StandardInput.Close();
            var err = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync().WaitAsync(Timeout);
            Assert.Equal(125, p.ExitCode);
            Assert.Contains(message, await err);
        }
    }

    [SkippableFact]
    public async Task CliTtyRunsOnATerminalInTheGuest()
    {
        SkipIfMissing();
        var cli = FindCli();
        Skip.If(cli is null, "the sandbox CLI is not built (dotnet build Sandbox.sln)");
        var script = HostSystem.FindProgram("script");
        Skip.If(script is null, "script (bsdutils) is not installed: no local terminal for the CLI");
        // script gives the CLI a terminal; the CLI puts it in raw mode and the guest shell gets its own
        var dotnet = Environment.ProcessPath!.EndsWith("dotnet") ? Environment.ProcessPath : "dotnet";
        var psi = new ProcessStartInfo(script!) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-qfec", $"{dotnet} {cli} microvm run -t -- /bin/busybox sh -c 'tty; stty size; read x; echo got $x; exit 7'", "/dev/null" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        await p.StandardInput.WriteAsync("hello\n");
        var output = p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(Timeout);
        p.StandardInput.Close();
        var text = (await output).Replace("\r", "");
        Assert.True(p.ExitCode == 7, $"status {p.ExitCode}, output: {text}");
        Assert.Contains("/dev/pts/0\n", text);
        Assert.Contains("got hello\n", text);
    }

    [SkippableFact]
    public async Task KillingTheLauncherLeavesNoVmmOrSocket()
    {
        SkipIfMissing();
        var cli = FindCli();
        Skip.If(cli is null, "the sandbox CLI is not built (dotnet build Sandbox.sln)");
        using var p = StartCli(cli!, "microvm", "run", "--", "/bin/busybox", "sh", "-c", "echo up; exec sleep 600");
        var err = p.StandardError.ReadToEndAsync();
        var line = await p.StandardOutput.ReadLineAsync().WaitAsync(Timeout);
        Assert.True(line == "up", $"expected 'up', got '{line}'; stderr: {(p.HasExited ? await err : "")}");
        var children = ChildrenOf(p.Id).Where(c => Cmdline(c) is var s && (s.Contains("qemu-system") || s.Contains("virtiofsd"))).ToList();
        Assert.Contains(children, c => Cmdline(c).Contains("qemu-system"));
        var runDir = Directory.GetDirectories(HostSystem.RunRoot(), $"{p.Id}-*").Single();
        p.Kill(); // SIGKILL: no handler of ours runs
        await p.WaitForExitAsync();
        foreach (var c in children) await WaitGone(c, Cmdline(c));
        Assert.Empty(Directory.GetFiles(runDir, "*.sock"));
        // the next launcher sweeps the dead one's run directory
        var vm = await VirtualMachine.StartAsync(VmFixture.Options).WaitAsync(Timeout);
        await vm.DisposeAsync();
        Assert.False(Directory.Exists(runDir));
    }
}
