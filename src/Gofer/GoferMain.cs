using System.Net.Sockets;
using Sandbox.Gofer.Confinement;
using Sandbox.Gofer.Server;
using Sandbox.Linux.Abi;
using FileMode = Sandbox.Linux.Abi.FileMode;
using Sandbox.Linux.Native;

namespace Sandbox.Gofer;

/// <summary>
/// `sandbox gofer`: re-executes itself under unshare(1) in a new mount namespace (the runtime's
/// threads all exist before Main, and a mount namespace entered by one thread is not its
/// siblings'), then confines itself and serves. See docs/gofer.md.
/// </summary>
public static class GoferMain
{
    /// <summary>Set by the first stage: the mount namespace it ran in (the second must be in another).</summary>
    public const string StageVariable = "SANDBOX_GOFER_STAGE";
    /// <summary>Test hook: after confinement, make a forbidden call (the filter must kill us).</summary>
    public const string ForbiddenCallVariable = "SANDBOX_GOFER_TEST_FORBIDDEN_SYSCALL";

    /// <summary>Runs the Gofer; <paramref name="selfArgs"/> re-runs this same command (e.g. ["gofer"] for the CLI).</summary>
    public static int Run(string[] args, string[] selfArgs)
    {
        if (args.Length > 0 && args[0] is "-h" or "--help") { Console.WriteLine(GoferOptions.Help); return 0; }
        var o = GoferOptions.Parse(args, out var error);
        if (o == null)
        {
            Console.Error.WriteLine($"sandbox gofer: {error}\n{GoferOptions.Help}");
            return 2;
        }
        GoferLog.Verbose = o.Verbose;
        string? stage = Environment.GetEnvironmentVariable(StageVariable);
        return stage == null ? Reexec(args, selfArgs, o.Slave) : Serve(o, stage);
    }

    private static string MountNamespace() => new FileInfo("/proc/self/ns/mnt").LinkTarget ?? "";

