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

/// <summary>A process to start in a pod's container (its first, or an exec).</summary>
public sealed record PodProcessSpec(IReadOnlyList<string> Argv, IReadOnlyList<string> Env, string Cwd)
{
    /// <summary>The process gets a terminal of the sandbox's own, relayed to the stdin and stdout it was given.</summary>
    public bool Terminal { get; init; }
    public (int Rows, int Cols) TerminalSize { get; init; } = (24, 80);
    /// <summary>Identity, capabilities, no_new_privs and seccomp of the process (run's --user, --cap-*, ...).</summary>
    public ProcessSecurity? Security { get; init; }
}

/// <summary>A container's --mount/--tmpfs mounts, read-only and masked paths, applied over its volumes.</summary>
public sealed record ContainerMounts(IReadOnlyList<ResolvedMount> Mounts, IReadOnlyList<string> ReadonlyPaths, IReadOnlyList<string> MaskedPaths);

/// <summary>How a pod process ended: its status, or why it never ran (then Status is 127/126).</summary>
public readonly record struct PodExit(ExitStatus Status, ExecError? StartError);

/// <summary>
/// One Sentry for a whole pod, as gVisor's sandbox with several containers: one kernel (one
/// PID space, one netstack: the containers share loopback) that starts with no application,
/// and containers added and removed while it runs. The kernel's mount tree has an empty
/// in-memory root that no process ever sees; each container's image is mounted on a
/// directory of it named after the container, with the sandbox's own /proc, /dev, /tmp and
/// the volumes below, and that mount's root is the root of every process in the container
/// (as chroot(2): ".." stops there, absolute paths start there).
/// </summary>
public sealed class Pod : IDisposable
{
    private readonly Dictionary<string, Container> _containers = new(StringComparer.Ordinal);
    private readonly Dictionary<int, HostTerminalRelay> _relays = new();

    public Kernel Kernel { get; }

    public Pod(IPlatform platform, KernelOptions options)
    {
        options.Pod = true;
        var vfs = new VirtualFs(new Vfs.Tmp.TmpFilesystem(0x1c0 /* 0700 */), readOnly: false);
        Kernel = new Kernel(platform, vfs, options);
    }

    /// <summary>
    /// Gives the pod a PID 1 of its own, as Kubernetes' pause container is in a pod that shares
    /// one PID namespace: a process that never runs (no program, an empty command line,
    /// `[pause]` in ps) and that signals do not reach, so no container's program is PID 1.
    /// Call before any container starts.
    /// </summary>
    public void AddPauseProcess()
    {
        var vfs = Kernel.Vfs;
        var top = vfs.Root;
        var empty = new Vfs.Tmp.TmpFilesystem(0x16d /* 0555 */);
        if (top.Inode.Create(".pause", FileMode.S_IFDIR | 0x16d, 0, 0, null, out _) < 0
            || vfs.Resolve(top, top, ".pause", true, out var at) < 0 || vfs.MountAt(at, empty, readOnly: true, "/") < 0
            || vfs.Resolve(top, top, ".pause", true, out var root) < 0)
            throw new IOException("the pause process's root could not be made");
        int tid = Kernel.AllocateTid();
        var group = new ThreadGroup(Kernel, tid) { Pause = true, ExecPath = "/pause" };
        var task = new Task(Kernel, tid, group, new MemoryManager(Kernel.MemoryFile), new FdTable(), new FsContext(root, root), Credentials.FromHost())
        { Comm = "pause" };
        Kernel.Register(task);
    }

    /// <summary>Ids are names in the pod's tree: no slashes, no dot names, not too long.</summary>
    public static bool ValidId(string id) => id.Length is > 0 and <= 128 && id != "." && id != ".." && !id.Contains('/') && !id.Contains('\0');

    public Container? Find(string id) { lock (_containers) return _containers.GetValueOrDefault(id); }

    public IReadOnlyList<Container> Containers() { lock (_containers) return _containers.Values.ToList(); }

