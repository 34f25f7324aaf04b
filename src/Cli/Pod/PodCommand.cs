using System.Runtime.InteropServices;
using Sandbox.Linux.Control;
using Sandbox.Linux.Native;

namespace Sandbox.Cli.Pod;

/// <summary>
/// `sandbox pod`: the pod Sentry (serve) and its clients, which talk to it over its control
/// socket as `runsc` commands talk to their sandbox. `run` and `exec` take `sandbox run`'s
/// arguments: they are checked here, outside the Sentry (host paths, the environment), then
/// sent as they are, so every run option means the same for a pod's container.
/// </summary>
internal static class PodCommand
{
    public const string UsageText = """
        usage: sandbox pod serve --control SOCKET [--platform P] [--hostname NAME]
                                 [--network sandbox|none|host] [--netns NAME|PATH] [--pause] [--debug-log FILE]
               sandbox pod run --control SOCKET --id ID [--keep] [--pid-file FILE] RUN-OPTIONS -- PROGRAM [ARGS...]
               sandbox pod exec --control SOCKET --id ID [--pid-file FILE] RUN-OPTIONS -- PROGRAM [ARGS...]
               sandbox pod kill --control SOCKET --id ID [--pid PID] SIGNAL
               sandbox pod stats|destroy --control SOCKET --id ID
               sandbox pod list|shutdown --control SOCKET
               sandbox pod port-forward --control SOCKET [LOCAL:]PORT

        serve: one Sentry for a pod, confined, with no program yet; its containers share its
          process ids and network stack (loopback between them works). --pause: PID 1 is
          the pod's own, a process that never runs (a pod sharing one PID namespace).
        run: creates container ID (its root filesystem from --rootfs, --volume, --read-only,
          served by Gofers this command starts) and runs PROGRAM as its first process on this
          command's stdin, stdout and stderr; exits with its status and removes the container
          (unless --keep). The container ends with this command.
        exec: runs PROGRAM in container ID (its root, its processes); exits with its status.
          --pid-file: the program's pid in the pod is written there once it runs (for
          `resize` and `signal` requests of others, as runc exec --pid-file).
        port-forward: connects to PORT on the pod's localhost, in the pod's own network stack:
          this command's stdin and stdout are the connection, or with LOCAL it listens on
          127.0.0.1:LOCAL and forwards every connection until stopped.
        """;

