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
        {
            // With a Gofer, each volume has one of its own, confined to that directory.
            Filesystem fs;
            if (spec.GoferCommand != null)
            {
                var g = P9.GoferProcess.Start(spec.GoferCommand, host, readOnly, extraArgs: new[] { "--donate-fds" });
                _volumeGofers.Add(g);
                fs = new Vfs.Gofer.GoferFilesystem(g.Client, readOnly);
            }
            else if (!readOnly) throw new IOException($"--volume {host}:{guest}: read-write volumes are served by a Gofer (not with --no-gofer)");
            else fs = new HostFilesystem(host);
            volumes.Add((fs, guest, readOnly));
        }
        SandboxMounts.Add(Kernel, vfs, vfs.Root, volumes);
    }

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
        var pts = Kernel.DevPts;
        var pty = pts.Allocate(Credentials.FromHost());
        pty.OpenMaster();
        pty.Locked = false;
        pty.OpenReplica(Credentials.FromHost());
        pty.SetWindowSize((ushort)_spec.TerminalSize.Rows, (ushort)_spec.TerminalSize.Cols);
        var replica = new ReplicaFile(pty) { Flags = OpenFlags.O_RDWR };
        var vfs = Kernel.Vfs;
        if (vfs.Resolve(vfs.Root, vfs.Root, $"/dev/pts/{pty.Index}", true, out var loc) == 0 && loc.Inode == pty.Inode)
            replica.Location = loc;
        fds.InstallAt(0, replica, false);
        replica.IncRef();
        fds.InstallAt(1, replica, false);
        replica.IncRef();
        fds.InstallAt(2, replica, false);
        lock (Kernel.Lock) TtyIoctl.Attach(group, pty);
        _terminal = pty;
        return new HostTerminalRelay(pty);
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