    /// <summary>
    /// Adds a container whose root is <paramref name="image"/> (under an in-memory upper layer
    /// unless <paramref name="writable"/>). <paramref name="resources"/> (its Gofers) are the
    /// container's from now on, also when this fails. Null, or why not.
    /// </summary>
    public string? CreateContainer(string id, Filesystem image, bool writable, bool readOnly,
        IReadOnlyList<(Filesystem Fs, string Guest, bool ReadOnly)> volumes, IReadOnlyList<IDisposable> resources,
        ContainerMounts? mounts = null)
    {
        string? Fail(string why) { foreach (var r in resources) r.Dispose(); return why; }
        if (!ValidId(id)) return Fail($"invalid container id '{id}'");
        var vfs = Kernel.Vfs;
        lock (_containers)
        {
            if (_containers.ContainsKey(id)) return Fail($"container {id} already exists");
            var top = vfs.Root;
            int r = vfs.Resolve(top, top, id, true, out var at);
            if (r == -(int)Errno.ENOENT)
            {
                r = top.Inode.Create(id, FileMode.S_IFDIR | 0x1c0, 0, 0, null, out _);
                if (r == 0) r = vfs.Resolve(top, top, id, true, out at);
            }
            if (r < 0) return Fail($"container {id}: {ErrnoText.Message(-r)}");
            r = vfs.MountAt(at, writable ? image : new Vfs.Overlay.OverlayFilesystem(image), readOnly, "/");
            if (r < 0) return Fail($"container {id}: {ErrnoText.Message(-r)}");
            vfs.Resolve(top, top, id, true, out var root);
            var c = new Container(id, root);
            c.Resources.AddRange(resources);
            try
            {
                SandboxMounts.Add(Kernel, vfs, root, volumes);
                if (mounts != null) SandboxMounts.AddSpecMounts(vfs, root, mounts.Mounts, mounts.ReadonlyPaths, mounts.MaskedPaths);
            }
            // A Gofer that went away while its mount was made fails the create, not the pod.
            catch (Exception e) when (e is IOException or P9.P9ConnectionException or P9.P9FormatException)
            {
                vfs.Unmount(root);
                return Fail(e.Message);
            }
            _containers[id] = c;
        }
        return null;
    }

    /// <summary>
    /// Starts a process in container <paramref name="id"/> on the host fds <paramref name="stdio"/>
    /// (stdin, stdout, stderr; the pod owns them from now on). <paramref name="init"/>: the
    /// container's first process, whose end ends the container's other processes.
    /// <paramref name="onExit"/> hears how it ended; it runs under the kernel lock and must not block.
    /// Returns the pid, or -errno with <paramref name="error"/>.
    /// </summary>
    public int Start(string id, PodProcessSpec spec, IReadOnlyList<int> stdio, bool init, Action<PodExit> onExit, out string? error)
    {
        var (pid, why) = StartCore(id, spec, stdio, init, onExit);
        error = why;
        return pid;
    }

    private (int, string?) StartCore(string id, PodProcessSpec spec, IReadOnlyList<int> stdio, bool init, Action<PodExit> onExit)
    {
        var c = Find(id);
        (int, string?) Fail(int e, string why) { foreach (var fd in stdio) Sys.Close(fd); return (-e, why); }
        if (c == null) return Fail((int)Errno.ENOENT, $"no container {id}");
        if (spec.Argv.Count == 0) return Fail((int)Errno.EINVAL, "no program given");
        if (stdio.Count != 3) return Fail((int)Errno.EINVAL, "stdin, stdout and stderr are needed");
        lock (Kernel.Lock)
            if (init && c.Init != null) return Fail((int)Errno.EBUSY, $"container {id} was started already");
        var vfs = Kernel.Vfs;
        int r = vfs.Resolve(c.Root, c.Root, spec.Cwd, true, out var cwd);
        if (r < 0 || !cwd.Inode.IsDirectory)
        {
            int e = r < 0 ? -r : (int)Errno.ENOTDIR;
            return Fail(e, $"working directory {spec.Cwd}: {ErrnoText.Message(e)}");
        }
        int tid = Kernel.AllocateTid();
        if (tid < 0) return Fail(-tid, "no free process id");
        var group = new ThreadGroup(Kernel, tid) { Container = c };
        var fds = new FdTable();
        var task = new Task(Kernel, tid, group, new MemoryManager(Kernel.MemoryFile), fds, new FsContext(c.Root, cwd), Credentials.FromHost());
        spec.Security?.Apply(task);
        if (spec.Terminal) StartTerminal(c, group, fds, spec, stdio);
        else
            for (int fd = 0; fd < 3; fd++) fds.InstallAt(fd, HostFileDescription.Wrap(stdio[fd], owned: true), false);
        ExecError? startError = null;
        int startCode = 0;
        group.OnExit = status =>
        {
            onExit(new PodExit(startError != null ? new ExitStatus(startCode, 0) : status, startError));
            HostTerminalRelay? relay;
            lock (_relays) _relays.Remove(tid, out relay);
            if (relay != null) ThreadPool.QueueUserWorkItem(_ => { relay.Dispose(); Sys.Close(stdio[0]); Sys.Close(stdio[1]); Sys.Close(stdio[2]); });
        };
        lock (Kernel.Lock)
        {
            if (init)
            {
                if (c.Init != null) { fds.Release(); return Fail((int)Errno.EBUSY, $"container {id} was started already"); }
                c.Init = group;
            }
        }
        Kernel.Register(task);
        Kernel.Start(task, () =>
        {
            if (FirstProgram.Exec(task, spec.Argv, spec.Env, out var err, out int code)) return true;
            startError = err;
            startCode = code;
            return false;
        });
        return (tid, null);
    }

