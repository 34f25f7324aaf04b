using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Sandbox.MicroVm.Initramfs;
using Sandbox.MicroVm.Kernel;

namespace Sandbox.MicroVm.Vm;

/// <summary>One running MicroVm: QEMU's `microvm` machine booting the guest kernel with the agent
/// as /init, the rootfs shared read-only (virtio-fs through virtiofsd, or virtio-9p), and the
/// agent's virtio-serial port connected to a unix socket this process listens on.
/// DisposeAsync (or this process dying, through PDEATHSIG) stops everything and removes the run
/// directory.</summary>
public sealed class VirtualMachine : IAsyncDisposable
{
    public const string GuestRootfs = "/run/sandbox/rootfs";
    /// <summary>TCG translation cache size (QEMU defaults to 1 GiB, most of which would be touched).</summary>
    public static int TcgTbMiB = int.TryParse(Environment.GetEnvironmentVariable("SANDBOX_TCG_TB_MIB"), out var v) ? v : 64;

    Process? _qemu, _virtiofsd, _volumesd;
    Kvm.KvmMachine? _kvm;
    /// <summary>The direct-KVM VMM when it runs as a process of its own (the usual case; _kvm when in this process).</summary>
    VmmProcess? _vmm;
    /// <summary>Completes when the direct-KVM VMM's guest stopped, with why; null for QEMU.</summary>
    Task<string>? KvmExited => _vmm?.Exited ?? _kvm?.Exited;
    /// <summary>True when the direct-KVM VMM runs in this process (SANDBOX_VMM=in-process, or a host that is not the CLI).</summary>
    public bool VmmInProcess => _kvm is not null;
    VhostUser.VhostUserNetBackend? _net;
    /// <summary>The vhost-user-net back-end (NetworkOptions with NetBackend.VhostUser), else null.</summary>
    public VhostUser.VhostUserNetBackend? NetBackend => _net;
    readonly StringBuilder _qemuErr = new();
    int _disposed;

    public AgentClient Agent { get; private set; } = null!;
    public BootTimings Timings { get; private set; } = null!;
    public string RunDir { get; private set; } = "";
    public string ConsoleLog { get; private set; } = "";
    public GuestKernel Kernel { get; private set; } = null!;
    public string KernelRelease { get; private set; } = "";
    public IReadOnlyList<string> QemuArgs { get; private set; } = [];
    public int QemuPid => _qemu?.Id ?? 0;
    public int VirtiofsdPid => _virtiofsd?.Id ?? 0;
    public MicroVmOptions Options { get; private set; } = null!;
    /// <summary>Where containers find the rootfs in the guest: the share, or / (the initramfs) without one.</summary>
    public string ContainerRootfs => KvmShare(Options) == ShareKind.None ? "/" : GuestRootfs;

    /// <summary>The share actually used: the direct-KVM VMM shares the rootfs as an ext4 image,
    /// except the host's / (Auto: none, the initramfs is the root).</summary>
    static ShareKind KvmShare(MicroVmOptions o) => o.Vmm != Vmm.Kvm ? o.Share
        : o.Share == ShareKind.Auto ? (Path.GetFullPath(o.Rootfs) == "/" ? ShareKind.None : ShareKind.Block) : o.Share;

    VirtualMachine() { }