    public static int Execute(string[] args)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h") { Console.Out.WriteLine(UsageText); return args.Length == 0 ? 2 : 0; }
        if (args[0] == "serve") return PodServer.Serve(args[1..]);
        string? control = null, id = null, pidFile = null;
        int pid = 0;
        bool keep = false;
        int i = 1;
        for (; i < args.Length; i++)
        {
            string a = args[i];
            if (a == "--control" && i + 1 < args.Length) control = args[++i];
            else if (a == "--id" && i + 1 < args.Length) id = args[++i];
            else if (a == "--pid" && i + 1 < args.Length && int.TryParse(args[i + 1], out pid)) i++;
            else if (a == "--keep") keep = true;
            else if (a == "--pid-file" && i + 1 < args.Length) pidFile = args[++i];
            else break;
        }
        var rest = args[i..];
        if (control == null) return Usage.Fail($"pod {args[0]} needs --control SOCKET");
        if (args[0] is not ("list" or "shutdown" or "port-forward") && id == null) return Usage.Fail($"pod {args[0]} needs --id ID");
        try
        {
            return args[0] switch
            {
                "run" => Run(control, id!, rest, keep, pidFile),
                "exec" => Exec(control, id!, rest, pidFile),
                "kill" => Simple(control, "signal", id!, pid.ToString(), rest.Length == 1 ? SignalNumber(rest[0]).ToString() : throw new ArgumentException("kill needs one SIGNAL")),
                "stats" => Simple(control, "stats", id!),
                "destroy" => Simple(control, "destroy", id!),
                "list" => Simple(control, "list"),
                "shutdown" => Shutdown(control),
                "port-forward" => PodPortForwardClient.Run(control, rest),
                _ => Usage.Fail($"unknown pod command '{args[0]}'"),
            };
        }
        catch (ArgumentException e) { return Usage.Fail(e.Message); }
        catch (IOException e) { return Fail(e.Message); }
    }

    private static int SignalNumber(string s)
    {
        if (int.TryParse(s, out int n)) return n;
        string name = s.StartsWith("SIG", StringComparison.Ordinal) ? s : "SIG" + s;
        for (int sig = 1; sig <= 64; sig++)
            if (Linux.SignalNames.Name(sig) == name) return sig;
        throw new ArgumentException($"unknown signal '{s}'");
    }

    private static int Simple(string control, params string[] request)
    {
        using var c = ControlConnection.Connect(control);
        var reply = c.Call(request);
        if (reply.Count > 1) Console.Out.WriteLine(string.Join(' ', reply.Skip(1)));
        return 0;
    }

    private static int Shutdown(string control)
    {
        using (var c = ControlConnection.Connect(control)) c.Call(new[] { "shutdown" });
        // The pod removes its socket as it exits.
        for (int n = 0; n < 500 && File.Exists(control); n++) Thread.Sleep(10);
        return 0;
    }

    /// <summary>
    /// The arguments as sent: the environment made here (the caller's unless --clear-env), then
    /// the caller's own, then what only this side can resolve, since the pod sees no host files:
    /// --user and --groups as numbers from the image's /etc/passwd and /etc/group, and a
    /// --seccomp-profile file as its JSON. Later flags win, so they go just before the program.
    /// </summary>
    private static string[]? Normalized(RunOptions o, string[] runArgs)
    {
        var a = new List<string> { "--clear-env" };
        foreach (var kv in o.BuildEnv()) { a.Add("--env"); a.Add(kv); }
        int program = runArgs.Length - o.Command.Count;
        if (program > 0 && runArgs[program - 1] == "--") program--;
        bool resolveUser = o.User != null || o.Groups.Count > 0;
        for (int i = 0; i < program; i++)
        {
            // Replaced below (--groups adds up, so the names must not reach the pod).
            if (resolveUser && runArgs[i] is "--user" or "-u" or "--groups" or "--group-add" && i + 1 < program) { i++; continue; }
            // Sent below, in their order, with what the pod cannot see: whether a source is a file.
            if (runArgs[i] is "--mount" or "--tmpfs" && i + 1 < program) { i++; continue; }
            if (runArgs[i].StartsWith("--mount=", StringComparison.Ordinal) || runArgs[i].StartsWith("--tmpfs=", StringComparison.Ordinal)) continue;
            a.Add(runArgs[i]);
        }
        if (resolveUser)
        {
            if (SecurityOptions.Build(o, out string error) is not { } sec) { Usage.Fail(error); return null; }
            if (sec.Uid is { } uid) { a.Add("--user"); a.Add(sec.Gid is { } gid ? $"{uid}:{gid}" : uid.ToString()); }
            if (sec.Groups is { Count: > 0 } groups) { a.Add("--groups"); a.Add(string.Join(',', groups)); }
        }
        if (o.SeccompProfile is { } profile && profile is not ("unconfined" or "runtime/default" or "docker/default") && !profile.TrimStart().StartsWith('{'))
        {
            try { a.Add("--seccomp-profile"); a.Add(File.ReadAllText(profile)); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Usage.Fail($"--seccomp-profile {profile}: {e.Message}"); return null; }
        }
        foreach (var m in o.Mounts)
        {
            a.Add("--mount");
            a.Add(m.Type == "tmpfs" ? $"type=tmpfs,destination={m.Destination}{(m.ReadOnly ? ",ro" : "")}"
                : $"type=bind,source={m.Source},destination={m.Destination}{(m.ReadOnly ? ",ro" : "")},bind-propagation={m.Propagation},source-type={(m.SourceIsFile ? "file" : "dir")}");
        }
        a.AddRange(runArgs[program..]);
        return a.ToArray();
    }

    private static int Run(string control, string id, string[] runArgs, bool keep, string? pidFile)
    {
        var o = RunOptions.Parse(runArgs, compare: false);
        if (o == null) return Usage.SandboxError;
        var sent = Normalized(o, runArgs);
        if (sent == null) return Usage.SandboxError;
        using var c = ControlConnection.Connect(control);
        var gofers = new List<System.Diagnostics.Process>();
        var fds = new List<int>();
        try
        {
            if (o.Gofer) StartGofers(o, gofers, fds);
            c.Call(new[] { "create", id }.Concat(sent).ToList(), fds.ToArray());
        }
        finally
        {
            foreach (var fd in fds) Sys.Close(fd);
            foreach (var g in gofers) g.Dispose();
        }
        int pid = int.Parse(c.Call(new[] { "start", id }.Concat(sent).ToList(), new[] { 0, 1, 2 })[1]);
        WritePidFile(pidFile, pid);
        int code = WaitForwardingSignals(c, control, id, pid, o.Tty);
        // Destroyed already when it was killed that way.
        if (!keep) try { c.Call(new[] { "destroy", id }); } catch (ControlErrorException) { }
        return code;
    }

    /// <summary>
    /// Starts the Gofers of a container and puts their connections in <paramref name="fds"/>
    /// in the order the pod takes them: the root, each volume, each bind (Normalized keeps
    /// their order; a file's directory is served). One Gofer serves the root, the volumes and
    /// the private binds, each tree on its own connection with its own read-only flag; a bind
    /// that receives the host's later mounts (rslave, rshared) needs a Gofer whose mounts are
    /// slaves, so it gets one of its own, as does a path the Gofer's --volume flag cannot carry.
    /// </summary>
    internal static void StartGofers(RunOptions o, List<System.Diagnostics.Process> gofers, List<int> fds)
    {
        var (exe, pre) = CompareCommand.Self();
        var cmd = new List<string> { exe }.Concat(pre).Append("gofer").ToList();
        var trees = new List<(string Host, string Guest, bool ReadOnly, bool Slave)>();
        foreach (var (host, guest, ro) in o.Volumes) trees.Add((host, guest, ro, false));
        foreach (var m in o.Mounts.Where(m => m.Type == "bind"))
            trees.Add((m.SourceIsFile ? Path.GetDirectoryName(m.Source!) ?? "/" : m.Source!, m.Destination, m.ReadOnly, m.Propagation != "rprivate"));
        bool Shared(int i) => !trees[i].Slave && P9.GoferProcess.FitsVolumeFlag(trees[i].Host) && P9.GoferProcess.FitsVolumeFlag(trees[i].Guest);
        var shared = Enumerable.Range(0, trees.Count).Where(Shared).ToList();
        var slots = new int[trees.Count + 1];
        Array.Fill(slots, -1);
        try
        {
            var (root, rootFds) = P9.GoferProcess.Spawn(cmd, o.Rootfs, !o.RootfsWritable,
                shared.Select(i => (trees[i].Host, trees[i].Guest, trees[i].ReadOnly)).ToList(), new[] { "--donate-fds" });
            gofers.Add(root);
            slots[0] = rootFds[0];
            for (int k = 0; k < shared.Count; k++) slots[shared[k] + 1] = rootFds[k + 1];
            for (int i = 0; i < trees.Count; i++)
            {
                if (slots[i + 1] >= 0) continue;
                var (g, fd) = P9.GoferProcess.Spawn(cmd, trees[i].Host, trees[i].ReadOnly, extraArgs: Sentry.Kernel.Boot.GoferArguments(trees[i].Slave));
                gofers.Add(g);
                slots[i + 1] = fd;
            }
        }
        finally
        {
            // Whatever was made goes back to the caller, which closes it (also after a failure).
            fds.AddRange(slots.Where(fd => fd >= 0));
        }
    }

    private static int Exec(string control, string id, string[] runArgs, string? pidFile)
    {
        var o = RunOptions.Parse(runArgs, compare: false);
        if (o == null) return Usage.SandboxError;
        var sent = Normalized(o, runArgs);
        if (sent == null) return Usage.SandboxError;
        using var c = ControlConnection.Connect(control);
        int pid = int.Parse(c.Call(new[] { "exec", id }.Concat(sent).ToList(), new[] { 0, 1, 2 })[1]);
        WritePidFile(pidFile, pid);
        return WaitForwardingSignals(c, control, id, pid, o.Tty);
    }

    /// <summary>Written whole (a temporary file renamed), so a reader never sees part of it.</summary>
    private static void WritePidFile(string? path, int pid)
    {
        if (path == null) return;
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>
    /// Waits for the process, passing SIGTERM, SIGINT, SIGHUP and SIGQUIT sent to this command on
    /// to it (over a connection of their own); its exit status becomes ours (128+N for signal N).
    /// </summary>
    private static int WaitForwardingSignals(ControlConnection c, string control, string id, int pid, bool tty)
    {
        void Forward(PosixSignalContext ctx)
        {
            ctx.Cancel = true;
            int sig = ctx.Signal switch { PosixSignal.SIGINT => 2, PosixSignal.SIGHUP => 1, PosixSignal.SIGQUIT => 3, _ => 15 };
            try { using var s = ControlConnection.Connect(control); s.Call(new[] { "signal", id, pid.ToString(), sig.ToString() }); }
            catch (IOException) { }
        }
        using var s1 = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Forward);
        using var s2 = PosixSignalRegistration.Create(PosixSignal.SIGINT, Forward);
        using var s3 = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Forward);
        using var s4 = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Forward);
        using var winch = tty ? PosixSignalRegistration.Create(PosixSignal.SIGWINCH, ctx =>
        {
            ctx.Cancel = true;
            var (rows, cols) = LocalTerminal.Size();
            try { using var s = ControlConnection.Connect(control); s.Call(new[] { "resize", id, pid.ToString(), rows.ToString(), cols.ToString() }); }
            catch (IOException) { }
        }) : null;
        var reply = c.Call(new[] { "wait", id, pid.ToString() });
        if (reply[0] != "exit" || reply.Count < 4) throw new IOException($"unexpected reply '{reply[0]}' to wait");
        int code = int.Parse(reply[1]), sig = int.Parse(reply[2]);
        if (reply[3].Length > 0) Console.Error.WriteLine($"sandbox: {reply[3]}");
        return sig != 0 ? 128 + sig : code;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"sandbox: {message}");
        return Usage.SandboxError;
    }
}
