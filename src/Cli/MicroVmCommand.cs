using System.Runtime.InteropServices;
using Sandbox.MicroVm.Kernel;
using Sandbox.MicroVm.Vm;

namespace Sandbox.Cli;

/// <summary>`sandbox microvm ...`: the MicroVm backend (a light VM per sandbox, see docs/microvm.md).</summary>
internal static partial class MicroVmCommand
{

    public const string Help = """
        usage: sandbox microvm run [OPTIONS] -- PROGRAM [ARGS...]
               sandbox microvm kernel [--kernel PATH] [--modules DIR] [--build]
               sandbox microvm check

        run: boot a MicroVm (QEMU's microvm machine, the guest agent as /init), run PROGRAM in a
        container inside it (own mount/PID/UTS/IPC namespaces, chrooted into the rootfs), print
        its output and exit with its status (128+N if signal N killed it; 125 for errors of the
        sandbox itself, 127 if PROGRAM does not exist, 126 if it cannot be executed).
          --rootfs DIR        host directory shared read-only as the container's root (default /)
          --memory MIB        guest memory (default 512)
          --cpus N            vCPUs (default 1)
          --vmm qemu|kvm      the VMM (default qemu; kvm = the direct-KVM VMM, a process of its
                              own: needs /dev/kvm and the trimmed kernel, `kernel --build`)
          --accel auto|kvm|tcg  auto (default): KVM where /dev/kvm works, else TCG emulation
          --share auto|virtiofs|9p|none|block  how the rootfs is shared (auto: 9p if the kernel
                              has it, else virtio-fs; none: the container's root is the initramfs;
                              block: an ext4 image on virtio-blk, --vmm kvm's way)
          --kernel PATH       bzImage or vmlinux (default: the installed cloud kernel)
          --modules DIR       that kernel's modules tree (default /lib/modules/RELEASE)
          --cwd DIR           working directory in the container (default /)
          --env K=V           environment variable (repeatable; default PATH, HOME, TERM)
          --hostname NAME     the container's hostname
          --console-log FILE  keep the guest's serial console in FILE
          --append ARGS       extra guest kernel command line arguments
          --boot-timeout SEC  give up when the agent is not ready after SEC seconds (120)
          -t, --tty           run PROGRAM on a terminal (the local one is put in raw mode;
                              window size changes are forwarded)
          --net ADDR/PREFIX[,GATEWAY]  a virtio-net interface with that IPv4 address (set up by
                              the agent), served by the vhost-user back-end from a TAP
          --netns NAME|PATH   the pod's network namespace for the TAP (default: the host's)
          --tap NAME          the TAP device (created if missing; default tap0)
          --net-backend vhost-user|tap  vhost-user (default) or QEMU's own TAP netdev
          --timing            print boot timings to stderr
          --debug             verbose guest kernel and agent logs on the console
        kernel: extract (and cache) the vmlinux of the kernel, print its path and release.
          --build: build a trimmed kernel (all built in, no modules) from Debian's linux-source
          with the config kept in the repository; prints its vmlinux (use it with --kernel).
        check: say what this host can do (QEMU, virtiofsd, KVM, kernel, agent).
        """;

