using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Linux.Native;
using Sandbox.Sentry.Loader;
using Sandbox.Sentry.Memory;
using Sandbox.Sentry.Platform;
using Sandbox.Sentry.Vfs;
using Sandbox.Sentry.Vfs.Host;
using Sandbox.Sentry.Vfs.Tty;

namespace Sandbox.Sentry.Kernel;

/// <summary>What to run and where.</summary>
public sealed class SandboxSpec
{
    public string Rootfs { get; set; } = "/";
    public required IReadOnlyList<string> Argv { get; init; }
    public required IReadOnlyList<string> Env { get; init; }
    public string Cwd { get; set; } = "/";
    /// <summary>
    /// How to start a Gofer (`sandbox gofer`): when set, the image is served by it over 9P and
    /// the Sentry opens none of its files itself; null: the Sentry reads the image directly.
    /// </summary>
    public IReadOnlyList<string>? GoferCommand { get; set; }
    /// <summary>Host directories shown inside (--volume): each served by a Gofer of its own (read-write ones only so).</summary>
    public IReadOnlyList<(string Host, string Guest, bool ReadOnly)> Volumes { get; set; } = Array.Empty<(string, string, bool)>();
    /// <summary>The root mount is read-only (no writes to the overlay: EROFS); /tmp, /dev and /proc stay as they are.</summary>
    public bool ReadOnlyRootfs { get; set; }
    /// <summary>Writes go to the rootfs itself (through the Gofer) instead of an in-memory upper layer.</summary>
    public bool RootfsWritable { get; set; }
    /// <summary>
    /// The program runs on a terminal of the sandbox's own (`run -t`): stdin, stdout and stderr
    /// are /dev/pts/0, its controlling terminal; the host's stdin and stdout are relayed to it.
    /// </summary>
    public bool Terminal { get; set; }
    /// <summary>The terminal's size at start (rows, columns).</summary>
    public (int Rows, int Cols) TerminalSize { get; set; } = (24, 80);
    /// <summary>The first process's identity, capabilities, no_new_privs and seccomp filter.</summary>
    public ProcessSecurity Security { get; set; } = new();
    /// <summary>--mount and --tmpfs, in order, after the volumes.</summary>
    public IReadOnlyList<SpecMount> Mounts { get; set; } = Array.Empty<SpecMount>();
    /// <summary>Paths hidden as runc hides them: /dev/null over a file, an empty read-only tmpfs over a directory (missing ones are skipped).</summary>
    public IReadOnlyList<string> MaskedPaths { get; set; } = Array.Empty<string>();
    /// <summary>Paths made read-only in place (missing ones are skipped).</summary>
    public IReadOnlyList<string> ReadonlyPaths { get; set; } = Array.Empty<string>();
}

/// <summary>A mount of the OCI spec's kind: a host file or directory (bind) or an empty tmpfs.</summary>
public sealed record SpecMount(string Type, string? Source, string Destination, bool ReadOnly)
{
    /// <summary>rprivate (default), rslave or rshared: whether the host's later mounts below a bind's source show inside.</summary>
    public string Propagation { get; init; } = "rprivate";
    /// <summary>The source is a file (a bind of one file), not a directory; decided where the host is seen.</summary>
    public bool SourceIsFile { get; init; }
}

/// <summary>The outcome of running a sandbox.</summary>
public sealed record SandboxResult(ExitStatus Status, ExecError? StartError);

/// <summary>Builds a kernel for a spec and runs it until its first process ends.</summary>
public sealed class Boot : IDisposable
{
    private readonly IPlatform _platform;
    private readonly SandboxSpec _spec;
    private Task? _init;
    private ExecError? _startError;
    private int _startCode;
    private P9.GoferProcess? _gofer;
    private readonly List<P9.GoferProcess> _volumeGofers = new();

    public Kernel Kernel { get; }

    public Boot(IPlatform platform, SandboxSpec spec, KernelOptions options)
    {
        _platform = platform;
        _spec = spec;
        // The image is never written: an in-memory upper layer takes the program's changes,
        // unless the rootfs is asked to be writable (then the Gofer writes it).
        Filesystem image;
        if (spec.GoferCommand != null)
        {
            _gofer = P9.GoferProcess.Start(spec.GoferCommand, spec.Rootfs, readOnly: !spec.RootfsWritable, extraArgs: new[] { "--donate-fds" });
            image = new Vfs.Gofer.GoferFilesystem(_gofer.Client, readOnly: !spec.RootfsWritable);
        }
        else if (spec.RootfsWritable) throw new IOException("--rootfs-writable: the rootfs is written through the Gofer (not with --no-gofer)");
        else image = new HostFilesystem(spec.Rootfs);
        var vfs = new VirtualFs(spec.RootfsWritable ? image : new Vfs.Overlay.OverlayFilesystem(image), readOnly: spec.ReadOnlyRootfs);
        Kernel = new Kernel(platform, vfs, options);
        var volumes = new List<(Filesystem, string, bool)>();
        foreach (var (host, guest, readOnly) in spec.Volumes)
            volumes.Add((HostFilesystemFor(host, readOnly, $"--volume {host}:{guest}"), guest, readOnly));
        SandboxMounts.Add(Kernel, vfs, vfs.Root, volumes);
        // --mount, --readonly-path, --masked-path: over everything else, as runc applies them.
        var mounts = new List<ResolvedMount>();
        foreach (var m in spec.Mounts)
        {
            string what = $"--mount {m.Type} {m.Destination}";
            if (m.Type == "tmpfs") mounts.Add(new ResolvedMount(m, null, null));
            else if (Directory.Exists(m.Source)) mounts.Add(new ResolvedMount(m, HostFilesystemFor(m.Source!, m.ReadOnly, what, m.Propagation != "rprivate"), null));
            else if (File.Exists(m.Source))
            {
                // A file: its directory is served, only the file is mounted.
                string dir = Path.GetDirectoryName(Path.GetFullPath(m.Source!)) ?? "/";
                mounts.Add(new ResolvedMount(m, HostFilesystemFor(dir, m.ReadOnly, what), Path.GetFileName(m.Source!)));
            }
            else throw new IOException($"{what}: {m.Source}: no such file or directory");
        }
        SandboxMounts.AddSpecMounts(vfs, vfs.Root, mounts, spec.ReadonlyPaths, spec.MaskedPaths);
        // The network namespace is opened by path: now, before the Sentry confines itself.
        if (options.NetworkNamespace is { } netns && options.Network == Net.Inet.NetworkMode.Sandbox)
        {
            try { Kernel.AttachNetworkNamespace(netns); }
            catch { Dispose(); throw; }
        }
    }

