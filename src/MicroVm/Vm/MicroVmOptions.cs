namespace Sandbox.MicroVm.Vm;

public enum Accel { Auto, Kvm, Tcg }
public enum Vmm { Qemu, Kvm }
/// <summary>How the rootfs reaches the guest. Block: an ext4 image of it on virtio-blk (the
/// direct-KVM VMM's way; the image is made with mkfs.ext4 -d).</summary>
public enum ShareKind { Auto, VirtioFs, NineP, None, Block }

/// <summary>What a VM is started with. Everything has a default: `new MicroVmOptions()` boots
/// the installed cloud kernel with the host's / shared read-only.</summary>
public sealed record MicroVmOptions
{
    /// <summary>Host directory shared read-only with the VM (mounted at /run/sandbox/rootfs).
    /// Ignored with ShareKind.None: containers then use the initramfs itself as their root.</summary>
    public string Rootfs { get; init; } = "/";
    public int MemoryMiB { get; init; } = 512;
    public int Cpus { get; init; } = 1;
    public Accel Accel { get; init; } = Accel.Auto;
    public Vmm Vmm { get; init; } = Vmm.Qemu;
    public ShareKind Share { get; init; } = ShareKind.Auto;
    /// <summary>A bzImage (/boot/vmlinuz-*) or ELF vmlinux; default: the installed cloud kernel.</summary>
    public string? Kernel { get; init; }
    /// <summary>The kernel's modules tree (modules.dep and the .ko files); default /lib/modules/RELEASE.</summary>
    public string? ModulesDir { get; init; }
    /// <summary>The guest agent binary; default: HostSystem.FindAgent().</summary>
    public string? AgentPath { get; init; }
    /// <summary>The guest's serial console goes here; default: console.log in the VM's run dir
    /// (removed with it).</summary>
    public string? ConsoleLog { get; init; }
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromSeconds(120);
    /// <summary>sandbox.debug on the kernel command line: the agent logs its steps to the console,
    /// and the kernel is not quiet.</summary>
    public bool Debug { get; init; }
    public bool GzipInitramfs { get; init; }
    public string ExtraKernelArgs { get; init; } = "";
    public string? CacheDir { get; init; }
    /// <summary>A host directory shared read-write with the VM as its volume share (mounted at
    /// /run/sandbox/volumes, uncached: mounts made in it while the VM runs show in the guest);
    /// null: none. Same transport as the rootfs (virtio-fs or 9p); QEMU only.</summary>
    public string? Volumes { get; init; }
    /// <summary>A network interface for the guest; null: none.</summary>
    public NetworkOptions? Network { get; init; }
}

/// <summary>Milliseconds from StartAsync: QEMU spawned, QEMU connected to the agent socket,
/// agent Ready; and the guest's own uptime when the agent became ready.</summary>
public sealed record BootTimings(double PrepareMs, double SpawnMs, double ConnectMs, double ReadyMs, long GuestUptimeMs, string Accel);

/// <summary>How the guest's virtio-net device reaches the pod's network.</summary>
public enum NetBackend
{
    /// <summary>This process's vhost-user-net back-end (VhostUser/) between QEMU and the TAP.</summary>
    VhostUser,
    /// <summary>QEMU's own TAP netdev (QEMU runs in the pod's network namespace): the comparison.</summary>
    QemuTap,
}

/// <summary>One virtio-net interface: a TAP named TapName in the network namespace Netns
/// (created if missing, set up), the guest's address told to the agent on the command line.</summary>
public sealed record NetworkOptions
{
    public NetBackend Backend { get; init; } = NetBackend.VhostUser;
    /// <summary>/run/netns/NAME or /proc/PID/ns/net; null: the host's.</summary>
    public string? Netns { get; init; }
    public string TapName { get; init; } = "tap0";
    /// <summary>IPv4 ADDRESS/PREFIX of the guest's interface.</summary>
    public required string GuestAddress { get; init; }
    public string? Gateway { get; init; }
    public string Mac { get; init; } = "52:54:00:5a:4d:01";
}
