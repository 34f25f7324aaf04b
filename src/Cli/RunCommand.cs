using System.Runtime.InteropServices;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Platform;

namespace Sandbox.Cli;

/// <summary>`sandbox run`: one program in the Sentry, its exit status ours.</summary>
internal static class RunCommand
{
    public static int Execute(string[] args)
    {
        var o = RunOptions.Parse(args, compare: false);
        if (o == null) return Usage.SandboxError;
        if (o.Runtime == "microvm") return MicroVmCommand.RunFromSandboxRun(o);
        bool jail = SentryJail.Wanted(o, out string notConfined);
        if (jail && !SentryJail.InStageTwo) return Fail(SentryJail.Reexec(args, o.BuildEnv()));
        var platform = PlatformChoice.Create(o.Platforms.FirstOrDefault() ?? "auto", out string error);
        if (platform == null) return Fail(error);

        TextWriter? debug = null;
        if (o.DebugLog == "-") debug = Console.Error;
        else if (o.DebugLog != null)
        {
            try { debug = new StreamWriter(o.DebugLog, append: false) { AutoFlush = true }; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return Fail($"--debug-log {o.DebugLog}: {e.Message}"); }
        }

        // The caller's directory when the rootfs is the host's /, unless the sandbox hides it
        // (its own /tmp, /proc, /dev): then /. An explicit --cwd must exist.
        string cwd = o.Cwd ?? (o.Rootfs == "/" && !HiddenInSandbox(Directory.GetCurrentDirectory()) ? Directory.GetCurrentDirectory() : "/");
        var spec = new SandboxSpec { Rootfs = o.Rootfs, Argv = o.Command, Env = o.BuildEnv(), Cwd = cwd, Volumes = o.Volumes, ReadOnlyRootfs = o.ReadOnlyRootfs,
            Terminal = o.Tty, TerminalSize = LocalTerminal.Size(), RootfsWritable = o.RootfsWritable,
            Mounts = o.Mounts, MaskedPaths = o.MaskedPaths, ReadonlyPaths = o.ReadonlyPaths };
        if (SecurityOptions.Build(o, out string securityError) is not { } security) return Fail(securityError);
        spec.Security = security;
        if (o.Gofer)
        {
            var (exe, pre) = CompareCommand.Self();
            spec.GoferCommand = new List<string> { exe }.Concat(pre).Append("gofer").ToList();
        }
        var options = new KernelOptions { Strace = o.Strace ? Console.Error : null, DebugLog = debug, Hostname = o.Hostname, Network = o.Network, Ipc = o.Ipc,
            NetworkNamespace = o.NetworkNamespace, Sysctls = o.Sysctls.Count > 0 ? o.Sysctls : null };

        Boot boot;
        try { boot = new Boot(platform, spec, options); }
        catch (IOException e) { return Fail(e.Message); }
        catch (P9.P9ConnectionException e) { return Fail($"the Gofer did not start: {e.Message}"); }
        catch (System.Net.Sockets.SocketException e) { return Fail($"the Gofer did not start: {e.Message}"); }
        if (jail && SentryJail.Confine(platform) is { } why)
        {
            boot.Dispose();
            return Fail($"cannot confine the Sentry: {why}");
        }
        if (!jail) boot.Kernel.Debug($"the Sentry is not confined: {notConfined}");

        using (boot)
        {
            int interrupts = 0;
            void Forward(PosixSignalContext c)
            {
                c.Cancel = true;
                // A second Ctrl-C while the program does not react ends the sandbox itself.
                if (c.Signal == PosixSignal.SIGINT && ++interrupts > 1) Environment.Exit(130);
                boot.ForwardSignal(c.Signal switch
                {
                    PosixSignal.SIGINT => 2, PosixSignal.SIGTERM => 15, PosixSignal.SIGHUP => 1, PosixSignal.SIGQUIT => 3, _ => 15,
                });
            }
            using var s1 = PosixSignalRegistration.Create(PosixSignal.SIGINT, Forward);
            using var s2 = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Forward);
            using var s3 = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Forward);
            using var s4 = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Forward);
            // SIGUSR1 to the sandbox dumps what every task is doing (debug log, else stderr).
            using var s5 = PosixSignalRegistration.Create((PosixSignal)10, c => { c.Cancel = true; boot.Kernel.DumpState(); });

            using var winch = o.Tty ? PosixSignalRegistration.Create(PosixSignal.SIGWINCH, c =>
            {
                c.Cancel = true;
                var (rows, cols) = LocalTerminal.Size();
                boot.SetTerminalSize(rows, cols);
            }) : null;
            // With -t, keys such as ^C go to the program's terminal as bytes, not to us as signals.
            using var raw = o.Tty ? LocalTerminal.EnterRawMode() : null;

            SandboxResult result;
            try { result = boot.Run(); }
            catch (Exception e) when (e is Sandbox.Platforms.Ptrace.PlatformException or IOException)
            {
                return Fail(e.Message);
            }
            if (result.StartError is { } err)
            {
                Console.Error.WriteLine($"sandbox: {err.Message}");
                return result.Status.ShellCode;
            }
            boot.Kernel.Debug($"exit: code={result.Status.Code} signal={result.Status.Signal}");
            debug?.Flush();
            return result.Status.ShellCode;
        }
    }

    private static bool HiddenInSandbox(string dir)
        => new[] { "/proc", "/sys", "/dev" }.Any(p => dir == p || dir.StartsWith(p + "/", StringComparison.Ordinal));

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"sandbox: {message}");
        return Usage.SandboxError;
    }
}
