using System.Diagnostics;
using System.Text;
using Sandbox.MicroVm.Protocol;

namespace Sandbox.MicroVm.Agent;

/// <summary>PID 1 of the VM: mounts the basics, loads the kernel modules the initramfs carries,
/// mounts the shared rootfs, finds the virtio-serial port and serves the protocol on it.</summary>
internal static unsafe class Agent
{
    public const string PortName = "sandbox.agent";
    public const string RootfsMount = "/run/sandbox/rootfs";
    /// <summary>The pod's volume share (read-write): the host bind-mounts each container's
    /// volumes and writes the pod's files there; containers get binds of its entries.</summary>
    public const string VolumesMount = "/run/sandbox/volumes";
    static readonly Stopwatch Clock = Stopwatch.StartNew();
    static bool _verbose;

    public static void Log(string s) => Console.Error.WriteLine($"sandbox-agent: {s}");
    public static void Debug(string s) { if (_verbose) Log($"[+{Clock.ElapsedMilliseconds} ms, uptime {UptimeMs()} ms] {s}"); }

    public static int Run(string[] args)
    {
        if (Environment.ProcessId != 1 && args is not ["--serve", _])
        {
            Console.Error.WriteLine("sandbox-agent: this is the MicroVm's /init; run it as PID 1 (or --serve PORT-DEVICE for tests)");
            return 2;
        }
        if (Environment.ProcessId == 1) Boot();
        // sandbox.port=hvc0: a plain virtio console (the direct-KVM VMM) instead of the named
        // virtio-serial port.
        string port = args is ["--serve", var p] ? p
            : _cmdline.TryGetValue("sandbox.port", out var dev) && dev.Length > 0 ? WaitForDevice("/dev/" + dev) : FindPort();
        Debug($"serving on {port}");
        new Server(port).Run();
        PowerOff();
        return 0;
    }

    static Dictionary<string, string> _cmdline = new();

    static void Boot()
    {
        Mount("proc", "/proc", "proc", Native.MS_NOSUID | Native.MS_NODEV | Native.MS_NOEXEC);
        Mount("sysfs", "/sys", "sysfs", Native.MS_NOSUID | Native.MS_NODEV | Native.MS_NOEXEC);
        Mount("devtmpfs", "/dev", "devtmpfs", Native.MS_NOSUID);
        Directory.CreateDirectory("/run");
        Mount("tmpfs", "/run", "tmpfs", Native.MS_NOSUID | Native.MS_NODEV);
        Directory.CreateDirectory("/tmp");
        Mount("tmpfs", "/tmp", "tmpfs", Native.MS_NOSUID | Native.MS_NODEV);
        foreach (var kv in File.ReadAllText("/proc/cmdline").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = kv.IndexOf('=');
            if (eq > 0) _cmdline[kv[..eq]] = kv[(eq + 1)..];
            else _cmdline[kv] = "";
        }
        _verbose = _cmdline.ContainsKey("sandbox.debug");
        Debug("mounted /proc /sys /dev");
        LoadModules();
        Debug("modules loaded");
        try { Network.Configure(_cmdline.GetValueOrDefault("sandbox.net")); }
        catch (Exception e) when (e is IOException or FormatException) { Log($"network: {e.Message}"); }
        string share = _cmdline.GetValueOrDefault("sandbox.share", "virtiofs");
        string tag = _cmdline.GetValueOrDefault("sandbox.tag", "rootfs");
        Directory.CreateDirectory(RootfsMount);
        if (share == "9p")
            Mount(tag, RootfsMount, "9p", Native.MS_RDONLY, "trans=virtio,version=9p2000.L,msize=512000,cache=loose");
        else if (share == "virtiofs")
            Mount(tag, RootfsMount, "virtiofs", Native.MS_RDONLY);
        else if (share == "blk")
            Mount(WaitForDevice("/dev/" + tag), RootfsMount, "ext4", Native.MS_RDONLY);
        Debug($"rootfs mounted ({share})");
        // sandbox.volumes=virtiofs|9p: the second share, tag "volumes". No caching: the host
        // mounts volumes into it while the VM runs, and HOST_TO_CONTAINER propagation means a
        // mount the host makes later inside a volume shows in the container.
        if (_cmdline.GetValueOrDefault("sandbox.volumes") is { } vshare)
        {
            Directory.CreateDirectory(VolumesMount);
            if (vshare == "9p")
                Mount("volumes", VolumesMount, "9p", Native.MS_NOSUID | Native.MS_NODEV, "trans=virtio,version=9p2000.L,msize=512000,cache=none");
            else
                Mount("volumes", VolumesMount, "virtiofs", Native.MS_NOSUID | Native.MS_NODEV);
            Debug($"volumes mounted ({vshare})");
        }
    }

