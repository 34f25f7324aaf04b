using System.Runtime.InteropServices;
using Sandbox.MicroVm.VhostUser;

namespace Sandbox.MicroVm.Kvm;

/// <summary>
/// The direct-KVM VMM as a process of its own (`sandbox microvm vmm ...`, started by
/// <see cref="Vm.VmmProcess"/>), as Firecracker runs one process per VM: only the machine,
/// its devices and the runtime live there, so its memory beyond guest RAM is the VMM's, not
/// the launcher's or the CRI server's, and a VMM fault takes down one VM only. The agent's
/// channel is a unix socket the launcher listens on; the process ends when the guest stops.
/// </summary>
public static partial class VmmServer
{
    public const string Command = "vmm";

    /// <summary>The arguments <see cref="Run"/> takes, in the order the launcher writes them.</summary>
    public sealed record Spec(string Kernel, string Initrd, string Cmdline, int MemoryMiB, int Cpus, string ConsoleLog, string AgentSocket,
        string? RootImage, string? Tap, string? Netns, string? Mac, bool AcpiDevices = false)
    {
        public IEnumerable<string> ToArgs()
        {
            string[] a = ["--kernel", Kernel, "--initrd", Initrd, "--cmdline", Cmdline, "--memory", MemoryMiB.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--cpus", Cpus.ToString(System.Globalization.CultureInfo.InvariantCulture), "--console", ConsoleLog, "--agent-socket", AgentSocket];
            foreach (var x in a) yield return x;
            if (RootImage is not null) { yield return "--root-image"; yield return RootImage; }
            if (Tap is not null) { yield return "--tap"; yield return Tap; }
            if (Netns is not null) { yield return "--netns"; yield return Netns; }
            if (Mac is not null) { yield return "--mac"; yield return Mac; }
            if (AcpiDevices) yield return "--acpi-devices";
        }

        public static Spec Parse(IReadOnlyList<string> args)
        {
            var v = new Dictionary<string, string>();
            bool acpi = false;
            for (int i = 0; i < args.Count; i++)
            {
                string k = args[i];
                if (k == "--acpi-devices") { acpi = true; continue; }
                if (k is not ("--kernel" or "--initrd" or "--cmdline" or "--memory" or "--cpus" or "--console" or "--agent-socket" or "--root-image" or "--tap" or "--netns" or "--mac"))
                    throw new ArgumentException($"unknown option '{k}'");
                if (i + 1 >= args.Count) throw new ArgumentException($"{k} needs a value");
                v[k] = args[++i];
            }
            string Need(string k) => v.TryGetValue(k, out var x) ? x : throw new ArgumentException($"{k} is required");
            int Int(string k) => int.TryParse(Need(k), out int n) ? n : throw new ArgumentException($"{k} '{v[k]}' is not a number");
            return new Spec(Need("--kernel"), Need("--initrd"), v.GetValueOrDefault("--cmdline", ""), Int("--memory"), Int("--cpus"), Need("--console"),
                Need("--agent-socket"), v.GetValueOrDefault("--root-image"), v.GetValueOrDefault("--tap"), v.GetValueOrDefault("--netns"), v.GetValueOrDefault("--mac"), acpi);
        }
    }

    /// <summary>Boots the VM, serves it until the guest stops; "vmm: stopped: WHY" or "vmm: ERROR" is the last line on stderr.</summary>
    public static int Run(IReadOnlyList<string> args)
    {
        Spec spec;
        try { spec = Spec.Parse(args); }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"sandbox microvm vmm: {e.Message}");
            return 2;
        }
        // No transparent huge pages for this process's anonymous memory: with THP "always" a
        // thread's first touch of its (2 MiB-aligned) stack can take a whole 2 MiB page, measured
        // under nested KVM as 2 MiB more VMM overhead in one boot of three. Guest RAM is a memfd.
        Libc.prctl(41 /* PR_SET_THP_DISABLE */, 1, 0, 0, 0);
        Tap? tap = null;
        int agentFd = -1;
        KvmMachine? m = null;
        try
        {
            agentFd = ConnectBlocking(spec.AgentSocket);
            using var console = new FileStream(spec.ConsoleLog, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            if (spec.Tap is not null) tap = Tap.Open(spec.Tap, spec.Netns);
            byte[]? mac = spec.Mac is null ? null : Convert.FromHexString(spec.Mac.Replace(":", ""));
            int fd = agentFd;
            agentFd = -1; // the machine's from here, booted or not
            m = KvmMachine.Start(spec.Kernel, spec.Initrd, spec.Cmdline, spec.MemoryMiB, console, spec.RootImage, tap, mac, spec.Cpus, fd, spec.AcpiDevices);
            tap = null;
            string why = m.Exited.GetAwaiter().GetResult();
            Console.Error.WriteLine($"vmm: stopped: {why}");
            return 0;
        }
        catch (Exception e) when (e is IOException or NotSupportedException or ArgumentException or UnauthorizedAccessException or FormatException)
        {
            Console.Error.WriteLine($"vmm: {e.Message}");
            return 1;
        }
        finally
        {
            m?.Dispose();
            tap?.Dispose();
            if (agentFd >= 0) Libc.close(agentFd);
        }
    }

    /// <summary>
    /// A blocking stream socket connected to path: the console device reads and writes it from
    /// its own thread. Plain socket(2)/connect(2): a System.Net.Sockets.Socket would start the
    /// runtime's socket event thread (and its code and buffers) in a process that never uses it.
    /// </summary>
    static unsafe int ConnectBlocking(string path)
    {
        var addr = stackalloc byte[SockaddrUnLength];
        int len = SockaddrUn(path, new Span<byte>(addr, SockaddrUnLength));
        if (len < 0) throw new IOException($"agent socket {path}: the path is too long for a unix socket");
        int fd = Libc.socket(1 /* AF_UNIX */, 1 /* SOCK_STREAM */ | Libc.O_CLOEXEC, 0);
        if (fd < 0) throw new IOException($"agent socket: {Libc.ErrText(Libc.Errno)}");
        while (Libc.connect(fd, addr, (uint)len) != 0)
        {
            int e = Libc.Errno;
            if (e == Libc.EINTR) continue;
            Libc.close(fd);
            throw new IOException($"agent socket {path}: {Libc.ErrText(e)}");
        }
        return fd;
    }

    /// <summary>sizeof(struct sockaddr_un): sun_family and a 108-byte sun_path (unix(7)).</summary>
    internal const int SockaddrUnLength = 110;

    /// <summary>Writes struct sockaddr_un for path into sa; returns the length to pass to connect(2), or -1 when path does not fit with its NUL.</summary>
    internal static int SockaddrUn(string path, Span<byte> sa)
    {
        sa.Clear();
        sa[0] = 1; // AF_UNIX, little-endian sa_family_t
        int n = System.Text.Encoding.UTF8.GetByteCount(path);
        if (n == 0 || n > SockaddrUnLength - 2 - 1) return -1;
        System.Text.Encoding.UTF8.GetBytes(path, sa[2..]);
        return 2 + n + 1;
    }
}
