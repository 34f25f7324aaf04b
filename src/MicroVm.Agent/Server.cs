using System.Collections.Concurrent;
using System.Text;
using Sandbox.MicroVm.Protocol;

namespace Sandbox.MicroVm.Agent;

/// <summary>Serves the protocol on the virtio-serial port. One reader thread decodes requests;
/// quick ones are answered inline, Exec and CreateContainer (which start helper processes) on
/// the thread pool. Bad frames get Error replies; the server never exits on input.</summary>
internal sealed unsafe class Server
{
    readonly string _portPath;
    int _fd = -1;
    readonly object _writeLock = new();
    readonly object _lock = new();
    readonly Dictionary<string, Container> _containers = new();
    readonly Dictionary<string, ExecState> _execs = new();
    readonly Reaper _reaper = new();
    volatile bool _shutdown;

    public Server(string portPath) => _portPath = portPath;

    /// <summary>InitPid is __cinit, the holder of the container's namespaces and root (Dead once
    /// it was reaped). In PidMode.Container, Pid1 is the program of the first exec, PID 1 of the
    /// container's PID namespace (0 until it runs); Pid1Ended once it exited.</summary>
    sealed class Container(string id, string rootfs, int initPid, ProcessSecurity security, PidMode pidMode, string[] procPaths)
    {
        public string Id = id, Rootfs = rootfs;
        public int InitPid = initPid;
        public readonly ProcessSecurity Security = security;
        public readonly PidMode PidMode = pidMode;
        public readonly string[] ProcPaths = procPaths; // __pid1's options: the masked and read-only paths under /proc
        public int Pid1;
        public bool Pid1Starting, Pid1Ended;
        public volatile bool Dead;
    }

    // PID 1 of the PID namespace the PidMode.Pod containers share (__pause), 0 while there is none
    int _podPidNs;
    volatile bool _podPidNsDead;
    readonly object _podPidNsLock = new();

    sealed class ExecState(string id, Container c)
    {
        public readonly string Id = id;
        public readonly Container Container = c;
        public int Pid, HelperPid, StdinFd = -1;
        public bool Tty;            // StdinFd is then the terminal's master side, also read for output
        public bool StartsPid1;     // the first process of a PidMode.Container container: its PID 1
        public int OpenStreams = 3; // stdout, stderr, helper exit (tty: the master, helper exit)
        public int? RawStatus, HelperStatus;
        public bool Done;
        public readonly List<uint> Waiters = new();
        public readonly BlockingCollection<byte[]> StdinQueue = new();
    }

    public void Run()
    {
        _fd = Native.open(_portPath, Native.O_RDWR | Native.O_CLOEXEC | Native.O_NOCTTY, 0);
        if (_fd < 0) throw new IOException($"open {_portPath}: {Native.ErrText(Native.Errno)}");
        // A console (hvc0) is a terminal: raw, or its line discipline would rewrite the frames.
        if (Native.isatty(_fd) == 1)
        {
            byte* t = stackalloc byte[128];
            if (Native.tcgetattr(_fd, t) == 0) { Native.cfmakeraw(t); Native.tcsetattr(_fd, 0, t); }
        }
        _reaper.Start();
        Send(0, new Ready(Codec.Version, Agent.KernelRelease(), Agent.UptimeMs()));
        var stream = new FdStream(_fd);
        while (!_shutdown)
        {
            (Message? Msg, uint Id, ProtocolException? Bad)? f;
            try { f = Codec.ReadFrame(stream); }
            catch (ProtocolException e)
            {
                // A bad length: the stream is out of sync. Say so and drop what is buffered.
                Send(0, new Error(Native.EPROTO, e.Message));
                continue;
            }
            catch (EndOfStreamException) { continue; }
            if (f is null) { Thread.Sleep(50); continue; } // host not connected (read gives 0)
            var (msg, id, bad) = f.Value;
            if (bad is not null) { Send(id, new Error(Native.EPROTO, bad.Message)); continue; }
            try { Handle(id, msg!); }
            catch (Exception e) { Send(id, new Error(Native.EINVAL, e.Message)); }
        }
    }

