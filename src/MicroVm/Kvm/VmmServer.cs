using System.Net.Sockets;
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
        Tap? tap = null;
        int agentFd = -1;
        KvmMachine? m = null;
        try
        {
            agentFd = ConnectBlocking(spec.AgentSocket);
            using var console = new FileStream(spec.ConsoleLog, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            if (spec.Tap is not null) tap = Tap.Open(spec.Tap, spec.Netns);
            byte[]? mac = spec.Mac is null ? null : Convert.FromHexString(spec.Mac.Replace(":", ""));
            m = KvmMachine.Start(spec.Kernel, spec.Initrd, spec.Cmdline, spec.MemoryMiB, console, spec.RootImage, tap, mac, spec.Cpus, agentFd, spec.AcpiDevices);
            agentFd = -1; // the machine's now
            tap = null;
            string why = m.Exited.GetAwaiter().GetResult();
            Console.Error.WriteLine($"vmm: stopped: {why}");
            return 0;
        }
        catch (Exception e) when (e is IOException or NotSupportedException or ArgumentException or SocketException or UnauthorizedAccessException or FormatException)
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

    /// <summary>A blocking stream socket connected to path: the console device reads and writes it from its own thread.</summary>
    static int ConnectBlocking(string path)
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try { s.Connect(new UnixDomainSocketEndPoint(path)); }
        catch (SocketException e) { throw new IOException($"agent socket {path}: {e.SocketErrorCode}: {e.Message}"); }
        int fd = Libc.fcntl((int)s.Handle, 1030 /* F_DUPFD_CLOEXEC */, 0);
        if (fd < 0) throw new IOException($"dup of the agent socket: {Libc.ErrText(Libc.Errno)}");
        int fl = Libc.fcntl(fd, 3 /* F_GETFL */, 0);
        if (fl < 0 || Libc.fcntl(fd, 4 /* F_SETFL */, fl & ~0x800 /* O_NONBLOCK */) < 0) throw new IOException($"agent socket flags: {Libc.ErrText(Libc.Errno)}");
        return fd;
    }
}