    /// <summary>A host directory as a filesystem: with a Gofer, one of its own confined to it.</summary>
    private Filesystem HostFilesystemFor(string host, bool readOnly, string what, bool slave = false)
    {
        if (_spec.GoferCommand != null)
        {
            var g = P9.GoferProcess.Start(_spec.GoferCommand, host, readOnly, extraArgs: GoferArguments(slave));
            _volumeGofers.Add(g);
            return new Vfs.Gofer.GoferFilesystem(g.Client, readOnly);
        }
        if (!readOnly) throw new IOException($"{what}: read-write host paths are served by a Gofer (not with --no-gofer)");
        return new HostFilesystem(host);
    }

    /// <summary>
    /// What a Gofer serving a bind's source is started with: a mount made rslave or rshared gets
    /// a Gofer whose mounts are the host's slaves, so what the host mounts below it later shows
    /// (runc's rslave); nothing the sandbox mounts ever reaches the host.
    /// </summary>
    public static string[] GoferArguments(bool slave) => slave ? new[] { "--donate-fds", "--propagation", "slave" } : new[] { "--donate-fds" };

    /// <summary>Sends a host signal to the application (Ctrl-C at the terminal, kill of the sandbox).</summary>
    public void ForwardSignal(int sig)
    {
        var g = Kernel.Init;
        if (g != null) Kernel.SendToGroup(g, new SignalInfo(sig, SignalInfo.SI_USER));
    }

    public SandboxResult Run()
    {
        var vfs = Kernel.Vfs;
        var root = vfs.Root;
        int r = vfs.Resolve(root, root, _spec.Cwd, true, out var cwd);
        if (r < 0 || !cwd.Inode.IsDirectory)
        {
            int e = r < 0 ? -r : (int)Errno.ENOTDIR;
            return new SandboxResult(new ExitStatus(126, 0), new ExecError(-e, $"working directory {_spec.Cwd}: {ErrnoText.Message(e)}"));
        }
        int tid = Kernel.AllocateTid();
        var group = new ThreadGroup(Kernel, tid);
        var fds = new FdTable();
        var task = new Task(Kernel, tid, group, new MemoryManager(Kernel.MemoryFile), fds, new FsContext(root, cwd), Credentials.FromHost());
        _spec.Security.Apply(task);
        HostTerminalRelay? relay = null;
        if (_spec.Terminal) relay = StartTerminal(group, fds);
        else
            for (int fd = 0; fd < 3; fd++) fds.InstallAt(fd, HostFileDescription.ForStdio(fd), false);
        _init = task;
        Kernel.Register(task);
        Kernel.Start(task, () => StartInit(task));
        var status = Kernel.WaitAll();
        relay?.Dispose();
        Kernel.Debug($"memory file: {Kernel.MemoryFile.InUse} bytes in use, {Kernel.MemoryFile.Resident()} resident after the last task");
        if (_startError != null) return new SandboxResult(new ExitStatus(_startCode, 0), _startError);
        return new SandboxResult(status, null);
    }

    private Pty? _terminal;

    /// <summary>
    /// A new terminal pair for the first process: the replica as its stdio and controlling
    /// terminal (it leads its own session), the master relayed to the host's stdin and stdout.
    /// </summary>
    private HostTerminalRelay StartTerminal(ThreadGroup group, FdTable fds)
    {
        _terminal = Kernel.OpenControllingTerminal(group, fds, Kernel.Vfs.Root, _spec.TerminalSize);
        return new HostTerminalRelay(_terminal);
    }

    /// <summary>The local terminal was resized (SIGWINCH): the program's terminal follows.</summary>
    public void SetTerminalSize(int rows, int cols) => _terminal?.SetWindowSize((ushort)rows, (ushort)cols);

    private bool StartInit(Task task)
    {
        if (FirstProgram.Exec(task, _spec.Argv, _spec.Env, out var err, out int code)) return true;
        _startError = err;
        _startCode = code;
        return false;
    }

    public void Dispose()
    {
        Kernel.Dispose();
        _gofer?.Dispose();
        foreach (var g in _volumeGofers) g.Dispose();
    }
}