    public void Send(uint id, Message m)
    {
        byte[] frame;
        try { frame = Codec.Encode(id, m); }
        catch (ProtocolException e) { frame = Codec.Encode(id, new Error(Native.EINVAL, e.Message)); }
        lock (_writeLock)
        {
            try { Native.WriteAll(_fd, frame); }
            catch (IOException e) { Agent.Log($"send {m.Kind}: {e.Message}"); }
        }
    }

    void Handle(uint id, Message m)
    {
        switch (m)
        {
            case Hello h:
                Send(id, h.Version == Codec.Version
                    ? new HelloReply(Codec.Version, Agent.KernelRelease(), "sandbox-agent")
                    : new Error(Native.EPROTO, $"protocol version {h.Version} not supported (agent speaks {Codec.Version})"));
                break;
            case CreateContainer c: ThreadPool.QueueUserWorkItem(_ => Reply(id, () => Create(c))); break;
            case Exec e: ThreadPool.QueueUserWorkItem(_ => Reply(id, () => StartExec(e))); break;
            case Stdin s:
                {
                    var x = FindExec(s.ExecId);
                    if (x is null) { Send(id, new Error(Native.ENOENT, $"no exec {s.ExecId}")); break; }
                    if (!x.StdinQueue.IsAddingCompleted)
                    {
                        if (s.Data.Length == 0) x.StdinQueue.CompleteAdding();
                        else x.StdinQueue.Add(s.Data);
                    }
                    if (id != 0) Send(id, new Ok());
                    break;
                }
            case Signal s:
                {
                    var x = FindExec(s.ExecId);
                    if (x is null) { Send(id, new Error(Native.ENOENT, $"no exec {s.ExecId}")); break; }
                    if (s.Signo is < 1 or > 64) { Send(id, new Error(Native.EINVAL, $"bad signal {s.Signo}")); break; }
                    bool done;
                    lock (_lock) done = x.Done || x.RawStatus is not null;
                    if (!done && Native.kill(x.Pid, s.Signo) != 0 && Native.Errno != Native.ESRCH)
                        Send(id, new Error(Native.Errno, $"kill: {Native.ErrText(Native.Errno)}"));
                    else Send(id, new Ok());
                    break;
                }
            case ResizeTty rt:
                {
                    var x = FindExec(rt.ExecId);
                    if (x is null) { Send(id, new Error(Native.ENOENT, $"no exec {rt.ExecId}")); break; }
                    if (!x.Tty) { Send(id, new Error(Native.EINVAL, $"exec {rt.ExecId} has no terminal")); break; }
                    bool done;
                    lock (_lock) done = x.Done;
                    if (!done && Native.SetWinSize(x.StdinFd, rt.Rows, rt.Cols) != 0)
                        Send(id, new Error(Native.Errno, $"TIOCSWINSZ: {Native.ErrText(Native.Errno)}"));
                    else Send(id, new Ok());
                    break;
                }
            case Wait w:
                {
                    var x = FindExec(w.ExecId);
                    if (x is null) { Send(id, new Error(Native.ENOENT, $"no exec {w.ExecId}")); break; }
                    lock (_lock)
                    {
                        if (!x.Done) { x.Waiters.Add(id); break; }
                    }
                    var (code, sig) = ExitOf(x);
                    Send(id, new WaitResult(code, sig));
                    break;
                }
            case Stats: Send(id, GetStats()); break;
            case DestroyContainer d:
                {
                    Container? c;
                    lock (_lock) _containers.Remove(d.ContainerId, out c);
                    if (c is null) { Send(id, new Error(Native.ENOENT, $"no container {d.ContainerId}")); break; }
                    ThreadPool.QueueUserWorkItem(_ => Reply(id, () => { Kill(c); return new Ok(); }));
                    break;
                }
            case Shutdown:
                Send(id, new Ok());
                _shutdown = true;
                List<Container> all;
                lock (_lock) all = [.. _containers.Values];
                foreach (var c in all) Kill(c);
                Thread.Sleep(20);
                break;
            default:
                Send(id, new Error(Native.EINVAL, $"{m.Kind} is not a request"));
                break;
        }
    }

    void Reply(uint id, Func<Message> f)
    {
        Message r;
        try { r = f(); }
        catch (AgentException e) { r = new Error(e.Errno, e.Message); }
        catch (Exception e) { r = new Error(Native.EINVAL, e.Message); }
        Send(id, r);
    }

    ExecState? FindExec(string id) { lock (_lock) return _execs.GetValueOrDefault(id); }

