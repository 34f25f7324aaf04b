using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Sandbox.Linux.Control;
using Sandbox.Linux.Native;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Cli.Pod;

/// <summary>
/// `sandbox pod serve`: one Sentry for a whole pod (Sentry.Kernel.Pod), confined as `sandbox
/// run` is, that runs what clients ask for over its control socket: one thread per
/// connection, one request at a time on each, every request answered ("ok", "error" or, for
/// wait, "exit"). A malformed message gets an error reply and ends that connection; the pod
/// goes on. What a connection created (containers) or started (execs) goes when it ends, so
/// a client that dies takes its container or command with it.
/// </summary>
internal sealed class PodServer
{
    private readonly Sandbox.Sentry.Kernel.Pod _pod;
    private readonly bool _confined;
    private readonly ConcurrentDictionary<(string Id, int Pid), TaskCompletionSource<PodExit>> _exits = new();
    private readonly ConcurrentDictionary<string, int> _initPids = new(StringComparer.Ordinal);
    private readonly ManualResetEventSlim _shutdown = new(false);
    /// <summary>Connections that asked for events: each gets every process exit from then on.</summary>
    private readonly List<BlockingCollection<List<string>>> _subscribers = new();

    private PodServer(Sandbox.Sentry.Kernel.Pod pod, bool confined) { _pod = pod; _confined = confined; }