    public static async Task<VirtualMachine> StartAsync(MicroVmOptions o, CancellationToken ct = default)
    {
        if (o.Vmm == Vmm.Kvm && HostSystem.KvmUnusableReason() is { } kvmWhy)
            throw new NotSupportedException($"the direct-KVM VMM (--vmm kvm) needs /dev/kvm: {kvmWhy}");
        if (o.Vmm == Vmm.Kvm && o.Cpus > Kvm.KvmMachine.MaxCpus)
            throw new NotSupportedException($"the direct-KVM VMM runs at most {Kvm.KvmMachine.MaxCpus} vCPUs (the trimmed kernel's NR_CPUS)");
        if (o.Vmm == Vmm.Kvm && o.Share is not (ShareKind.None or ShareKind.Auto or ShareKind.Block))
            throw new NotSupportedException("the direct-KVM VMM shares the rootfs as a block device (--share block or none)");
        if (o.Vmm == Vmm.Kvm && o.Network is { Backend: not Vm.NetBackend.VhostUser })
            throw new NotSupportedException("the direct-KVM VMM serves the TAP itself (in-process virtio-net); --net-backend tap is QEMU's");
        if (o.Vmm == Vmm.Kvm && o.Volumes is not null)
            throw new NotSupportedException("the direct-KVM VMM has no volume share (it shares files only as a block image)");
        if (o.Volumes is not null && !Directory.Exists(o.Volumes)) throw new DirectoryNotFoundException($"volume share {o.Volumes} does not exist");
        if (o.Vmm == Vmm.Qemu && o.Share == ShareKind.Block)
            throw new NotSupportedException("--share block is the direct-KVM VMM's (--vmm kvm)");
        if (o.MemoryMiB is < 64 or > 1 << 20) throw new ArgumentException("memory must be 64 MiB .. 1 TiB");
        if (o.Cpus is < 1 or > 255) throw new ArgumentException("cpus must be 1 .. 255");
        var rootfs = Path.GetFullPath(o.Rootfs);
        if (!Directory.Exists(rootfs)) throw new DirectoryNotFoundException($"rootfs {o.Rootfs} does not exist");
        var vm = new VirtualMachine { Options = o };
        try
        {
            await vm.BootAsync(o, rootfs, ct);
            return vm;
        }
        catch
        {
            await vm.DisposeAsync();
            throw;
        }
    }

