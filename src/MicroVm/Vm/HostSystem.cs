using System.Runtime.InteropServices;

namespace Sandbox.MicroVm.Vm;

/// <summary>What the launcher asks of the host: is KVM usable, the TSC frequency for TCG, where
/// QEMU and virtiofsd are, where state and caches go.</summary>
public static unsafe partial class HostSystem
{
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int ioctl(int fd, ulong request, nint arg);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
    [LibraryImport("libc", SetLastError = true)]
    internal static partial int kill(int pid, int sig);
    [LibraryImport("libc")]
    internal static partial uint geteuid();

    /// <summary>Why KVM cannot be used, or null when it can: /dev/kvm opens read-write, speaks API
    /// 12, creates a VM, and the CPU advertises VMX or SVM (a /dev/kvm without them exists on
    /// some hosts and fails on the first real guest). SANDBOX_MICROVM_KVM=force skips the CPU
    /// flag check.</summary>
    public static string? KvmUnusableReason()
    {
        if (!File.Exists("/dev/kvm")) return "no /dev/kvm";
        int fd = open("/dev/kvm", 2 | 0x80000);
        if (fd < 0) return $"/dev/kvm: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}";
        try
        {
            if (ioctl(fd, 0xAE00, 0) != 12) return "/dev/kvm: unexpected KVM API version";
            int vm = ioctl(fd, 0xAE01, 0);
            if (vm < 0) return $"KVM_CREATE_VM: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}";
            close(vm);
        }
        finally { close(fd); }
        if (Environment.GetEnvironmentVariable("SANDBOX_MICROVM_KVM") == "force") return null;
        var flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags")) ?? "";
        var set = flags.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        if (!set.Contains("vmx") && !set.Contains("svm")) return "the CPU advertises neither VMX nor SVM (this /dev/kvm cannot run a real guest)";
        return null;
    }

    /// <summary>The host's TSC frequency in kHz (for tsc_early_khz= under TCG).</summary>
    public static long TscKhz()
    {
        foreach (var l in File.ReadLines("/proc/cpuinfo"))
            if (l.StartsWith("cpu MHz") && double.TryParse(l[(l.IndexOf(':') + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture, out var mhz))
                return (long)(mhz * 1000);
        return 2_000_000;
    }

    /// <summary>NAME on PATH, else the first of the extra places that exists.</summary>
    public static string? FindProgram(string name, params string[] extra)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            var f = Path.Combine(dir.Length == 0 ? "." : dir, name);
            if (File.Exists(f)) return f;
        }
        foreach (var p in extra) if (File.Exists(p)) return p;
        return null;
    }

    public static string? Qemu() => FindProgram("qemu-system-x86_64");
    public static string? Virtiofsd() => FindProgram("virtiofsd", "/usr/lib/qemu/virtiofsd", "/usr/libexec/virtiofsd");

    public static bool IsRoot => geteuid() == 0;

    /// <summary>Caches (extracted vmlinux, initramfs): $SANDBOX_CACHE_DIR, else
    /// /var/cache/sandbox/microvm as root, else $XDG_CACHE_HOME/sandbox/microvm.</summary>
    public static string CacheDir()
    {
        var env = Environment.GetEnvironmentVariable("SANDBOX_CACHE_DIR");
        if (!string.IsNullOrEmpty(env)) return Path.Combine(env, "microvm");
        if (IsRoot) return "/var/cache/sandbox/microvm";
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        return Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg, "sandbox", "microvm");
    }

    /// <summary>Per-VM runtime directories (sockets, console log): $SANDBOX_RUN_DIR, else
    /// /run/sandbox/microvm as root, else $XDG_RUNTIME_DIR/sandbox/microvm or /tmp. Kept short:
    /// unix socket paths are limited to 107 bytes.</summary>
    public static string RunRoot()
    {
        var env = Environment.GetEnvironmentVariable("SANDBOX_RUN_DIR");
        if (!string.IsNullOrEmpty(env)) return env;
        if (IsRoot) return "/run/sandbox/microvm";
        var xdg = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        return string.IsNullOrEmpty(xdg) ? $"/tmp/sandbox-{geteuid()}/microvm" : Path.Combine(xdg, "sandbox", "microvm");
    }

    public static bool ProcessAlive(int pid) => pid > 0 && (kill(pid, 0) == 0 || Marshal.GetLastPInvokeError() == 1 /* EPERM */);

    /// <summary>The NativeAOT guest agent: $SANDBOX_MICROVM_AGENT, next to this assembly, or
    /// artifacts/microvm/agent/sandbox-agent in a checkout above it (the build puts it there).</summary>
    public static string? FindAgent()
    {
        var env = Environment.GetEnvironmentVariable("SANDBOX_MICROVM_AGENT");
        if (!string.IsNullOrEmpty(env)) return File.Exists(env) ? env : null;
        var baseDir = AppContext.BaseDirectory;
        var here = Path.Combine(baseDir, "sandbox-agent");
        if (File.Exists(here) && IsElf(here)) return here;
        for (var d = new DirectoryInfo(baseDir); d is not null; d = d.Parent)
        {
            var f = Path.Combine(d.FullName, "artifacts", "microvm", "agent", "sandbox-agent");
            if (File.Exists(f)) return f;
        }
        return null;
    }

    /// <summary>The direct-KVM VMM's own executable (src/MicroVm.Vmm), published next to a NativeAOT `sandbox`.</summary>
    public const string VmmExecutable = "sandbox-vmm";

    /// <summary>
    /// How to start the direct-KVM VMM as a process of its own, the whole command line before the
    /// VMM's options: `sandbox-vmm` next to the `sandbox` CLI this process is (a NativeAOT
    /// publish puts it there: its own small image, so less VMM overhead), else that CLI's
    /// `microvm vmm` (NativeAOT, or sandbox.dll under dotnet); SANDBOX_VMM names either
    /// executable. Null (also SANDBOX_VMM=in-process) runs the VMM in this process instead, as a
    /// host that is not the CLI (a test) does.
    /// </summary>
    public static string[]? FindVmm()
    {
        var env = Environment.GetEnvironmentVariable("SANDBOX_VMM");
        if (env == "in-process") return null;
        if (!string.IsNullOrEmpty(env)) return File.Exists(env) ? VmmCommand(env) : throw new FileNotFoundException($"SANDBOX_VMM={env} does not exist");
        var self = Environment.ProcessPath;
        if (self is null) return null;
        if (Path.GetFileName(self) == "sandbox")
        {
            var own = Path.Combine(Path.GetDirectoryName(self)!, VmmExecutable);
            return File.Exists(own) ? [own] : [self, "microvm", Kvm.VmmServer.Command];
        }
        var entry = System.Reflection.Assembly.GetEntryAssembly();
        string dll = entry is null ? "" : Path.Combine(AppContext.BaseDirectory, entry.GetName().Name + ".dll");
        if (entry?.GetName().Name == "sandbox" && File.Exists(dll)) return [self, dll, "microvm", Kvm.VmmServer.Command];
        return null;
    }

    /// <summary>The command line that starts the VMM from executable: `sandbox-vmm` itself, or a `sandbox` CLI's `microvm vmm`.</summary>
    public static string[] VmmCommand(string executable) =>
        Path.GetFileName(executable) == VmmExecutable ? [executable] : [executable, "microvm", Kvm.VmmServer.Command];

    static bool IsElf(string f)
    {
        using var s = File.OpenRead(f);
        Span<byte> b = stackalloc byte[4];
        return s.Read(b) == 4 && b[0] == 0x7f && b[1] == 'E';
    }
}