    /// <summary>SIGKILL to every process of the container. Its PID 1 first, when it has its own
    /// PID namespace (the kernel then kills the rest of it); in the pod's or the VM's namespace
    /// its processes are those in its mount namespace, killed until none is left; the holder last.</summary>
    void Kill(Container c)
    {
        lock (_lock)
            if (c.Pid1 > 0 && !c.Pid1Ended) Native.kill(c.Pid1, Native.SIGKILL);
        if (c.Dead) return;
        string? mnt = NamespaceOf(c.InitPid, "mnt");
        for (int round = 0; mnt != null && round < 200; round++)
        {
            bool found = false;
            foreach (var d in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(d), out int pid) || pid == c.InitPid || pid == 1) continue;
                if (NamespaceOf(pid, "mnt") != mnt) continue;
                Native.kill(pid, Native.SIGKILL);
                found = true;
            }
            if (!found) break;
            Thread.Sleep(5); // a killed process keeps its namespaces until it has exited
        }
        if (!c.Dead) Native.kill(c.InitPid, Native.SIGKILL);
    }

    /// <summary>The identity of a process's namespace ("mnt:[4026531840]"), or null once it has
    /// exited (a zombie has none).</summary>
    static string? NamespaceOf(int pid, string ns)
    {
        try { return new FileInfo($"/proc/{pid}/ns/{ns}").LinkTarget; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>The pod's shared PID namespace (its __pause), made on first use.</summary>
    int PodPidNamespace()
    {
        lock (_podPidNsLock)
        {
            if (_podPidNs > 0 && !_podPidNsDead) return _podPidNs;
            var (pid, _, _) = RunReporting(["/init", "__podpid"]);
            if (pid == 0) throw new AgentException(Native.EPROTO, "the pod's PID namespace did not start");
            _podPidNsDead = false;
            _reaper.Watch(pid, _ => _podPidNsDead = true, adopt: true);
            Agent.Debug($"pod PID namespace: PID 1 is {pid}");
            return _podPidNs = pid;
        }
    }

    /// <summary>Runs a helper that reports on its fd 3 ("pid N", "ready", "error ERRNO TEXT") until
    /// it closes it: the pid it named, every line, and the helper's own pid; an error line is thrown.</summary>
    (int Pid, List<string> Lines, int Helper) RunReporting(string[] argv)
    {
        var (r, w) = Native.Pipe();
        int helper;
        try { helper = SpawnHelper(argv, [-1, -1, -1, w], null); }
        finally { Native.close(w); }
        var lines = ReadLines(r);
        Native.close(r);
        int pid = 0;
        foreach (var l in lines)
        {
            if (l.StartsWith("pid ")) pid = int.Parse(l[4..]);
            else if (l.StartsWith("error ")) throw ErrorLine(l);
        }
        return (pid, lines, helper);
    }

    static bool ValidId(string s) => s.Length is > 0 and <= 128 && !s.Contains('\0');

    Message Create(CreateContainer c)
    {
        if (!ValidId(c.ContainerId)) throw new AgentException(Native.EINVAL, "bad container id");
        string rootfs = c.Rootfs.Length == 0 ? Agent.RootfsMount : c.Rootfs;
        if (!rootfs.StartsWith('/') || rootfs.Contains('\0')) throw new AgentException(Native.EINVAL, "rootfs must be an absolute guest path");
        if (!Directory.Exists(rootfs)) throw new AgentException(Native.ENOENT, $"rootfs {rootfs} does not exist in the VM");
        if (c.Hostname.Length > 64) throw new AgentException(Native.EINVAL, "hostname too long");
        var security = c.Security ?? ProcessSecurity.Root;
        var why = Security.Check(security)
            ?? (c.MaskedPaths ?? []).Concat(c.ReadonlyPaths ?? []).Select(ContainerFs.CheckPath).FirstOrDefault(w => w != null)
            ?? (c.Sysctls ?? []).Select(ContainerFs.CheckSysctl).FirstOrDefault(w => w != null)
            ?? (c.Mounts ?? []).Select(m => ContainerFs.CheckPath(m.Destination) ?? (m.Destination.TrimEnd('/').Length == 0 ? "a mount over the container's root" : null)).FirstOrDefault(w => w != null);
        if (why != null) throw new AgentException(Native.EINVAL, why);
        if ((c.Mounts ?? []).Select(m => ContainerFs.CheckBindSource(m.Source)).FirstOrDefault(w => w != null) is { } missing)
            throw new AgentException(Native.ENOENT, missing);
        if (!Enum.IsDefined(c.Pid)) throw new AgentException(Native.EINVAL, $"unknown PID namespace mode {(byte)c.Pid}");
        var options = ContainerFs.Options.ToArgs(c.WritableRoot, c.Sysctls ?? [], c.MaskedPaths ?? [], c.ReadonlyPaths ?? [], c.Mounts);
        string[] procPaths = [.. ContainerFs.Options.ToArgs(false, [], (c.MaskedPaths ?? []).Where(ContainerFs.UnderProc),
            (c.ReadonlyPaths ?? []).Where(ContainerFs.UnderProc)), "--"];
        lock (_lock)
        {
            if (_containers.ContainsKey(c.ContainerId)) throw new AgentException(Native.EEXIST, $"container {c.ContainerId} exists");
            _containers[c.ContainerId] = new Container(c.ContainerId, rootfs, 0, security, c.Pid, procPaths) { Dead = true }; // reserve the id
        }
        try
        {
            int pidns = c.Pid == PidMode.Pod ? PodPidNamespace() : 0;
            var (pid, lines, helper) = RunReporting(["/init", "__container", rootfs, c.Hostname.Length > 0 ? c.Hostname : c.ContainerId, pidns.ToString(), .. options]);
            if (pid == 0 || !lines.Contains("ready")) throw new AgentException(Native.EPROTO, "container init did not start");
            var ct = new Container(c.ContainerId, rootfs, pid, security, c.Pid, procPaths);
            _reaper.Watch(pid, _ => ct.Dead = true, adopt: true);
            lock (_lock) _containers[c.ContainerId] = ct;
            Agent.Debug($"container {c.ContainerId} init pid {pid} (helper {helper})");
            return new Ok();
        }
        catch
        {
            lock (_lock) _containers.Remove(c.ContainerId);
            throw;
        }
    }

    static AgentException ErrorLine(string l)
    {
        var parts = l.Split(' ', 3);
        return new AgentException(int.TryParse(parts[1], out var e) ? e : Native.EINVAL, parts.Length > 2 ? parts[2] : l);
    }

    int SpawnHelper(string[] argv, int[] fds, IReadOnlyList<string>? env, Action<int>? onExit = null)
    {
        // Spawn and register under the reaper's lock, so the exit cannot be reaped before we watch it.
        return _reaper.SpawnAndWatch(() => Native.Spawn("/proc/self/exe", argv, env ?? ["PATH=/bin"], fds, false, false), onExit);
    }

    Message StartExec(Exec e)
    {
        if (!ValidId(e.ExecId)) throw new AgentException(Native.EINVAL, "bad exec id");
        if (e.Argv.Count == 0 || e.Argv[0].Length == 0) throw new AgentException(Native.EINVAL, "empty argv");
        foreach (var s in e.Argv.Concat(e.Env)) if (s.Contains('\0')) throw new AgentException(Native.EINVAL, "NUL in argv or env");
        Container? c;
        ExecState x;
        lock (_lock)
        {
            c = _containers.GetValueOrDefault(e.ContainerId);
            if (c is null || c.InitPid == 0) throw new AgentException(Native.ENOENT, $"no container {e.ContainerId}");
            if (c.Dead || c.Pid1Ended) throw new AgentException(Native.ESRCH, $"container {e.ContainerId} has stopped");
            if (_execs.ContainsKey(e.ExecId)) throw new AgentException(Native.EEXIST, $"exec {e.ExecId} exists");
            x = new ExecState(e.ExecId, c) { Tty = e.Tty };
            if (c.PidMode == PidMode.Container && c.Pid1 == 0)
            {
                if (c.Pid1Starting) throw new AgentException(Native.EAGAIN, $"container {e.ContainerId} is starting");
                c.Pid1Starting = x.StartsPid1 = true;
            }
            _execs[e.ExecId] = x;
        }
        try
        {
            var started = e.Tty ? StartTtyExec(e, c, x) : StartPipeExec(e, c, x);
            if (x.StartsPid1) lock (_lock) c.Pid1 = x.Pid;
            return started;
        }
        finally
        {
            if (x.StartsPid1) lock (_lock) c.Pid1Starting = false;
        }
    }

    /// <summary>__exec's PID namespace arguments: a new one (with __pid1's /proc paths) for the
    /// first process of a PidMode.Container container, else the pid whose namespace to join.</summary>
    static string[] PidNsArgs(Container c, ExecState x) =>
        x.StartsPid1 ? ["new"] : [(c.PidMode == PidMode.Container ? c.Pid1 : c.InitPid).ToString()];

    static string[] ProgramArgs(Container c, ExecState x, IReadOnlyList<string> argv) =>
        x.StartsPid1 ? [.. c.ProcPaths, .. argv] : [.. argv];

    /// <summary>Called with the program's wait status: the end of a container's PID 1 ends the container.</summary>
    void ProgramExited(ExecState x, int status)
    {
        lock (_lock)
        {
            x.RawStatus = status;
            if (x.StartsPid1) x.Container.Pid1Ended = true;
        }
    }

    Message StartPipeExec(Exec e, Container c, ExecState x)
    {
        var stdin = Native.Pipe();
        var stdout = Native.Pipe();
        var stderr = Native.Pipe();
        var ctl = Native.Pipe();
        try
        {
            string cwd = e.Cwd.Length > 0 ? e.Cwd : "/";
            x.HelperPid = SpawnHelper(["/init", "__exec", c.InitPid.ToString(), .. PidNsArgs(c, x), cwd, .. Security.ToArgs(c.Security), .. ProgramArgs(c, x, e.Argv)],
                [stdin.Read, stdout.Write, stderr.Write, ctl.Write], e.Env,
                st => { lock (_lock) x.HelperStatus = st; StreamDone(x); });
        }
        catch (SpawnException se)
        {
            foreach (var fd in new[] { stdin.Read, stdin.Write, stdout.Read, stdout.Write, stderr.Read, stderr.Write, ctl.Read, ctl.Write }) Native.close(fd);
            lock (_lock) _execs.Remove(e.ExecId);
            throw new AgentException(se.Errno, se.Message);
        }
        Native.close(stdin.Read); Native.close(stdout.Write); Native.close(stderr.Write); Native.close(ctl.Write);
        x.StdinFd = stdin.Write;
        // The helper's first report: the program's pid or why it could not start.
        var first = Native.ReadLine(ctl.Read);
        if (first is null || !first.StartsWith("pid "))
        {
            Native.close(ctl.Read); Native.close(stdout.Read); Native.close(stderr.Read); Native.close(stdin.Write);
            lock (_lock) _execs.Remove(e.ExecId);
            throw first is not null && first.StartsWith("error ") ? ErrorLine(first) : new AgentException(Native.EPROTO, "exec helper died");
        }
        x.Pid = int.Parse(first[4..]);
        StartThread($"ctl {x.Id}", () =>
        {
            string? l;
            while ((l = Native.ReadLine(ctl.Read)) is not null)
                if (l.StartsWith("status ")) ProgramExited(x, int.Parse(l[7..]));
            Native.close(ctl.Read);
        });
        StartThread($"out {x.Id}", () => Pump(x, stdout.Read, 1));
        StartThread($"err {x.Id}", () => Pump(x, stderr.Read, 2));
        StartThread($"in {x.Id}", () =>
        {
            try
            {
                foreach (var chunk in x.StdinQueue.GetConsumingEnumerable()) Native.WriteAll(x.StdinFd, chunk);
            }
            catch (IOException) { } // the program closed its stdin (EPIPE)
            Native.close(x.StdinFd);
            foreach (var _ in x.StdinQueue.GetConsumingEnumerable()) { }
        });
        Agent.Debug($"exec {x.Id}: pid {x.Pid}");
        return new ExecStarted(x.Pid);
    }

    /// <summary>An exec on a terminal of the container's own devpts (mounted by __cinit): the
    /// agent keeps the master side, the helper and the program get the slave as fd 0, 1, 2.</summary>
    unsafe Message StartTtyExec(Exec e, Container c, ExecState x)
    {
        string pts = $"/proc/{c.InitPid}/root/dev/pts";
        int master = Native.open(pts + "/ptmx", Native.O_RDWR | Native.O_NOCTTY | Native.O_CLOEXEC, 0);
        int slave = -1;
        try
        {
            if (master < 0) throw new AgentException(Native.Errno, $"open the container's ptmx: {Native.ErrText(Native.Errno)}");
            int unlock = 0, n = 0;
            if (Native.ioctl(master, Native.TIOCSPTLCK, &unlock) != 0 || Native.ioctl(master, Native.TIOCGPTN, &n) != 0)
                throw new AgentException(Native.Errno, $"pty set-up: {Native.ErrText(Native.Errno)}");
            Native.SetWinSize(master, e.Rows > 0 ? e.Rows : 24, e.Cols > 0 ? e.Cols : 80);
            slave = Native.open($"{pts}/{n}", Native.O_RDWR | Native.O_NOCTTY | Native.O_CLOEXEC, 0);
            if (slave < 0) throw new AgentException(Native.Errno, $"open the pty: {Native.ErrText(Native.Errno)}");
        }
        catch
        {
            if (master >= 0) Native.close(master);
            lock (_lock) _execs.Remove(e.ExecId);
            throw;
        }
        var ctl = Native.Pipe();
        x.OpenStreams = 2;
        x.StdinFd = master;
        try
        {
            string cwd = e.Cwd.Length > 0 ? e.Cwd : "/";
            x.HelperPid = _reaper.SpawnAndWatch(() => Native.Spawn("/proc/self/exe", ["/init", "__exec-tty", c.InitPid.ToString(), .. PidNsArgs(c, x), cwd, .. Security.ToArgs(c.Security), .. ProgramArgs(c, x, e.Argv)],
                e.Env, [slave, slave, slave, ctl.Write], false, newSession: true),
                st => { lock (_lock) x.HelperStatus = st; StreamDone(x); });
        }
        catch (SpawnException se)
        {
            foreach (var fd in new[] { master, slave, ctl.Read, ctl.Write }) Native.close(fd);
            lock (_lock) _execs.Remove(e.ExecId);
            throw new AgentException(se.Errno, se.Message);
        }
        Native.close(slave); Native.close(ctl.Write);
        var first = Native.ReadLine(ctl.Read);
        if (first is null || !first.StartsWith("pid "))
        {
            Native.close(ctl.Read); // the helper's exit still completes the exec: drain the master
            StartThread($"tty {x.Id}", () => Pump(x, master, 1));
            lock (_lock) _execs.Remove(e.ExecId);
            throw first is not null && first.StartsWith("error ") ? ErrorLine(first) : new AgentException(Native.EPROTO, "exec helper died");
        }
        x.Pid = int.Parse(first[4..]);
        StartThread($"ctl {x.Id}", () =>
        {
            string? l;
            while ((l = Native.ReadLine(ctl.Read)) is not null)
                if (l.StartsWith("status ")) ProgramExited(x, int.Parse(l[7..]));
            Native.close(ctl.Read);
        });
        // Output until the last slave closes (read then fails with EIO); the pump closes the master.
        StartThread($"tty {x.Id}", () => Pump(x, master, 1));
        StartThread($"in {x.Id}", () =>
        {
            try
            {
                foreach (var chunk in x.StdinQueue.GetConsumingEnumerable()) Native.WriteAll(master, chunk);
                bool done;
                lock (_lock) done = x.Done;
                if (!done) Native.WriteAll(master, [4]); // closing a terminal's input: its EOF character
            }
            catch (IOException) { }
            foreach (var _ in x.StdinQueue.GetConsumingEnumerable()) { }
        });
        Agent.Debug($"exec {x.Id} (tty): pid {x.Pid}");
        return new ExecStarted(x.Pid);
    }

    static void StartThread(string name, Action a) => new Thread(() => a()) { IsBackground = true, Name = name }.Start();

    void Pump(ExecState x, int fd, byte stream)
    {
        var buf = new byte[32 << 10];
        try
        {
            int n;
            while ((n = Native.Read(fd, buf)) > 0) Send(0, new Output(x.Id, stream, buf.AsSpan(0, n).ToArray()));
        }
        catch (IOException) { }
        Native.close(fd);
        Send(0, new Output(x.Id, stream, []));
        StreamDone(x);
    }

    /// <summary>Called when stdout ends, stderr ends and the helper exits: after all three the
    /// exec is done and Exited goes out after its last output.</summary>
    void StreamDone(ExecState x)
    {
        List<uint> waiters;
        lock (_lock)
        {
            if (--x.OpenStreams > 0) return;
            x.Done = true;
            waiters = [.. x.Waiters];
            x.Waiters.Clear();
        }
        x.StdinQueue.CompleteAdding();
        var (code, sig) = ExitOf(x);
        Send(0, new Exited(x.Id, code, sig));
        foreach (var w in waiters) Send(w, new WaitResult(code, sig));
        // A finished exec stays answerable (Wait) for a minute, then its id is free again.
        _ = Task.Delay(TimeSpan.FromSeconds(60)).ContinueWith(_ => { lock (_lock) if (_execs.GetValueOrDefault(x.Id) == x) _execs.Remove(x.Id); });
    }

    (int Code, int Signo) ExitOf(ExecState x)
    {
        lock (_lock)
        {
            if (x.RawStatus is int raw) return Native.DecodeStatus(raw);
            return x.HelperStatus is int h ? Native.DecodeStatus(h) : (125, 0);
        }
    }

    StatsReply GetStats()
    {
        long total = 0, avail = 0;
        foreach (var l in File.ReadAllLines("/proc/meminfo"))
        {
            if (l.StartsWith("MemTotal:")) total = KiB(l);
            else if (l.StartsWith("MemAvailable:")) avail = KiB(l);
        }
        int procs = Directory.GetDirectories("/proc").Count(d => int.TryParse(Path.GetFileName(d), out _));
        int containers;
        lock (_lock) containers = _containers.Values.Count(c => !c.Dead);
        string load = "";
        try { load = File.ReadAllText("/proc/loadavg").Trim(); } catch (IOException) { }
        return new StatsReply(total, avail, Agent.UptimeMs(), containers, procs, load);

        static long KiB(string l) => long.TryParse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], out var v) ? v : 0;
    }

    static List<string> ReadLines(int fd)
    {
        var res = new List<string>();
        string? l;
        while ((l = Native.ReadLine(fd)) is not null) res.Add(l);
        return res;
    }
}