    /// <summary>The direct-KVM VMM (Kvm/KvmMachine), a process of its own where the `sandbox` CLI can be
    /// started (<see cref="VmmProcess"/>), else in this process; the initramfs is the root.</summary>
    async Task BootKvmAsync(MicroVmOptions o, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        var cache = o.CacheDir ?? HostSystem.CacheDir();
        // The trimmed kernel (sandbox microvm kernel --build) when there is one, else the
        // installed distribution kernel.
        var kernel = o.Kernel ?? KernelBuilder.FindBuilt(cache) ?? GuestKernel.FindInstalled() ?? throw new FileNotFoundException(
            "no guest kernel: install linux-image-cloud-amd64, build one with `sandbox microvm kernel --build`, or pass --kernel");
        Kernel = GuestKernel.Open(kernel, cache, o.ModulesDir);
        // A kernel that reads virtio_mmio.device= (the trimmed one) gets its devices there; any
        // other finds them in the DSDT (LNRO0005 devices), as under QEMU's microvm machine.
        bool acpiDevices = Kernel.ConfigValue("VIRTIO_MMIO_CMDLINE_DEVICES") != "y";
        if (acpiDevices && Kernel.Config.Count > 0 && Kernel.ConfigValue("ACPI") != "y")
            throw new NotSupportedException($"kernel {Kernel.Release} has neither CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES nor ACPI: the direct-KVM VMM's devices would stay invisible");
        var agent = o.AgentPath ?? HostSystem.FindAgent() ?? throw new FileNotFoundException(
            "guest agent not found: build the solution (it publishes artifacts/microvm/agent/sandbox-agent) or set SANDBOX_MICROVM_AGENT");
        var modules = InitramfsBuilder.ModulesFor("none").ToList();
        if (KvmShare(o) == ShareKind.Block) modules.Add("virtio_blk");
        if (o.Network is not null) modules.Add("virtio_net");
        var initrd = InitramfsBuilder.BuildCached(cache, agent, Kernel, modules, o.GzipInitramfs);
        var root = HostSystem.RunRoot();
        Directory.CreateDirectory(root);
        SweepStale(root);
        RunDir = Path.Combine(root, $"{Environment.ProcessId}-{Guid.NewGuid().ToString("n")[..8]}");
        Directory.CreateDirectory(RunDir);
        ConsoleLog = o.ConsoleLog ?? Path.Combine(RunDir, "console.log");
        var cmdline = new StringBuilder("console=ttyS0 pci=off i8042.noaux i8042.nomux i8042.nokbd nomodeset ");
        cmdline.Append(o.Debug ? "loglevel=7 sandbox.debug " : "quiet loglevel=3 ");
        string? image = null;
        if (KvmShare(o) == ShareKind.Block)
        {
            image = Path.Combine(RunDir, "rootfs.ext4");
            RootfsImage.Create(Path.GetFullPath(o.Rootfs), image);
        }
        cmdline.Append(image is null ? "sandbox.share=none " : "sandbox.share=blk sandbox.tag=vda ");
        if (o.Network is { } net)
            cmdline.Append($"sandbox.net={net.GuestAddress}{(net.Gateway is null ? "" : "," + net.Gateway)} ");
        cmdline.Append(o.ExtraKernelArgs);
        double prepareMs = sw.Elapsed.TotalMilliseconds;
        byte[]? mac = o.Network is { } n2 ? Convert.FromHexString(n2.Mac.Replace(":", "")) : null;
        using var bootCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bootCts.CancelAfter(o.BootTimeout);
        if (HostSystem.FindVmm() is { } vmm)
        {
            // A process of its own (Kvm/VmmServer): it opens the TAP itself.
            File.WriteAllBytes(ConsoleLog, []);
            var spec = new Kvm.VmmServer.Spec(Kernel.VmlinuxPath, initrd, cmdline.ToString().Trim(), o.MemoryMiB, o.Cpus, ConsoleLog,
                Path.Combine(RunDir, "agent.sock"), image, o.Network?.TapName, o.Network?.Netns, o.Network?.Mac, acpiDevices);
            _vmm = await VmmProcess.StartAsync(vmm, spec, bootCts.Token);
            Agent = new AgentClient(new NetworkStream(_vmm.Agent, ownsSocket: false));
        }
        else
        {
            _console = new FileStream(ConsoleLog, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
            var tap = o.Network is { } net2 ? VhostUser.Tap.Open(net2.TapName, net2.Netns) : null;
            try { _kvm = Kvm.KvmMachine.Start(Kernel.VmlinuxPath, initrd, cmdline.ToString().Trim(), o.MemoryMiB, _console, image, tap, mac, o.Cpus, acpiDevices: acpiDevices); }
            catch { tap?.Dispose(); throw; }
            Agent = new AgentClient(new NetworkStream(_kvm.AgentSocket!, ownsSocket: false));
        }
        double spawnMs = sw.Elapsed.TotalMilliseconds;
        var ready = Agent.Ready;
        var stopped = KvmExited!;
        var timeout = Task.Delay(Timeout.Infinite, bootCts.Token);
        if (await Task.WhenAny(ready, stopped, timeout) != ready || !ready.IsCompletedSuccessfully)
        {
            string why = stopped.IsCompleted ? $"the VM stopped: {stopped.Result}" : $"timed out after {o.BootTimeout.TotalSeconds:0} s";
            throw new IOException($"the guest agent did not become ready ({why}).\nconsole ({ConsoleLog}):\n{ConsoleTail()}");
        }
        var r = ready.Result;
        KernelRelease = r.KernelRelease;
        Timings = new BootTimings(prepareMs, spawnMs, spawnMs, sw.Elapsed.TotalMilliseconds, r.BootMs, "kvm-direct");
    }

    FileStream? _console;

    async Task BootAsync(MicroVmOptions o, string rootfs, CancellationToken ct)
    {
        if (o.Vmm == Vmm.Kvm) { await BootKvmAsync(o, ct); return; }
        var sw = Stopwatch.StartNew();
        var qemuBin = HostSystem.Qemu() ?? throw new FileNotFoundException("qemu-system-x86_64 not found: install qemu-system-x86 (setup.sh does)");
        var cache = o.CacheDir ?? HostSystem.CacheDir();
        Kernel = GuestKernel.Open(o.Kernel, cache, o.ModulesDir);
        string share = o.Share switch
        {
            ShareKind.NineP => "9p",
            ShareKind.VirtioFs => "virtiofs",
            ShareKind.None => "none",
            _ => Kernel.Supports("NET_9P") && Kernel.Supports("9P_FS") ? "9p" : "virtiofs",
        };
        if (share == "9p" && !Kernel.Supports("9P_FS") && Kernel.Config.Count > 0)
            throw new NotSupportedException($"kernel {Kernel.Release} has no 9p (CONFIG_9P_FS); use virtio-fs");
        if (share == "none" && o.Volumes is not null) throw new NotSupportedException("a volume share needs a rootfs share (virtio-fs or 9p)");
        string? virtiofsd = null;
        if (share == "virtiofs")
        {
            virtiofsd = HostSystem.Virtiofsd() ?? throw new FileNotFoundException("virtiofsd not found (QEMU 7.2 ships it in /usr/lib/qemu)");
            if (!HostSystem.IsRoot) throw new UnauthorizedAccessException("virtio-fs (virtiofsd) needs root; run as root or use a kernel with 9p (--share 9p)");
        }
        var agent = o.AgentPath ?? HostSystem.FindAgent() ?? throw new FileNotFoundException(
            "guest agent not found: build the solution (it publishes artifacts/microvm/agent/sandbox-agent) or set SANDBOX_MICROVM_AGENT");
        var modules = InitramfsBuilder.ModulesFor(share);
        if (o.Network is not null) modules = [.. modules, "virtio_net"];
        var initrd = InitramfsBuilder.BuildCached(cache, agent, Kernel, modules, o.GzipInitramfs);

        string? accelWhy = null;
        bool kvm = o.Accel switch
        {
            Accel.Kvm => (accelWhy = HostSystem.KvmUnusableReason()) is null ? true : throw new InvalidOperationException($"KVM requested but unusable: {accelWhy}"),
            Accel.Tcg => false,
            _ => HostSystem.KvmUnusableReason() is null,
        };

        var root = HostSystem.RunRoot();
        Directory.CreateDirectory(root);
        SweepStale(root);
        RunDir = Path.Combine(root, $"{Environment.ProcessId}-{Guid.NewGuid().ToString("n")[..8]}");
        Directory.CreateDirectory(RunDir);
        ConsoleLog = o.ConsoleLog ?? Path.Combine(RunDir, "console.log");
        var agentSock = Path.Combine(RunDir, "agent.sock");
        var fsSock = Path.Combine(RunDir, "fs.sock");
        var volSock = Path.Combine(RunDir, "volumes.sock");

        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(agentSock));
        listener.Listen(1);

        if (virtiofsd is not null)
        {
            // virtiofsd has no read-only option: give it a private mount namespace in which the
            // shared tree is a read-only bind mount, so the host enforces read-only.
            var ro = Path.Combine(RunDir, "rootfs");
            Directory.CreateDirectory(ro);
            _virtiofsd = ChildProcesses.Start("unshare", ["--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                "mount --bind -- \"$1\" \"$2\" && mount -o remount,bind,ro -- \"$2\" && exec \"$3\" --socket-path=\"$4\" -o source=\"$2\" -o sandbox=chroot -o cache=auto -o log_level=err",
                "virtiofsd", rootfs, ro, virtiofsd, fsSock]);
            Pump(_virtiofsd, "virtiofsd");
            if (o.Volumes is not null)
            {
                // In this mount namespace, so that what the host mounts in the share later is
                // seen; read-write; no cache, so the guest sees it at once.
                _volumesd = ChildProcesses.Start(virtiofsd, [$"--socket-path={volSock}", "-o", $"source={Path.GetFullPath(o.Volumes)}",
                    "-o", "sandbox=chroot", "-o", "cache=none", "-o", "log_level=err"]);
                Pump(_volumesd, "virtiofsd (volumes)");
            }
            await WaitForSocket(_virtiofsd, fsSock, ct);
            if (_volumesd is not null) await WaitForSocket(_volumesd, volSock, ct);
        }

        var cmdline = new StringBuilder("console=ttyS0 reboot=t panic=-1 pci=off i8042.noaux i8042.nomux i8042.dumbkbd ");
        cmdline.Append(o.Debug ? "loglevel=7 sandbox.debug " : "quiet loglevel=3 ");
        if (!kvm) cmdline.Append($"tsc_early_khz={HostSystem.TscKhz()} tsc=reliable no_timer_check ");
        cmdline.Append($"sandbox.share={share} sandbox.tag=rootfs ");
        if (o.Volumes is not null) cmdline.Append($"sandbox.volumes={share} ");
        if (o.Network is { } net)
            cmdline.Append($"sandbox.net={net.GuestAddress}{(net.Gateway is null ? "" : "," + net.Gateway)} ");
        cmdline.Append(o.ExtraKernelArgs);

        var mem = $"{o.MemoryMiB}M";
        var args = new List<string>
        {
            // Guest RAM is a memfd (shared: vhost-user backends map it); it shows as RssShmem of
            // QEMU, so the VMM's own overhead is VmRSS - RssShmem.
            "-M", "microvm,x-option-roms=off,memory-backend=mem",
            "-object", $"memory-backend-memfd,id=mem,size={mem},share=on",
            "-accel", kvm ? "kvm" : $"tcg,tb-size={TcgTbMiB}", "-cpu", kvm ? "host" : "max",
            "-smp", o.Cpus.ToString(), "-m", mem,
            "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
            "-global", "virtio-mmio.force-legacy=false",
            "-chardev", $"file,id=con,path={ConsoleLog}", "-device", "isa-serial,chardev=con",
            "-kernel", Kernel.VmlinuxPath, "-initrd", initrd, "-append", cmdline.ToString().Trim(),
            "-device", "virtio-serial-device,max_ports=2",
            "-chardev", $"socket,id=agent,path={agentSock}", "-device", "virtserialport,chardev=agent,name=sandbox.agent",
        };
        if (share == "virtiofs")
            args.AddRange(["-chardev", $"socket,id=fs,path={fsSock}", "-device", "vhost-user-fs-device,chardev=fs,tag=rootfs"]);
        else if (share == "9p")
            args.AddRange(["-fsdev", $"local,id=fs,path={rootfs},security_model=none,readonly=on,multidevs=remap",
                "-device", "virtio-9p-device,fsdev=fs,mount_tag=rootfs"]);
        if (o.Volumes is not null && share == "virtiofs")
            args.AddRange(["-chardev", $"socket,id=vol,path={volSock}", "-device", "vhost-user-fs-device,chardev=vol,tag=volumes"]);
        else if (o.Volumes is not null && share == "9p")
            args.AddRange(["-fsdev", $"local,id=vol,path={Path.GetFullPath(o.Volumes)},security_model=passthrough,multidevs=remap",
                "-device", "virtio-9p-device,fsdev=vol,mount_tag=volumes"]);
        if (o.Network is { } n)
        {
            if (n.Backend == Vm.NetBackend.VhostUser)
            {
                var netSock = Path.Combine(RunDir, "net.sock");
                _net = new VhostUser.VhostUserNetBackend(netSock, VhostUser.Tap.Open(n.TapName, n.Netns));
                // reconnect=1: QEMU comes back to a restarted back-end by itself.
                args.AddRange(["-chardev", $"socket,id=net,path={netSock},reconnect=1", "-netdev", "vhost-user,id=net0,chardev=net",
                    "-device", $"virtio-net-device,netdev=net0,mac={n.Mac}"]);
            }
            else
                args.AddRange(["-netdev", $"tap,id=net0,ifname={n.TapName},script=no,downscript=no",
                    "-device", $"virtio-net-device,netdev=net0,mac={n.Mac}"]);
        }
        QemuArgs = args;
        double prepareMs = sw.Elapsed.TotalMilliseconds;

        _qemu = o.Network is { Backend: Vm.NetBackend.QemuTap, Netns: { } ns }
            ? ChildProcesses.Start("nsenter", [$"--net={ns}", "--", qemuBin, .. args])
            : ChildProcesses.Start(qemuBin, args);
        Pump(_qemu, "qemu");
        double spawnMs = sw.Elapsed.TotalMilliseconds;

        using var bootCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bootCts.CancelAfter(o.BootTimeout);
        var exited = _qemu.WaitForExitAsync(bootCts.Token);
        Socket conn;
        var accept = listener.AcceptAsync(bootCts.Token).AsTask();
        if (await Task.WhenAny(accept, exited) != accept || !accept.IsCompletedSuccessfully)
            throw BootFailure("QEMU did not connect to the agent socket");
        conn = accept.Result;
        double connectMs = sw.Elapsed.TotalMilliseconds;
        TryDelete(agentSock);

        Agent = new AgentClient(new NetworkStream(conn, ownsSocket: true));
        var ready = Agent.Ready;
        var timeout = Task.Delay(Timeout.Infinite, bootCts.Token);
        if (await Task.WhenAny(ready, exited, timeout) != ready || !ready.IsCompletedSuccessfully)
            throw BootFailure("the guest agent did not become ready");
        var r = ready.Result;
        // Every chardev is connected once the guest runs: the sockets are no longer needed.
        TryDelete(fsSock);
        TryDelete(volSock);
        KernelRelease = r.KernelRelease;
        Timings = new BootTimings(prepareMs, spawnMs, connectMs, sw.Elapsed.TotalMilliseconds, r.BootMs, kvm ? "kvm" : "tcg");
    }