    public static int Serve(string[] args)
    {
        string? control = null, hostname = null, debugLog = null, netns = null;
        string platformName = "auto";
        var network = Sentry.Net.Inet.NetworkMode.Sandbox;
        var ipc = Sentry.Kernel.Ipc.IpcMode.Sandbox;
        bool pause = false;
        var sysctls = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a != "--pause" && i + 1 >= args.Length) return Usage.Fail($"{a} needs a value");
            string Value() => args[++i];
            switch (a)
            {
                case "--control": control = Value(); break;
                case "--platform": platformName = Value(); break;
                case "--hostname": hostname = Value(); break;
                case "--debug-log": debugLog = Value(); break;
                // The pod's network namespace: the pod's stack takes over its interfaces (the pod IP).
                case "--netns": netns = Value(); if (!netns.Contains('/')) netns = "/var/run/netns/" + netns; break;
                case "--pause": pause = true; break;
                // Pod-wide, as the pod's kernel is: a container can only ask for the values the pod has.
                case "--sysctl":
                {
                    string v = Value();
                    int at = v.IndexOf('=');
                    if (at <= 0) return Usage.Fail($"--sysctl expects KEY=VALUE, got '{v}'");
                    string key = Sysctls.Normalize(v[..at]), value = v[(at + 1)..].Trim();
                    if (Sysctls.Check(key, value) is { } bad) return Fail($"--sysctl: {bad}");
                    sysctls[key] = value;
                    break;
                }
                case "--network":
                    network = Value() switch
                    {
                        "sandbox" => Sentry.Net.Inet.NetworkMode.Sandbox,
                        "none" => Sentry.Net.Inet.NetworkMode.None,
                        "host" => Sentry.Net.Inet.NetworkMode.Host,
                        _ => (Sentry.Net.Inet.NetworkMode)(-1),
                    };
                    if ((int)network == -1) return Usage.Fail("pod serve --network: sandbox, none or host");
                    break;
                case "--ipc":
                    switch (Value())
                    {
                        case "sandbox": ipc = Sentry.Kernel.Ipc.IpcMode.Sandbox; break;
                        case "host": ipc = Sentry.Kernel.Ipc.IpcMode.Host; break;
                        default: return Usage.Fail("pod serve --ipc: sandbox or host");
                    }
                    break;
                default: return Usage.Fail($"pod serve: unknown option '{a}'");
            }
        }
        if (control == null) return Usage.Fail("pod serve needs --control SOCKET");
        if (platformName is not ("auto" or "ptrace" or "kvm")) return Usage.Fail($"unknown platform '{platformName}'");
        bool jail = SentryJail.Possible(out string notConfined);
        if (jail && !SentryJail.InStageTwo) return Fail(SentryJail.ReexecAs(new[] { "pod", "serve" }, args));

        var platform = PlatformChoice.Create(platformName, out string error);
        if (platform == null) return Fail(error);
        TextWriter? debug = null;
        if (debugLog == "-") debug = Console.Error;
        else if (debugLog != null)
        {
            try { debug = new StreamWriter(debugLog, append: false) { AutoFlush = true }; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return Fail($"--debug-log {debugLog}: {e.Message}"); }
        }
        int listener, dirFd;
        string socketName;
        try
        {
            string full = Path.GetFullPath(control);
            listener = ControlConnection.Listen(full);
            socketName = Path.GetFileName(full);
            // The socket is removed at the end, from inside the jail, through its directory.
            dirFd = OpenPath(Path.GetDirectoryName(full)!);
        }
        catch (IOException e) { return Fail(e.Message); }

        var options = new KernelOptions { DebugLog = debug, Hostname = hostname, Network = network, Ipc = ipc, Sysctls = sysctls.Count > 0 ? sysctls : null };
        var pod = new Sandbox.Sentry.Kernel.Pod(platform, options);
        if (pause) pod.AddPauseProcess();
        if (netns != null)
        {
            if (network != Sentry.Net.Inet.NetworkMode.Sandbox) { pod.Dispose(); Unlink(dirFd, socketName); return Fail("--netns: only with --network sandbox"); }
            // Opened by path: before the Sentry confines itself.
            try { pod.Kernel.AttachNetworkNamespace(netns); }
            catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                pod.Dispose();
                Unlink(dirFd, socketName);
                return Fail($"--netns {netns}: {e.Message}");
            }
        }
        if (jail && SentryJail.Confine(platform) is { } why)
        {
            pod.Dispose();
            Unlink(dirFd, socketName);
            return Fail($"cannot confine the Sentry: {why}");
        }
        if (!jail) pod.Kernel.Debug($"the Sentry is not confined: {notConfined}");

        var server = new PodServer(pod, jail);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; server._shutdown.Set(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; server._shutdown.Set(); });
        var acceptor = new Thread(() => server.AcceptLoop(listener)) { IsBackground = true, Name = "pod control" };
        acceptor.Start();
        server._shutdown.Wait();
        Sys.Syscall(48 /* shutdown */, listener, 2 /* SHUT_RDWR */);
        Sys.Close(listener);
        pod.Dispose();
        Unlink(dirFd, socketName);
        debug?.Flush();
        return 0;
    }

    private void AcceptLoop(int listener)
    {
        while (!_shutdown.IsSet)
        {
            var conn = ControlConnection.Accept(listener);
            if (conn == null) { if (_shutdown.IsSet) return; Thread.Sleep(10); continue; }
            new Thread(() =>
            {
                try { Serve(conn); }
                catch (Exception e) when (e is not OutOfMemoryException) { _pod.Kernel.Debug($"pod control connection: {e}"); }
            }) { IsBackground = true, Name = "pod client" }.Start();
        }
    }

    /// <summary>What one connection created and started: cleaned up when it ends.</summary>
    private sealed class Owned
    {
        public readonly List<string> Containers = new();
        public readonly List<(string Id, int Pid)> Execs = new();
    }

    private void Serve(ControlConnection conn)
    {
        var owned = new Owned();
        var fds = new List<int>();
        try
        {
            while (true)
            {
                List<string>? msg;
                try { msg = conn.Receive(fds); }
                catch (ControlProtocolException e)
                {
                    try { conn.Send(new[] { "error", $"malformed message: {e.Message}" }); } catch (IOException) { }
                    break;
                }
                catch (IOException) { break; }
                if (msg == null) break;
                List<string>? reply;
                try { reply = Handle(conn, msg, fds, owned); }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // A request the pod cannot carry out (or a bug in carrying it out) fails that request, never the pod.
                    reply = new List<string> { "error", e.Message };
                }
                finally
                {
                    foreach (var fd in fds) Sys.Close(fd);
                    fds.Clear();
                }
                if (reply == null) break; // the client went away while waiting
                try { conn.Send(reply); } catch (IOException) { break; }
                if (msg[0] == "shutdown") { _shutdown.Set(); break; }
            }
        }
        finally
        {
            foreach (var fd in fds) Sys.Close(fd);
            foreach (var (id, pid) in owned.Execs)
                if (_exits.TryGetValue((id, pid), out var t) && !t.Task.IsCompleted) _pod.Signal(id, pid, 9);
            foreach (var id in owned.Containers) Destroy(id);
            conn.Dispose();
        }
    }

    private static List<string> Ok(params string[] rest) => new List<string> { "ok" }.Concat(rest).ToList();
    private static List<string> Error(string why) => new() { "error", why };

    private List<string>? Handle(ControlConnection conn, List<string> msg, List<int> fds, Owned owned)
    {
        string Arg(int i) => i < msg.Count ? msg[i] : throw new ArgumentException($"{msg[0]}: missing argument {i}");
        switch (msg[0])
        {
            case "version": return Ok(ControlFrame.Version.ToString());
            case "list": return Ok(_pod.Containers().Select(c => c.Id).ToArray());
            // The container's first process once started (0 before): a caller can tell "created" from "running".
            case "pid":
                if (_pod.Find(Arg(1)) == null) return Error($"no container {msg[1]}");
                return Ok(_initPids.TryGetValue(msg[1], out int initPid) ? initPid.ToString() : "0");
            case "create": return Create(Arg(1), msg.Skip(2).ToArray(), fds, owned);
            case "start": return Start(Arg(1), msg.Skip(2).ToArray(), fds, owned, init: true);
            case "exec": return Start(Arg(1), msg.Skip(2).ToArray(), fds, owned, init: false);
            case "wait":
            {
                string id = Arg(1);
                int pid = int.Parse(Arg(2));
                if (pid == 0 && !_initPids.TryGetValue(id, out pid)) return Error($"container {id} has not been started");
                if (!_exits.TryGetValue((id, pid), out var exit)) return Error($"no process {pid} in container {id}");
                while (!exit.Task.Wait(100))
                    if (PeerGone(conn.Fd)) return null;
                var e = exit.Task.Result;
                return new List<string> { "exit", e.Status.Code.ToString(), e.Status.Signal.ToString(), e.StartError?.Message ?? "" };
            }
            case "signal":
                return _pod.Signal(Arg(1), int.Parse(Arg(2)), ParseSignal(Arg(3))) ? Ok() : Error($"no such process in container {msg[1]}");
            case "resize":
                return _pod.Resize(int.Parse(Arg(2)), int.Parse(Arg(3)), int.Parse(Arg(4))) ? Ok() : Error("no terminal for that process");
            case "stats":
            {
                if (_pod.Find(Arg(1)) == null) return Error($"no container {msg[1]}");
                var (ticks, bytes) = _pod.Usage(msg[1]);
                return Ok(ticks.ToString(), bytes.ToString());
            }
            case "destroy":
                owned.Containers.Remove(Arg(1));
                return Destroy(msg[1]) ? Ok() : Error($"no container {msg[1]}");
            case "shutdown": return Ok();
            // Answered with the connection's fd, after which this control connection ends.
            case "portforward": PodPortForward.Handle(conn, _pod.Kernel, msg); return null;
            // From now on this connection only carries events: `exit ID PID CODE SIGNAL MESSAGE` for every process that ends.
            case "events":
            {
                var queue = new BlockingCollection<List<string>>(1024);
                lock (_subscribers) _subscribers.Add(queue);
                try
                {
                    conn.Send(Ok());
                    while (!_shutdown.IsSet)
                    {
                        if (queue.TryTake(out var ev, 200)) conn.Send(ev);
                        else if (PeerGone(conn.Fd)) break;
                    }
                }
                catch (IOException) { }
                finally { lock (_subscribers) _subscribers.Remove(queue); }
                return null;
            }
            default: return Error($"unknown request '{msg[0]}'");
        }
    }

    private static int ParseSignal(string s)
    {
        int sig = int.Parse(s);
        if (sig is < 1 or > 64) throw new ArgumentException($"signal {sig} is out of range");
        return sig;
    }

    private RunOptions Parse(string[] runArgs)
    {
        string? why = null;
        var o = RunOptions.Parse(runArgs, compare: false, report: w => why ??= w, hostPaths: false);
        return o ?? throw new ArgumentException(why ?? "bad arguments");
    }

    /// <summary>
    /// Sysctls are the pod's kernel's (`pod serve --sysctl`): a container may repeat the values
    /// the pod has, never change them for its neighbours.
    /// </summary>
    private string? SysctlMismatch(RunOptions o)
    {
        foreach (var (key, value) in o.Sysctls)
        {
            string want = string.Join('\t', value.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
            if (Sysctls.Value(_pod.Kernel.Options, key) != want)
                return $"--sysctl {key}: sysctls are the pod's (one kernel for all its containers): give them to `pod serve`";
        }
        return null;
    }

    private List<string> Create(string id, string[] runArgs, List<int> fds, Owned owned)
    {
        var o = Parse(runArgs);
        if (SysctlMismatch(o) is { } sysctl) return Error(sysctl);
        var resources = new List<IDisposable>();
        Filesystem image;
        var volumes = new List<(Filesystem, string, bool)>();
        var mounts = new List<ResolvedMount>();
        var binds = o.Mounts.Where(m => m.Type == "bind").ToList();
        int expected = o.Gofer ? 1 + o.Volumes.Count + binds.Count : 0;
        if (fds.Count != expected) return Error($"create: {expected} Gofer connections expected (the root, each --volume, each bind --mount), {fds.Count} came");
        if (!o.Gofer && _confined) return Error("create --no-gofer: this pod is confined and reads no host files");
        int next = 0;
        var taken = fds.ToArray();
        fds.Clear();
        Filesystem Served(string host, bool readOnly)
        {
            if (!o.Gofer) return new Sentry.Vfs.Host.HostFilesystem(host);
            var client = P9.P9Client.FromFd(taken[next++]);
            resources.Add(client);
            return new Sentry.Vfs.Gofer.GoferFilesystem(client, readOnly);
        }
        try
        {
            image = Served(o.Rootfs, readOnly: !o.RootfsWritable);
            foreach (var (host, guest, ro) in o.Volumes) volumes.Add((Served(host, ro), guest, ro));
            // A bind of a file: its client serves the file's directory; the file is found by name in it.
            foreach (var m in o.Mounts)
                mounts.Add(m.Type != "bind" ? new ResolvedMount(m, null, null)
                    : m.SourceIsFile ? new ResolvedMount(m, Served(Path.GetDirectoryName(m.Source!) ?? "/", m.ReadOnly), Path.GetFileName(m.Source!))
                    : new ResolvedMount(m, Served(m.Source!, m.ReadOnly), null));
        }
        catch
        {
            for (int i = next; i < taken.Length; i++) Sys.Close(taken[i]);
            foreach (var r in resources) r.Dispose();
            throw;
        }
        if (_pod.CreateContainer(id, image, o.RootfsWritable, o.ReadOnlyRootfs, volumes, resources,
            new ContainerMounts(mounts, o.ReadonlyPaths, o.MaskedPaths)) is { } why) return Error(why);
        owned.Containers.Add(id);
        return Ok();
    }

    private List<string> Start(string id, string[] runArgs, List<int> fds, Owned owned, bool init)
    {
        var o = Parse(runArgs);
        o.ClearEnv = true; // the client sends the whole environment
        ProcessSecurity? security = null;
        // Names are looked up in the image's /etc/passwd, which a confined pod does not see:
        // numeric ids and the built-in seccomp profiles work here.
        if (o.HasSecurityOptions && (security = SecurityOptions.Build(o, out string securityError)) == null) return Error(securityError);
        if (fds.Count != 3) return Error($"{(init ? "start" : "exec")}: stdin, stdout and stderr expected, {fds.Count} descriptors came");
        var stdio = fds.ToArray();
        fds.Clear();
        var spec = new PodProcessSpec(o.Command, o.BuildEnv(), o.Cwd ?? "/") { Terminal = o.Tty, Security = security };
        var exit = new TaskCompletionSource<PodExit>(TaskCreationOptions.RunContinuationsAsynchronously);
        int pid = _pod.Start(id, spec, stdio, init, e => exit.TrySetResult(e), out string? error);
        if (pid < 0) return Error(error ?? $"errno {-pid}");
        _exits[(id, pid)] = exit;
        exit.Task.ContinueWith(t => Publish(id, pid, t.Result), TaskScheduler.Default);
        if (init) _initPids[id] = pid;
        else owned.Execs.Add((id, pid));
        return Ok(pid.ToString());
    }

    private void Publish(string id, int pid, PodExit e)
    {
        var ev = new List<string> { "exit", id, pid.ToString(), e.Status.Code.ToString(), e.Status.Signal.ToString(), e.StartError?.Message ?? "" };
        lock (_subscribers)
            foreach (var q in _subscribers) q.TryAdd(ev); // a subscriber that does not read loses events, never blocks the pod
    }

    private bool Destroy(string id)
    {
        bool found = _pod.Destroy(id, TimeSpan.FromSeconds(5));
        foreach (var key in _exits.Keys.Where(k => k.Id == id).ToList()) _exits.TryRemove(key, out _);
        _initPids.TryRemove(id, out _);
        return found;
    }

    /// <summary>Whether the other end hung up (poll(2) POLLRDHUP / POLLHUP / POLLERR).</summary>
    private static unsafe bool PeerGone(int fd)
    {
        const short POLLHUP = 0x10, POLLERR = 0x8, POLLRDHUP = 0x2000;
        long pfd = 0;
        ((int*)&pfd)[0] = fd;
        ((short*)&pfd)[2] = POLLRDHUP;
        long n = Sys.Syscall(7 /* poll */, (long)&pfd, 1, 0);
        return n > 0 && (((short*)&pfd)[3] & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
    }

    private static int OpenPath(string dir)
    {
        const int O_PATH = 0x200000, O_DIRECTORY = 0x10000, O_CLOEXEC = 0x80000;
        var p = Sys.CString(dir);
        unsafe
        {
            fixed (byte* b = p)
            {
                long fd = Sys.Syscall(257 /* openat */, -100 /* AT_FDCWD */, (long)b, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0) throw new IOException($"open {dir}: {Linux.ErrnoText.Message((int)-fd)}");
                return (int)fd;
            }
        }
    }

    private static unsafe void Unlink(int dirFd, string name)
    {
        var p = Sys.CString(name);
        fixed (byte* b = p) Sys.Syscall(263 /* unlinkat */, dirFd, (long)b, 0);
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"sandbox: {message}");
        return Usage.SandboxError;
    }
}
