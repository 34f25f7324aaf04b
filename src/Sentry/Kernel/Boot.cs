using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Linux.Native;
using Sandbox.Sentry.Loader;
using Sandbox.Sentry.Memory;
using Sandbox.Sentry.Platform;
using Sandbox.Sentry.Vfs;
using Sandbox.Sentry.Vfs.Dev;
using Sandbox.Sentry.Vfs.Host;

namespace Sandbox.Sentry.Kernel;

/// <summary>What to run and where.</summary>
public sealed class SandboxSpec
{
    public string Rootfs { get; set; } = "/";
    public required IReadOnlyList<string> Argv { get; init; }
    public required IReadOnlyList<string> Env { get; init; }
    public string Cwd { get; set; } = "/";
}

/// <summary>The outcome of running a sandbox.</summary>
public sealed record SandboxResult(ExitStatus Status, ExecError? StartError);

/// <summary>Builds a kernel for a spec and runs its first task to completion.</summary>
public sealed class Boot : IDisposable
{
    private readonly IPlatform _platform;
    private readonly SandboxSpec _spec;
    private Task? _init;

    public Kernel Kernel { get; }

    public Boot(IPlatform platform, SandboxSpec spec, KernelOptions options)
    {
        _platform = platform;
        _spec = spec;
        var vfs = new VirtualFs(new HostFilesystem(spec.Rootfs), readOnly: true);
        int r = vfs.MountAt("/dev", new DevFilesystem(), readOnly: false);
        Kernel = new Kernel(platform, vfs, options);
        if (r < 0) Kernel.Debug($"no /dev in the rootfs ({ErrnoText.Name(-r)}): device files are unavailable");
        // The host's /proc and /sys describe the host (and the Sentry): never show them. The
        // sandbox's own procfs and sysfs come with the VFS issue; until then they are empty.
        foreach (var (dir, type) in new[] { ("/proc", "proc"), ("/sys", "sysfs") })
            if (vfs.MountAt(dir, new EmptyFilesystem(type), readOnly: true) < 0)
                Kernel.Debug($"no {dir} in the rootfs");
    }

    /// <summary>Sends a host signal to the application (Ctrl-C at the terminal, kill of the sandbox).</summary>
    public void ForwardSignal(int sig)
    {
        var ctx = _init?.Context;
        if (ctx != null) Sys.Syscall(Sys.SYS_kill, ctx.HostTid, sig);
    }

    public SandboxResult Run()
    {
        SandboxResult? result = null;
        var thread = new Thread(() => result = RunInit(), 16 << 20) { Name = "task 1", IsBackground = false };
        thread.Start();
        thread.Join();
        return result!;
    }

    private SandboxResult RunInit()
    {
        var vfs = Kernel.Vfs;
        var mm = new MemoryManager(Kernel.MemoryFile);
        var fds = new FdTable();
        var root = vfs.Root;
        int r = vfs.Resolve(root, root, _spec.Cwd, true, out var cwd);
        if (r < 0 || !cwd.Inode.IsDirectory)
            return new SandboxResult(new ExitStatus(126, 0), new ExecError(r < 0 ? r : -(int)Errno.ENOTDIR, $"working directory {_spec.Cwd}: {ErrnoText.Message(r < 0 ? -r : (int)Errno.ENOTDIR)}"));
        var task = new Task(Kernel, Kernel.AllocateTid(), mm, fds, root, cwd, Credentials.FromHost());
        for (int fd = 0; fd < 3; fd++) fds.InstallAt(fd, HostFileDescription.ForStdio(fd), false);

        string program = _spec.Argv[0];
        string? path = FindProgram(task, program);
        if (path == null)
            return new SandboxResult(new ExitStatus(127, 0), new ExecError(-(int)Errno.ENOENT, $"{program}: command not found"));

        IAddressSpace? space = null;
        try
        {
            space = _platform.NewAddressSpace(Kernel.MemoryFile);
            mm.Platform = space;
            task.Context = space.MainContext;
            _init = task;
            r = ElfLoader.Exec(task, path, _spec.Argv, _spec.Env, out var err);
            if (r < 0)
                return new SandboxResult(new ExitStatus(r == -(int)Errno.ENOENT ? 127 : 126, 0), err);
            Kernel.Debug($"task {task.Tid}: exec {path} entry=0x{task.Regs.Rip:x} sp=0x{task.Regs.Rsp:x} on {_platform.Name}");
            var status = task.Run();
            return new SandboxResult(status, null);
        }
        finally
        {
            fds.CloseAll();
            mm.Dispose(); // also ends the stub
        }
    }

    /// <summary>execvp's lookup: a name without a slash is searched in the sandbox's PATH.</summary>
    private string? FindProgram(Task task, string program)
    {
        if (program.Contains('/')) return program;
        string pathVar = _spec.Env.FirstOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..]
                         ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (var dir in pathVar.Split(':'))
        {
            string candidate = (dir.Length == 0 ? "." : dir) + "/" + program;
            if (Kernel.Vfs.Resolve(task.Root, task.Cwd, candidate, true, out var loc) == 0 && FileMode.IsReg(loc.Inode.Mode))
                return candidate;
        }
        return null;
    }

    public void Dispose() => Kernel.Dispose();
}