    private static int Reexec(string[] args, string[] selfArgs, bool slave)
    {
        const string Unshare = "/usr/bin/unshare";
        if (!File.Exists(Unshare)) return Fail($"{Unshare} (util-linux) is needed to enter a mount namespace");
        // With --propagation slave the new namespace's mounts stay slaves of the host's: mounts the
        // host makes below a served tree later show through, and nothing made here goes back.
        var argv = new List<string> { Unshare, "--mount", "--propagation", slave ? "slave" : "private" };
        if (Environment.UserName != "root" && Sys.Syscall(107 /*geteuid*/) != 0) argv.AddRange(["--user", "--map-root-user"]);
        argv.Add("--");
        string exe = Environment.ProcessPath ?? "";
        argv.Add(exe);
        if (Path.GetFileNameWithoutExtension(exe) == "dotnet")
            argv.Add(Path.Combine(AppContext.BaseDirectory, (System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name ?? "sandbox-gofer") + ".dll"));
        argv.AddRange(selfArgs);
        argv.AddRange(args);
        int r = Exec.ReplaceSelf(argv, StageVariable, MountNamespace());
        return Fail($"execve {Unshare}: {Linux.ErrnoText.Name(-r)}");
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"sandbox gofer: {message}");
        return 125;
    }

    private static int Serve(GoferOptions o, string parentNamespace)
    {
        string ns = MountNamespace();
        // pivot_root in a shared namespace would move the root of every process in it.
        if (ns == parentNamespace || ns.Length == 0) return Fail("not in a mount namespace of its own (run `sandbox gofer`, not its second stage)");
        try { if (new FileInfo("/proc/1/ns/mnt").LinkTarget == ns) return Fail("refusing to pivot_root in the initial mount namespace"); }
        catch (Exception) { /* unreadable: not ours to compare */ }

        AssemblyPreload.From(typeof(GoferMain).Assembly);
        int procSelfFd = Host.OpenAt(AtFlags.AT_FDCWD, "/proc/self/fd", Host.O_PATH_DIR);
        if (procSelfFd < 0) GoferLog.Write("no /proc/self/fd: reopening files walks from the root instead");

        if ((o.Slave ? Jail.MakeSlave() : Jail.MakePrivate()) is var pr and < 0)
            return Fail($"making mounts {(o.Slave ? "slaves" : "private")}: {Linux.ErrnoText.Name(-pr)}");
        var specs = new List<ServeSpec> { o.Root };
        specs.AddRange(o.Volumes);
        var listeners = new List<Socket?>();
        foreach (var s in specs)
        {
            if (s.SocketPath != null)
            {
                try { listeners.Add(Listen(s.SocketPath)); }
                catch (Exception e) { return Fail($"listening on {s.SocketPath}: {e.Message}"); }
            }
            else
            {
                if (Host.Fstat(s.Fd, out var st) < 0 || (st.Mode & FileMode.S_IFMT) != FileMode.S_IFSOCK)
                    return Fail($"fd {s.Fd} is not a socket");
                listeners.Add(null);
            }
        }
        // Volumes live outside the new root: open them (as their own read-only-able mounts) first.
        var volumeFds = new List<int>();
        foreach (var v in o.Volumes)
        {
            if (Jail.BindSelf(v.HostPath, v.ReadOnly) is var br and < 0) return Fail($"bind mount {v.HostPath}: {Linux.ErrnoText.Name(-br)}");
            int fd = Host.OpenAt(AtFlags.AT_FDCWD, v.HostPath, Host.O_PATH_DIR | OpenFlags.O_NOFOLLOW);
            if (fd < 0) return Fail($"open {v.HostPath}: {Linux.ErrnoText.Name(-fd)}");
            volumeFds.Add(fd);
        }
        string pivotAt = Jail.PivotTarget(o.Root.HostPath);
        if (Jail.BindAt(o.Root.HostPath, pivotAt, o.Root.ReadOnly) is var rb and < 0) return Fail($"bind mount {o.Root.HostPath}: {Linux.ErrnoText.Name(-rb)}");
        if (Jail.PivotInto(pivotAt) is var pv and < 0) return Fail($"pivot_root into {o.Root.HostPath}: {Linux.ErrnoText.Name(-pv)}");
        int rootFd = Host.OpenAt(AtFlags.AT_FDCWD, "/", Host.O_PATH_DIR);
        if (rootFd < 0) return Fail($"open / after pivot_root: {Linux.ErrnoText.Name(-rootFd)}");
        if (Jail.DropCapabilities() is var dc and < 0) return Fail($"dropping capabilities: {Linux.ErrnoText.Name(-dc)}");
        if (SyscallPolicy.Install(SyscallPolicy.Build(Environment.ProcessId)) is var sc and < 0)
            return Fail($"installing the seccomp filter: {Linux.ErrnoText.Name(-sc)}");
        GoferLog.Debug($"confined in {o.Root.HostPath}; serving {specs.Count} tree(s)");

        if (Environment.GetEnvironmentVariable(ForbiddenCallVariable) == "1")
        {
            GoferLog.Write("test hook: calling ptrace(PTRACE_TRACEME), which the filter forbids");
            Sys.Syscall(Host.SYS_ptrace, 0, 0, 0, 0);
            GoferLog.Write("test hook: still alive after a forbidden call");
            return 99;
        }

        var threads = new List<Thread>();
        for (int i = 0; i < specs.Count; i++)
        {
            var tree = new ServedTree(specs[i].GuestPath, i == 0 ? rootFd : volumeFds[i - 1], specs[i].ReadOnly, procSelfFd, o.DonateFds);
            var listener = listeners[i];
            int fd = specs[i].Fd;
            var t = listener != null
                ? new Thread(() => AcceptLoop(listener, tree)) { IsBackground = true, Name = "gofer-accept" }
                : new Thread(() => new Connection(fd, tree).Run()) { Name = "gofer-session" };
            t.Start();
            threads.Add(t);
        }
        // With --fd the Gofer ends when every session has ended; with --socket it serves until killed.
        foreach (var t in threads) t.Join();
        if (listeners.Any(l => l != null)) Thread.Sleep(Timeout.Infinite);
        return 0;
    }

    private static Socket Listen(string path)
    {
        if (File.Exists(path) && (File.GetAttributes(path) & FileAttributes.Normal) == 0)
        {
            var info = new FileInfo(path);
            if (info.UnixFileMode != 0 && !info.Attributes.HasFlag(FileAttributes.Directory)) File.Delete(path);
        }
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.Bind(new UnixDomainSocketEndPoint(path));
        s.Listen(16);
        return s;
    }

    private static unsafe void AcceptLoop(Socket listener, ServedTree tree)
    {
        long lfd = listener.Handle;
        while (true)
        {
            long c = Sys.SyscallRetry(288 /*accept4*/, lfd, 0, 0, OpenFlags.O_CLOEXEC);
            if (c < 0) { GoferLog.Write($"accept: {Linux.ErrnoText.Name((int)-c)}"); Thread.Sleep(100); continue; }
            GoferLog.Debug($"session on {tree.Name}");
            int fd = (int)c;
            new Thread(() => new Connection(fd, tree).Run()) { IsBackground = true, Name = "gofer-session" }.Start();
        }
    }
}