    public static int Execute(string[] args)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            (args.Length == 0 ? Console.Error : Console.Out).WriteLine(Help);
            return args.Length == 0 ? 2 : 0;
        }
        try
        {
            return args[0] switch
            {
                "run" => Run(args[1..]),
                "kernel" => Kernel(args[1..]),
                "check" => Check(),
                // Internal: the direct-KVM VMM process a launcher starts (not in the help).
                Sandbox.MicroVm.Kvm.VmmServer.Command => Sandbox.MicroVm.Kvm.VmmServer.Run(args[1..]),
                _ => Fail($"unknown microvm command '{args[0]}'"),
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or InvalidOperationException or ArgumentException or InvalidDataException)
        {
            return Fail(e.Message);
        }
    }

    static int Fail(string m)
    {
        Console.Error.WriteLine($"sandbox microvm: {m}");
        return 125;
    }

    /// <summary>`sandbox run --runtime microvm`: the run options mapped onto `microvm run`
    /// (rootfs, cwd, hostname; the environment is the caller's unless --clear-env, plus --env).</summary>
    internal static int RunFromSandboxRun(RunOptions o)
    {
        var args = new List<string> { "--rootfs", o.Rootfs, "--cwd", o.Cwd ?? "/" };
        if (o.Hostname is not null) args.AddRange(["--hostname", o.Hostname]);
        if (o.Tty) args.Add("--tty");
        if (o.Vmm is not null) args.AddRange(["--vmm", o.Vmm]);
        if (o.MemoryMiB is { } mem) args.AddRange(["--memory", mem.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (o.Cpus is { } cpus) args.AddRange(["--cpus", cpus.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        foreach (var kv in o.BuildEnv()) args.AddRange(["--env", kv]);
        args.Add("--");
        args.AddRange(o.Command);
        return Execute(["run", .. args]);
    }

    static int Run(string[] args)
    {
        var o = new MicroVmOptions();
        var env = new List<string>();
        string cwd = "/", hostname = "";
        bool timing = false, tty = false;
        string? netAddr = null, netns = null, tap = null, netBackend = null;
        int i = 0;
        for (; i < args.Length; i++)
        {
            string a = args[i];
            if (a == "--") { i++; break; }
            if (!a.StartsWith('-') || a == "-") break;
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value");
            int Int() => int.TryParse(Value(), out var v) ? v : throw new ArgumentException($"{a}: not a number");
            switch (a)
            {
                case "--rootfs": o = o with { Rootfs = Value() }; break;
                case "--memory": o = o with { MemoryMiB = Int() }; break;
                case "--cpus": o = o with { Cpus = Int() }; break;
                case "--vmm":
                    o = o with { Vmm = Value() switch { "qemu" => Vmm.Qemu, "kvm" => Vmm.Kvm, var v => throw new ArgumentException($"unknown VMM '{v}' (qemu or kvm)") } };
                    break;
                case "--accel":
                    o = o with { Accel = Value() switch { "auto" => Accel.Auto, "kvm" => Accel.Kvm, "tcg" => Accel.Tcg, var v => throw new ArgumentException($"unknown accelerator '{v}'") } };
                    break;
                case "--share":
                    o = o with { Share = Value() switch { "auto" => ShareKind.Auto, "virtiofs" => ShareKind.VirtioFs, "9p" => ShareKind.NineP, "none" => ShareKind.None, "block" => ShareKind.Block, var v => throw new ArgumentException($"unknown share '{v}'") } };
                    break;
                case "--kernel": o = o with { Kernel = Value() }; break;
                case "--modules": o = o with { ModulesDir = Path.GetFullPath(Value()) }; break;
                case "--console-log": o = o with { ConsoleLog = Path.GetFullPath(Value()) }; break;
                case "--cwd": cwd = Value(); break;
                case "--env":
                    var kv = Value();
                    if (!kv.Contains('=')) throw new ArgumentException($"--env {kv}: expected K=V");
                    env.Add(kv);
                    break;
                case "--hostname": hostname = Value(); break;
                case "--append": o = o with { ExtraKernelArgs = Value() }; break;
                case "--boot-timeout": o = o with { BootTimeout = TimeSpan.FromSeconds(Int()) }; break;
                case "--net": netAddr = Value(); break;
                case "--netns": netns = Value(); break;
                case "--tap": tap = Value(); break;
                case "--net-backend": netBackend = Value(); break;
                case "--timing": timing = true; break;
                case "--tty" or "-t": tty = true; break;
                case "--debug": o = o with { Debug = true }; break;
                default: throw new ArgumentException($"unknown option {a}");
            }
        }
        if (netAddr is null && (netns ?? tap ?? netBackend) is not null) throw new ArgumentException("--netns, --tap and --net-backend need --net");
        if (netAddr is not null)
        {
            var parts = netAddr.Split(',');
            var cidr = parts[0].Split('/');
            if (cidr.Length != 2 || !System.Net.IPAddress.TryParse(cidr[0], out var a) || a.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
                || !int.TryParse(cidr[1], out var prefix) || prefix is < 0 or > 32 || parts.Length > 2
                || (parts.Length == 2 && !System.Net.IPAddress.TryParse(parts[1], out _)))
                throw new ArgumentException($"--net {netAddr}: expected IPv4-ADDRESS/PREFIX[,GATEWAY]");
            if (netns is not null && !netns.Contains('/')) netns = "/run/netns/" + netns;
            if (netns is not null && !File.Exists(netns)) throw new ArgumentException($"--netns {netns}: no such network namespace");
            o = o with
            {
                Network = new NetworkOptions
                {
                    GuestAddress = parts[0], Gateway = parts.Length == 2 ? parts[1] : null, Netns = netns, TapName = tap ?? "tap0",
                    Backend = netBackend switch { null or "vhost-user" => NetBackend.VhostUser, "tap" => NetBackend.QemuTap, var v => throw new ArgumentException($"unknown --net-backend '{v}' (vhost-user or tap)") },
                },
            };
        }
        var argv = args[i..];
        if (argv.Length == 0) throw new ArgumentException("no PROGRAM given (sandbox microvm run [OPTIONS] -- PROGRAM [ARGS...])");
        var fullEnv = new List<string>(AgentClient.DefaultEnv.Where(d => !env.Any(e => e.Split('=')[0] == d.Split('=')[0])));
        fullEnv.AddRange(env);
        return RunAsync(o, argv, fullEnv, cwd, hostname, timing, tty).GetAwaiter().GetResult();
    }

    static async Task<int> RunAsync(MicroVmOptions o, string[] argv, List<string> env, string cwd, string hostname, bool timing, bool tty)
    {
        using var cts = new CancellationTokenSource();
        VirtualMachine? vm = null;
        int signals = 0;
        // SIGINT/SIGTERM/SIGHUP/SIGQUIT: forwarded to the program; a second one stops the VM.
        ExecForward? fwd = null;
        void OnSignal(PosixSignalContext c)
        {
            c.Cancel = true;
            if (++signals > 1 || fwd is null) { cts.Cancel(); return; }
            int signo = c.Signal switch { PosixSignal.SIGINT => 2, PosixSignal.SIGTERM => 15, PosixSignal.SIGHUP => 1, PosixSignal.SIGQUIT => 3, _ => 15 };
            _ = fwd.Signal(signo);
        }
        using var r1 = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var r2 = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var r3 = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);
        using var r4 = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnSignal);
        try
        {
            var t0 = System.Diagnostics.Stopwatch.StartNew();
            vm = await VirtualMachine.StartAsync(o, cts.Token);
            if (timing)
            {
                var t = vm.Timings;
                Console.Error.WriteLine($"microvm: {t.Accel}, kernel {vm.KernelRelease}: prepare {t.PrepareMs:0} ms, {(vm.Options.Vmm == Vmm.Kvm ? "VM created" : "qemu spawned")} {t.SpawnMs:0} ms, " +
                    $"connected {t.ConnectMs:0} ms, agent ready {t.ReadyMs:0} ms (guest uptime {t.GuestUptimeMs} ms)");
                PrintMemory(vm, "at ready");
            }
            var stdout = Console.OpenStandardOutput();
            var stderr = Console.OpenStandardError();
            var cid = "c" + Guid.NewGuid().ToString("n")[..8];
            await vm.Agent.CreateContainerAsync(cid, vm.ContainerRootfs, hostname, cts.Token);
            var outLock = new object();
            ExecSession x;
            try
            {
                var (rows, cols) = LocalTerminal.Size();
                x = await vm.Agent.ExecAsync(cid, argv, env, cwd, (s, d) =>
                {
                    lock (outLock) { var w = s == 1 ? stdout : stderr; w.Write(d); w.Flush(); }
                }, ct: cts.Token, tty: tty, rows: rows, cols: cols);
            }
            catch (AgentErrorException e)
            {
                Console.Error.WriteLine($"sandbox microvm: {e.Message}");
                return e.Code == 2 ? 127 : 126;
            }
            fwd = new ExecForward(x);
            using var winch = tty ? PosixSignalRegistration.Create(PosixSignal.SIGWINCH, c =>
            {
                c.Cancel = true;
                var (r, cl) = LocalTerminal.Size();
                _ = x.ResizeAsync(r, cl).ContinueWith(_ => { });
            }) : null;
            using var raw = tty ? LocalTerminal.EnterRawMode() : null;
            // fd 0 as a plain stream: Console.OpenStandardInput reconfigures a terminal before every
            // read, which would undo the raw mode of --tty.
            var stdin = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(0, ownsHandle: false), FileAccess.Read, 1, false);
            _ = Task.Run(async () =>
            {
                var buf = new byte[16 << 10];
                try
                {
                    int n;
                    while ((n = await stdin.ReadAsync(buf, cts.Token)) > 0) await x.WriteStdinAsync(buf.AsSpan(0, n).ToArray(), cts.Token);
                }
                catch (Exception) { }
                try { await x.CloseStdinAsync(cts.Token); } catch (Exception) { }
            });
            var (code, _) = await x.Exited.WaitAsync(cts.Token);
            if (timing)
            {
                Console.Error.WriteLine($"microvm: program exited with {code} after {t0.ElapsedMilliseconds} ms");
                PrintMemory(vm, "at exit");
            }
            return code;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("sandbox microvm: interrupted");
            return 130;
        }
        catch (AgentErrorException e) { return Fail(e.Message); }
        finally
        {
            if (vm is not null) await vm.DisposeAsync();
        }
    }

    static void PrintMemory(VirtualMachine vm, string when)
    {
        var (rss, guest, fsd) = vm.MemoryUsage();
        Console.Error.WriteLine($"microvm: memory {when}: {(vm.Options.Vmm == Vmm.Kvm ? vm.VmmInProcess ? "VMM (this process)" : "VMM process" : "QEMU")} RSS {rss / 1024.0:0.0} MiB, of which guest RAM {guest / 1024.0:0.0} MiB: " +
            $"VMM overhead {(rss - guest) / 1024.0:0.0} MiB" + (fsd > 0 ? $", virtiofsd RSS {fsd / 1024.0:0.0} MiB" : ""));
    }

    sealed class ExecForward(ExecSession x)
    {
        public async Task Signal(int signo)
        {
            try { await x.SignalAsync(signo); } catch (Exception) { }
        }
    }

    static int Kernel(string[] args)
    {
        string? path = null, modules = null;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--kernel" && i + 1 < args.Length) path = args[++i];
            else if (args[i] == "--modules" && i + 1 < args.Length) modules = Path.GetFullPath(args[++i]);
            else if (args[i] == "--build")
            {
                var built = KernelBuilder.Build(HostSystem.CacheDir(), Console.Error);
                Console.WriteLine(built);
                return 0;
            }
            else return Fail($"unknown option {args[i]}");
        }
        var k = GuestKernel.Open(path, HostSystem.CacheDir(), modules);
        Console.WriteLine($"image    {k.ImagePath}");
        Console.WriteLine($"vmlinux  {k.VmlinuxPath} ({new FileInfo(k.VmlinuxPath).Length / 1024} KiB)");
        Console.WriteLine($"release  {k.Release}");
        Console.WriteLine($"modules  {k.ModulesDir ?? "(none)"}");
        Console.WriteLine($"9p       {(k.Supports("9P_FS") ? k.ConfigValue("9P_FS") : "no")}, virtio-fs {(k.Supports("VIRTIO_FS") ? k.ConfigValue("VIRTIO_FS") : "no")}");
        return 0;
    }

    static int Check()
    {
        Console.WriteLine($"qemu       {HostSystem.Qemu() ?? "missing (apt-get install qemu-system-x86)"}");
        Console.WriteLine($"virtiofsd  {HostSystem.Virtiofsd() ?? "missing"}");
        Console.WriteLine($"kvm        {HostSystem.KvmUnusableReason() ?? "usable"}");
        Console.WriteLine($"kernel     {GuestKernel.FindInstalled() ?? "missing (apt-get install linux-image-cloud-amd64)"}");
        Console.WriteLine($"agent      {HostSystem.FindAgent() ?? "missing (dotnet build publishes it)"}");
        Console.WriteLine($"trimmed    {KernelBuilder.FindBuilt(HostSystem.CacheDir()) ?? $"not built ({KernelBuilder.Missing() ?? "sandbox microvm kernel --build"})"}");
        Console.WriteLine($"root       {HostSystem.IsRoot}");
        return 0;
    }
}