    static void Mount(string src, string target, string fs, ulong flags, string? data = null)
    {
        if (Native.mount(src, target, fs, flags, data) != 0)
            throw new IOException($"mount {fs} on {target}: {Native.ErrText(Native.Errno)}");
    }

    /// <summary>Loads /lib/modules/*.ko in the order of /lib/modules/load-order (dependencies first).</summary>
    static void LoadModules()
    {
        const string dir = "/lib/modules";
        if (!File.Exists(dir + "/load-order")) return;
        foreach (var name in File.ReadAllLines(dir + "/load-order"))
        {
            if (name.Length == 0) continue;
            int fd = Native.open($"{dir}/{name}", Native.O_RDONLY | Native.O_CLOEXEC, 0);
            if (fd < 0) { Log($"module {name}: {Native.ErrText(Native.Errno)}"); continue; }
            // Parameters from the command line (MODULE.PARAM=VALUE), as modprobe would pass them:
            // virtio_mmio.device=SIZE@ADDR:IRQ describes the direct-KVM VMM's devices.
            var mod = Path.GetFileNameWithoutExtension(name).Replace('-', '_');
            var args = string.Join(' ', _cmdline.Where(kv => kv.Key.StartsWith(mod + ".", StringComparison.Ordinal))
                .Select(kv => $"{kv.Key[(mod.Length + 1)..]}={kv.Value}"));
            var param = System.Text.Encoding.UTF8.GetBytes(args + "\0");
            long rc;
            fixed (byte* pp = param) rc = Native.syscall(313 /* finit_module */, fd, (long)pp, 0);
            if (rc != 0 && Native.Errno != Native.EEXIST) Log($"module {name}: {Native.ErrText(Native.Errno)}");
            Native.close(fd);
        }
    }

    /// <summary>The virtio-serial port named sandbox.agent (/dev/vportNpM); waits for udev-less
    /// devtmpfs to create it.</summary>
    static string FindPort()
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (Directory.Exists("/sys/class/virtio-ports"))
                foreach (var d in Directory.GetDirectories("/sys/class/virtio-ports"))
                {
                    string? name = null;
                    try { name = File.ReadAllText(d + "/name").Trim(); } catch (IOException) { }
                    var dev = "/dev/" + Path.GetFileName(d);
                    if (name == PortName && File.Exists(dev)) return dev;
                }
            Thread.Sleep(10);
        }
        throw new IOException($"no virtio-serial port named {PortName}");
    }

    static string WaitForDevice(string path)
    {
        var sw = Stopwatch.StartNew();
        while (!File.Exists(path) && sw.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(10);
        return File.Exists(path) ? path : throw new IOException($"{path} did not appear");
    }

    public static string KernelRelease()
    {
        try { return File.ReadAllText("/proc/sys/kernel/osrelease").Trim(); } catch (IOException) { return "?"; }
    }

    public static long UptimeMs()
    {
        try
        {
            var s = File.ReadAllText("/proc/uptime").Split(' ')[0];
            return (long)(double.Parse(s, System.Globalization.CultureInfo.InvariantCulture) * 1000);
        }
        catch (Exception) { return -1; }
    }

    public static void PowerOff()
    {
        Native.sync();
        // The direct-KVM VMM has no power-off device: there the VM ends by rebooting (reboot=t,
        // a triple fault the VMM sees as KVM_EXIT_SHUTDOWN).
        Native.reboot(_cmdline.ContainsKey("sandbox.port") ? 0x01234567 /* RB_AUTOBOOT */ : Native.RB_POWER_OFF);
        // Not PID 1 or not permitted: nothing else to do.
    }
}