    /// <summary>Host memory of the VMM in KiB: QEMU's resident set (with --vmm kvm: this process's),
    /// the part of it that is guest RAM (the memfd, RssShmem), and the virtiofsd daemons' resident sets (0 without them).</summary>
    public (long QemuRssKiB, long GuestRamKiB, long VirtiofsdRssKiB) MemoryUsage()
    {
        static (long Rss, long Shmem) Read(Process? p, bool self = false)
        {
            long rss = 0, shmem = 0;
            if (p is null && !self) return (0, 0);
            try
            {
                foreach (var l in File.ReadLines(self ? "/proc/self/status" : $"/proc/{p!.Id}/status"))
                {
                    if (l.StartsWith("VmRSS:")) rss = Kib(l);
                    else if (l.StartsWith("RssShmem:")) shmem = Kib(l);
                }
            }
            catch (IOException) { }
            return (rss, shmem);
            static long Kib(string l) => long.TryParse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], out var v) ? v : 0;
        }
        // The direct-KVM VMM in this process: its RSS beyond guest RAM (the runtime included).
        var q = _vmm is not null ? Read(_vmm.Process) : _kvm is not null ? Read(null, self: true) : Read(_qemu);
        return (q.Rss, q.Shmem, Read(_virtiofsd).Rss + Read(_volumesd).Rss);
    }

    Exception BootFailure(string what)
    {
        string why;
        try { why = _qemu is not null && _qemu.WaitForExit(200) ? $"QEMU exited with status {_qemu.ExitCode}" : $"timed out after {Options.BootTimeout.TotalSeconds:0} s"; }
        catch (Exception) { why = "QEMU did not start"; }
        return new IOException($"{what} ({why}).\nQEMU: {QemuErrors()}\nconsole ({ConsoleLog}):\n{ConsoleTail()}");
    }

    public string ConsoleTail(int lines = 30)
    {
        try
        {
            using var f = new FileStream(ConsoleLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var text = new StreamReader(f).ReadToEnd().Replace("\r", "");
            return string.Join('\n', text.Split('\n').TakeLast(lines));
        }
        catch (IOException) { return "(no console log)"; }
    }

    string QemuErrors() { lock (_qemuErr) return _qemuErr.ToString().Trim(); }

    void Pump(Process p, string name)
    {
        void Add(string? l) { if (l is not null) lock (_qemuErr) { if (_qemuErr.Length < 16 << 10) _qemuErr.AppendLine($"{name}: {l}"); } }
        p.OutputDataReceived += (_, e) => Add(e.Data);
        p.ErrorDataReceived += (_, e) => Add(e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
    }

    async Task WaitForSocket(Process daemon, string socket, CancellationToken ct)
    {
        var wait = Stopwatch.StartNew();
        while (!File.Exists(socket))
        {
            if (daemon.HasExited) throw new IOException($"virtiofsd exited: {QemuErrors()}");
            if (wait.Elapsed > TimeSpan.FromSeconds(10)) throw new TimeoutException("virtiofsd did not create its socket");
            await Task.Delay(5, ct);
        }
    }

    static void TryDelete(string f) { try { File.Delete(f); } catch (IOException) { } catch (UnauthorizedAccessException) { } }

    /// <summary>Removes run directories left by launchers that died (their pid is the prefix).</summary>
    static void SweepStale(string root)
    {
        foreach (var d in Directory.GetDirectories(root))
        {
            var name = Path.GetFileName(d);
            int dash = name.IndexOf('-');
            if (dash > 0 && int.TryParse(name[..dash], out var pid) && !HostSystem.ProcessAlive(pid))
                try { Directory.Delete(d, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Creates container `id` (own mount/PID/UTS/IPC namespaces, chrooted into the shared
    /// rootfs), runs argv in it with the given stdio and returns its exit status (128+N for
    /// signal N). The container is destroyed afterwards.</summary>
    public async Task<int> RunAsync(IReadOnlyList<string> argv, IReadOnlyList<string>? env = null, string cwd = "/",
        string hostname = "", Stream? stdin = null, Stream? stdout = null, Stream? stderr = null, CancellationToken ct = default)
    {
        var cid = "c" + Guid.NewGuid().ToString("n")[..8];
        await Agent.CreateContainerAsync(cid, ContainerRootfs, hostname, ct);
        try
        {
            var outLock = new object();
            var x = await Agent.ExecAsync(cid, argv, env, cwd, (s, d) =>
            {
                lock (outLock)
                {
                    var target = s == 1 ? stdout : stderr;
                    target?.Write(d);
                    target?.Flush();
                }
            }, ct: ct);
            if (stdin is not null) _ = Task.Run(() => ForwardStdin(stdin, x, ct), ct);
            else _ = x.CloseStdinAsync(ct);
            var (code, _) = await x.Exited.WaitAsync(ct);
            return code;
        }
        finally
        {
            try { await Agent.DestroyContainerAsync(cid, CancellationToken.None); } catch (Exception) { }
        }
    }

    static async Task ForwardStdin(Stream stdin, ExecSession x, CancellationToken ct)
    {
        var buf = new byte[16 << 10];
        try
        {
            int n;
            while ((n = await stdin.ReadAsync(buf, ct)) > 0) await x.WriteStdinAsync(buf.AsSpan(0, n).ToArray(), ct);
        }
        catch (Exception) { }
        try { await x.CloseStdinAsync(ct); } catch (Exception) { }
    }

    /// <summary>Asks the agent to power off (waits up to 3 s), then kills whatever is left and
    /// removes the run directory. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (Agent is not null && _qemu is { HasExited: false })
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await Agent.ShutdownAsync(cts.Token);
                await _qemu.WaitForExitAsync(cts.Token);
            }
            catch (Exception) { }
        }
        if (KvmExited is { IsCompleted: false } stopped && Agent is not null)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await Agent.ShutdownAsync(cts.Token);
                await stopped.WaitAsync(cts.Token);
            }
            catch (Exception) { }
        }
        if (Agent is not null) await Agent.DisposeAsync();
        _kvm?.Dispose();
        _vmm?.Dispose();
        _console?.Dispose();
        foreach (var p in new[] { _qemu, _virtiofsd, _volumesd })
        {
            if (p is null) continue;
            ChildProcesses.Kill(p);
            try { p.WaitForExit(5000); } catch (Exception) { }
            ChildProcesses.Forget(p);
            p.Dispose();
        }
        _net?.Dispose();
        if (RunDir.Length > 0)
            try { Directory.Delete(RunDir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
