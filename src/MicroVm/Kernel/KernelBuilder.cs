using System.Diagnostics;

namespace Sandbox.MicroVm.Kernel;

/// <summary>`sandbox microvm kernel --build`: a trimmed guest kernel from Debian's linux-source
/// tarball with the configuration kept in the repository (microvm-kernel.config, embedded):
/// allnoconfig plus exactly those symbols, everything built in, no modules. The result is a
/// vmlinux (booted through PVH) and its config, in the cache, usable with --kernel.</summary>
public static class KernelBuilder
{
    public const string Packages = "linux-source flex bison bc libelf-dev libssl-dev make gcc";

    /// <summary>The configuration fragment (KCONFIG_ALLCONFIG) from the assembly.</summary>
    public static string Fragment()
    {
        using var s = typeof(KernelBuilder).Assembly.GetManifestResourceStream("microvm-kernel.config")
            ?? throw new InvalidOperationException("microvm-kernel.config is not embedded");
        return new StreamReader(s).ReadToEnd();
    }

    /// <summary>The symbols the fragment sets to y.</summary>
    public static IReadOnlyList<string> RequiredSymbols(string fragment) =>
        fragment.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("CONFIG_") && l.EndsWith("=y")).Select(l => l[..^2]).ToList();

    /// <summary>The newest /usr/src/linux-source-*.tar.xz, or null.</summary>
    public static string? FindSource(string dir = "/usr/src") =>
        Directory.Exists(dir) ? Directory.GetFiles(dir, "linux-source-*.tar.*").OrderByDescending(f => f, StringComparer.Ordinal).FirstOrDefault() : null;

    /// <summary>The newest kernel built by Build in cacheDir, or null.</summary>
    public static string? FindBuilt(string cacheDir)
    {
        var dir = Path.Combine(cacheDir, "kernel");
        return Directory.Exists(dir) ? Directory.GetFiles(dir, "vmlinux-*").Where(f => !f.EndsWith(".tmp")).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault() : null;
    }

    /// <summary>The symbols the embedded fragment turns on that a built kernel's config (config-RELEASE
    /// next to its vmlinux) lacks: non-empty when it was built from an older fragment and needs
    /// `kernel --build` again. Null when there is no config to compare with.</summary>
    public static IReadOnlyList<string>? OutdatedSymbols(string vmlinux)
    {
        var name = Path.GetFileName(vmlinux);
        if (!name.StartsWith("vmlinux-")) return null;
        var cfg = Path.Combine(Path.GetDirectoryName(vmlinux) ?? ".", "config-" + name["vmlinux-".Length..]);
        if (!File.Exists(cfg)) return null;
        var config = GuestKernel.ParseConfig(File.ReadLines(cfg));
        return RequiredSymbols(Fragment()).Where(s => config.GetValueOrDefault(s) != "y").ToList();
    }

    /// <summary>What is missing to build, or null.</summary>
    public static string? Missing()
    {
        if (FindSource() is null) return $"no /usr/src/linux-source-*.tar.xz (apt-get install {Packages})";
        foreach (var tool in new[] { "make", "gcc", "flex", "bison", "bc", "tar" })
            if (Vm.HostSystem.FindProgram(tool) is null) return $"{tool} is not installed (apt-get install {Packages})";
        if (!File.Exists("/usr/include/gelf.h")) return $"libelf-dev is not installed (objtool needs it; apt-get install {Packages})";
        return null;
    }

    /// <summary>Builds (output streamed to log) and returns the vmlinux path: CACHE/kernel/vmlinux-RELEASE
    /// with config-RELEASE next to it.</summary>
    public static string Build(string cacheDir, TextWriter log, int jobs = 0)
    {
        if (Missing() is { } why) throw new InvalidOperationException(why);
        var tarball = FindSource()!;
        var work = Path.Combine(cacheDir, "kernel-build");
        var name = Path.GetFileName(tarball).Split(".tar")[0];
        var src = Path.Combine(work, name);
        Directory.CreateDirectory(work);
        var sw = Stopwatch.StartNew();
        if (!File.Exists(Path.Combine(src, ".sandbox-extracted")))
        {
            log.WriteLine($"extracting {tarball} into {work}");
            Run("tar", ["-xf", tarball, "-C", work], work, log);
            File.WriteAllText(Path.Combine(src, ".sandbox-extracted"), "");
        }
        var fragment = Fragment();
        var fragPath = Path.Combine(work, "microvm-kernel.config");
        File.WriteAllText(fragPath, fragment);
        Run("make", ["allnoconfig", $"KCONFIG_ALLCONFIG={fragPath}"], src, log);
        var config = GuestKernel.ParseConfig(File.ReadLines(Path.Combine(src, ".config")));
        var lost = RequiredSymbols(fragment).Where(s => config.GetValueOrDefault(s) != "y").ToList();
        if (lost.Count > 0)
            throw new InvalidOperationException($"the configuration lost {string.Join(", ", lost)} (unmet dependencies in {name}); fix microvm-kernel.config");
        log.WriteLine($"configured in {sw.Elapsed.TotalSeconds:0} s; building vmlinux");
        Run("make", [$"-j{(jobs > 0 ? jobs : Environment.ProcessorCount)}", "vmlinux"], src, log);
        var release = Capture("make", ["-s", "kernelrelease"], src).Trim();
        var outDir = Path.Combine(cacheDir, "kernel");
        Directory.CreateDirectory(outDir);
        var vmlinux = Path.Combine(outDir, $"vmlinux-{release}");
        File.Copy(Path.Combine(src, "vmlinux"), vmlinux + ".tmp", overwrite: true);
        File.Move(vmlinux + ".tmp", vmlinux, overwrite: true);
        File.Copy(Path.Combine(src, ".config"), Path.Combine(outDir, $"config-{release}"), overwrite: true);
        log.WriteLine($"built {release} in {sw.Elapsed.TotalMinutes:0.0} min: {vmlinux} ({new FileInfo(vmlinux).Length >> 20} MiB)");
        return vmlinux;
    }

    static void Run(string program, string[] args, string cwd, TextWriter log)
    {
        var psi = new ProcessStartInfo(program) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed with status {p.ExitCode}");
    }

    static string Capture(string program, string[] args, string cwd)
    {
        var psi = new ProcessStartInfo(program) { WorkingDirectory = cwd, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var s = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return s;
    }
}
