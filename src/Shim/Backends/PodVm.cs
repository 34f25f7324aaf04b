using Sandbox.MicroVm.Kernel;
using Sandbox.MicroVm.Vm;

namespace Sandbox.Shim.Backends;

/// <summary>
/// The VM of a microvm pod: QEMU's microvm machine with the guest agent, sharing the image
/// store's unpacked root filesystems read-only (every image the pod's containers use, also ones
/// pulled after the VM started); each container is an agent container chrooted into its
/// image's directory there.
/// </summary>
internal sealed class PodVm : IAsyncDisposable
{
    private readonly VirtualMachine _vm;
    private readonly string _share;
    private readonly object _helpersLock = new();
    private Task? _helpers;
    /// <summary>The agent container holding the port-forward relay (it shares the VM's network
    /// namespace with the pod's containers, as every agent container does).</summary>
    private const string HelperContainer = "sandbox-helpers";
    private const string HelperDir = ".sandbox-helpers";
    public const string PortfwdName = "sandbox-portfwd";

    private PodVm(VirtualMachine vm, string share, PodVolumes? volumes)
    {
        _vm = vm;
        _share = share;
        Volumes = volumes;
    }

    /// <summary>The pod's volume share (its files and its containers' volumes), or null.</summary>
    public PodVolumes? Volumes { get; }

    public AgentClient Agent => _vm.Agent;
    public int QemuPid => _vm.QemuPid;
    public int VirtiofsdPid => _vm.VirtiofsdPid;
    public string KernelRelease => _vm.KernelRelease;
    public BootTimings Timings => _vm.Timings;
    /// <summary>False once QEMU has gone (killed, crashed, or the guest powered off).</summary>
    public bool Alive => HostSystem.ProcessAlive(_vm.QemuPid);

    /// <summary>Why no VM can start on this host, or null when one can.</summary>
    public static string? UnavailableReason()
    {
        if (HostSystem.Qemu() is null) return "qemu-system-x86_64 is not installed (setup.d/microvm.packages installs qemu-system-x86)";
        if (GuestKernel.FindInstalled() is null) return "no guest kernel in /boot (setup.d/microvm.packages installs linux-image-cloud-amd64)";
        if (HostSystem.FindAgent() is null) return "the MicroVm guest agent was not published (artifacts/microvm/agent/sandbox-agent; building src/MicroVm does it, or set SANDBOX_MICROVM_AGENT)";
        if (!HostSystem.IsRoot) return "sharing root filesystems with the VM (virtio-fs through virtiofsd) needs root";
        if (HostSystem.Virtiofsd() is null) return "virtiofsd is not installed (QEMU 7.2 ships it in /usr/lib/qemu)";
        return null;
    }

    /// <param name="share">The host directory shared with the VM: the image store's root filesystems.</param>
    /// <param name="network">The guest's interface on the pod's network (<see cref="VmPodNetwork"/>); null: loopback only.</param>
    /// <param name="volumes">The pod's volume share (PodVolumes.Create); removed when the VM goes, or if it does not start.</param>
    public static async Task<PodVm> StartAsync(string share, int memoryMiB, int cpus, NetworkOptions? network, PodVolumes? volumes, CancellationToken ct)
    {
        try
        {
            var vm = await VirtualMachine.StartAsync(new MicroVmOptions
            {
                Rootfs = share,
                MemoryMiB = memoryMiB,
                Cpus = cpus,
                Share = ShareKind.Auto,
                BootTimeout = TimeSpan.FromSeconds(120),
                Network = network,
                Volumes = volumes?.HostDir,
            }, ct).ConfigureAwait(false);
            return new PodVm(vm, Path.GetFullPath(share), volumes);
        }
        catch
        {
            if (volumes != null) PodVolumes.Remove(volumes.HostDir);
            throw;
        }
    }

    /// <summary>The guest path of a host root filesystem inside the share.</summary>
    public string GuestPathOf(string hostRootfs)
    {
        var rel = Path.GetRelativePath(_share, Path.GetFullPath(hostRootfs));
        if (rel.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(rel))
            throw new ArgumentException($"{hostRootfs} is not inside the VM's share {_share}");
        return VirtualMachine.GuestRootfs + "/" + rel;
    }