    /// <summary>A terminal pair for the process (it leads its own session): the replica as its stdio, the master relayed to the fds it was given.</summary>
    private void StartTerminal(Container c, ThreadGroup group, FdTable fds, PodProcessSpec spec, IReadOnlyList<int> stdio)
    {
        var pty = Kernel.OpenControllingTerminal(group, fds, c.Root, spec.TerminalSize);
        lock (_relays) _relays[group.Tgid] = new HostTerminalRelay(pty, stdio[0], stdio[1]);
    }

    /// <summary>The terminal of process <paramref name="pid"/> was resized.</summary>
    public bool Resize(int pid, int rows, int cols)
    {
        HostTerminalRelay? relay;
        lock (_relays) relay = _relays.GetValueOrDefault(pid);
        var g = Kernel.FindGroup(pid);
        if (relay == null || g?.Tty == null) return false;
        g.Tty.SetWindowSize((ushort)rows, (ushort)cols);
        return true;
    }

    /// <summary>Sends <paramref name="sig"/> to process <paramref name="pid"/> of the container (0: its first process). False if there is none.</summary>
    public bool Signal(string id, int pid, int sig)
    {
        var c = Find(id);
        if (c == null) return false;
        ThreadGroup? g;
        lock (Kernel.Lock) g = pid == 0 ? c.Init : Kernel.FindGroup(pid);
        if (g == null || g.Container != c || g.Zombie) return false;
        Kernel.SendToGroup(g, new SignalInfo(sig, SignalInfo.SI_USER));
        return true;
    }

    /// <summary>CPU time (clock ticks) and resident bytes of the container's processes.</summary>
    public (long Ticks, ulong Bytes) Usage(string id)
    {
        var c = Find(id);
        if (c == null) return (0, 0);
        long ticks = 0;
        ulong bytes = 0;
        foreach (var g in Kernel.Groups())
        {
            if (g.Container != c || g.Zombie) continue;
            var leader = g.Leader;
            if (leader == null) continue;
            var (u, s) = Kernel.ProcessCpuTicks(g, leader.MM.Platform);
            ticks += u + s;
            foreach (var v in leader.MM.Vmas) bytes += leader.MM.File.PopulatedBytes(v.FileOffset, v.Length);
        }
        return (ticks, bytes);
    }

    /// <summary>Kills the container's processes, waits (up to <paramref name="timeout"/>) for them to go, unmounts its root and closes its Gofers.</summary>
    public bool Destroy(string id, TimeSpan timeout)
    {
        Container? c;
        lock (_containers) _containers.Remove(id, out c);
        if (c == null) return false;
        Kernel.KillContainer(c);
        var deadline = DateTime.UtcNow + timeout;
        while (Kernel.ContainerHasProcesses(c) && DateTime.UtcNow < deadline) Thread.Sleep(10);
        Kernel.Vfs.Unmount(c.Root);
        foreach (var r in c.Resources)
            try { r.Dispose(); }
            catch (Exception e) when (e is IOException or InvalidOperationException) { Kernel.Debug($"container {id}: {e.Message}"); }
        return true;
    }

    public void Dispose()
    {
        foreach (var c in Containers()) Destroy(c.Id, TimeSpan.FromSeconds(2));
        Kernel.Dispose();
    }
}