internal sealed class AgentException(int errno, string message) : Exception(message)
{
    public int Errno { get; } = errno;
}

/// <summary>Blocking stream over a file descriptor (the virtio-serial port).</summary>
internal sealed class FdStream(int fd) : Stream
{
    public override int Read(byte[] buffer, int offset, int count) => Native.Read(fd, buffer.AsSpan(offset, count));
    public override int Read(Span<byte> buffer) => Native.Read(fd, buffer);
    public override void Write(byte[] buffer, int offset, int count) => Native.WriteAll(fd, buffer.AsSpan(offset, count));
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>The only waitpid(-1) in the VM: as PID 1 the agent also reaps orphans. Exit statuses
/// go to the callback registered for the pid; unknown pids (orphans) are just reaped.</summary>
internal sealed unsafe class Reaper
{
    readonly object _lock = new();
    readonly Dictionary<int, Action<int>?> _watch = new();
    readonly Dictionary<int, int> _early = new(); // adopted pids that died before Watch
    readonly SemaphoreSlim _children = new(0);

    public void Start() => new Thread(Loop) { IsBackground = true, Name = "reaper" }.Start();

    public int SpawnAndWatch(Func<int> spawn, Action<int>? onExit)
    {
        lock (_lock)
        {
            int pid = spawn();
            _watch[pid] = onExit;
            _children.Release();
            return pid;
        }
    }

    /// <summary>Watch a pid that is not our child yet (a container init, reparented to PID 1 when
    /// its helper exits).</summary>
    public void Watch(int pid, Action<int> onExit, bool adopt)
    {
        lock (_lock)
        {
            if (_early.Remove(pid, out var st)) { onExit(st); return; }
            _watch[pid] = onExit;
        }
    }

    void Loop()
    {
        while (true)
        {
            int st;
            int pid = Native.waitpid(-1, &st, 0);
            if (pid < 0)
            {
                if (Native.Errno == Native.ECHILD) _children.Wait(200);
                continue;
            }
            Action<int>? cb;
            lock (_lock)
            {
                if (!_watch.Remove(pid, out cb))
                {
                    if (_early.Count > 1000) _early.Clear();
                    _early[pid] = st;
                    continue;
                }
            }
            try { cb?.Invoke(st); } catch (Exception e) { Agent.Log($"reaper: {e.Message}"); }
        }
    }
}