    /// <summary>
    /// The agent mounts /proc, /dev (with the container's own /dev/pts), /tmp and /run of a
    /// container over directories of its read-only root, and skips what is absent: create the
    /// mount points in the image's directory on the host (as runc does in a bundle's rootfs).
    /// </summary>
    public static void EnsureMountPoints(string hostRootfs)
    {
        foreach (var d in new[] { "proc", "dev", "tmp", "run", "sys" })
        {
            var p = Path.Combine(hostRootfs, d);
            if (Directory.Exists(p) || File.Exists(p) || new FileInfo(p).LinkTarget != null) continue;
            try { Directory.CreateDirectory(p); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>An agent container (its Rootfs a guest path: GuestPathOf).</summary>
    public Task CreateContainerAsync(Sandbox.MicroVm.Protocol.CreateContainer request, CancellationToken ct)
        => _vm.Agent.CreateContainerAsync(request, ct);

    /// <summary>Destroys the agent container (gone already is fine) and undoes its volume binds.</summary>
    public async Task DestroyContainerAsync(string id)
    {
        try { await _vm.Agent.DestroyContainerAsync(id).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false); }
        catch (Exception e) when (e is AgentErrorException or IOException or ObjectDisposedException or TimeoutException) { } // gone already
        Volumes?.Detach(id);
    }

    public Task<VmExec> ExecAsync(string containerId, IReadOnlyList<string> argv, IReadOnlyList<string> env, string cwd,
        bool tty, int rows, int cols, CancellationToken ct)
        => VmExec.StartAsync(_vm.Agent, containerId, argv, env, cwd, tty, rows, cols, ct);

    /// <summary>
    /// Connects to 127.0.0.1:<paramref name="port"/> in the VM (bringing its loopback up) through
    /// sandbox-portfwd, run in a helper container whose root is a directory of the share: its
    /// stdin goes to the connection, the connection comes back as its stdout; exit status 1 with
    /// the reason on stderr when nothing listens there.
    /// </summary>
    public async Task<VmExec> ConnectAsync(int port, CancellationToken ct)
    {
        Task helpers;
        lock (_helpersLock) helpers = _helpers is { IsFaulted: false, IsCanceled: false } h ? h : _helpers = CreateHelpersAsync();
        await helpers.WaitAsync(ct).ConfigureAwait(false);
        return await VmExec.StartAsync(_vm.Agent, HelperContainer, ["/" + PortfwdName, port.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            [], "/", tty: false, 0, 0, ct).ConfigureAwait(false);
    }

    private async Task CreateHelpersAsync()
    {
        var src = Path.Combine(AppContext.BaseDirectory, PortfwdName);
        if (!File.Exists(src)) throw new FileNotFoundException($"{src} is missing (building src/Shim makes it from Native/portfwd.c)");
        var dir = Path.Combine(_share, HelperDir);
        Directory.CreateDirectory(dir);
        var dst = Path.Combine(dir, PortfwdName);
        if (!File.Exists(dst) || new FileInfo(dst).Length != new FileInfo(src).Length || File.GetLastWriteTimeUtc(dst) < File.GetLastWriteTimeUtc(src))
        {
            var tmp = dst + "." + Environment.ProcessId;
            File.Copy(src, tmp, overwrite: true);
            File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            File.Move(tmp, dst, overwrite: true);
        }
        await _vm.Agent.CreateContainerAsync(HelperContainer, GuestPathOf(dir), "").ConfigureAwait(false);
    }

    /// <summary>Asks the agent to power off, makes sure QEMU and virtiofsd are gone, then
    /// undoes the volume share.</summary>
    public async ValueTask DisposeAsync()
    {
        await _vm.DisposeAsync().ConfigureAwait(false);
        if (Volumes != null) PodVolumes.Remove(Volumes.HostDir);
    }
}
