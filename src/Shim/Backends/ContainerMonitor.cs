using System.Diagnostics;
using System.Runtime.InteropServices;
using Sandbox.Shim.Logs;
using Sandbox.Shim.Util;

namespace Sandbox.Shim.Backends;

/// <summary>
/// `sandbox cri monitor`: the process that holds one container, so that containers outlive the
/// CRI server (as containerd's shims do). It starts `sandbox run`, writes its output to the CRI
/// log, feeds its stdin from a FIFO (for Attach), forwards stop signals, reopens the log on
/// SIGUSR1, and at the end writes the exit status to a file the server reads, now or after a
/// restart. Files in the container's directory: <c>child</c> (pid and start time of `sandbox
/// run`), <c>stdin</c> (FIFO), <c>exit</c> (exit status).
/// </summary>
public static partial class ContainerMonitor
{
    public const string ChildFile = "child", ExitFile = "exit", StdinFifo = "stdin", OutputLog = "output.log";
    private const int SIGUSR1 = 10;

    /// <summary>Arguments the server passes: the directory, the log, stdin flags, then `sandbox run` arguments.</summary>
    public static List<string> Arguments(string dir, string log, bool stdin, bool stdinOnce, IEnumerable<string> runArgs)
    {
        var a = new List<string> { "cri", "monitor", "--dir", dir, "--log", log };
        if (stdin) a.Add("--stdin");
        if (stdinOnce) a.Add("--stdin-once");
        a.Add("--");
        a.AddRange(runArgs);
        return a;
    }

    public static int Run(string[] args)
    {
        string? dir = null, log = null;
        bool stdin = false, stdinOnce = false;
        int i = 0;
        for (; i < args.Length && args[i] != "--"; i++)
        {
            switch (args[i])
            {
                case "--dir": dir = args[++i]; break;
                case "--log": log = args[++i]; break;
                case "--stdin": stdin = true; break;
                case "--stdin-once": stdinOnce = true; break;
                default: Console.Error.WriteLine($"sandbox cri monitor: unknown option {args[i]}"); return 2;
            }
        }
        if (dir == null || log == null || i >= args.Length) { Console.Error.WriteLine("sandbox cri monitor: --dir, --log and -- RUN-ARGS are required"); return 2; }
        var runArgs = args[(i + 1)..];

        var writer = new CriLogWriter(log);
        Process child;
        try { child = Process.Start(new SandboxCommand(Array.Empty<string>()).StartInfo(runArgs))!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            writer.WriteEntry("stderr", System.Text.Encoding.UTF8.GetBytes($"sandbox cri monitor: cannot start the sandbox: {e.Message}"), false);
            AtomicFile.Write(Path.Combine(dir, ExitFile), "128"u8.ToArray());
            return 1;
        }
        AtomicFile.Write(Path.Combine(dir, ChildFile), System.Text.Encoding.ASCII.GetBytes($"{child.Id} {ProcessIdentity.StartTime(child.Id)}"));

        void Forward(PosixSignalContext c)
        {
            c.Cancel = true;
            int sig = c.Signal switch { PosixSignal.SIGINT => 2, PosixSignal.SIGHUP => 1, PosixSignal.SIGQUIT => 3, _ => 15 };
            try { Native.Kill(child.Id, sig); } catch (InvalidOperationException) { }
        }
        using var s1 = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Forward);
        using var s2 = PosixSignalRegistration.Create(PosixSignal.SIGINT, Forward);
        using var s3 = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Forward);
        using var s4 = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Forward);
        using var s5 = PosixSignalRegistration.Create((PosixSignal)SIGUSR1, c => { c.Cancel = true; writer.Reopen(); });

        if (stdin) _ = Task.Run(() => FeedStdin(Path.Combine(dir, StdinFifo), child.StandardInput.BaseStream, stdinOnce));
        else child.StandardInput.Close();

        var stdout = writer.PumpAsync(child.StandardOutput.BaseStream, "stdout");
        var stderr = writer.PumpAsync(child.StandardError.BaseStream, "stderr");
        child.WaitForExit();
        try { Task.WhenAll(stdout, stderr).Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        writer.Dispose();
        AtomicFile.Write(Path.Combine(dir, ExitFile), System.Text.Encoding.ASCII.GetBytes(child.ExitCode.ToString()));
        return 0;
    }

    /// <summary>Copies what attach clients write into the FIFO to the container's stdin; each
    /// client's end of input ends one round; with stdin_once the first one closes stdin.</summary>
    private static void FeedStdin(string fifo, Stream target, bool once)
    {
        var buf = new byte[16384];
        try
        {
            while (true)
            {
                using (var f = new FileStream(fifo, FileMode.Open, FileAccess.Read))
                {
                    int n;
                    while ((n = f.Read(buf)) > 0) { target.Write(buf, 0, n); target.Flush(); }
                }
                if (once) break;
            }
        }
        catch (IOException) { }
        try { target.Close(); } catch (IOException) { }
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkFifo(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int cmd, int arg);

    /// <summary>
    /// Opens the container's stdin FIFO for writing (Attach), or null when the monitor is not
    /// reading it (stdin already closed, or the container gone): never blocks.
    /// </summary>
    public static Stream? OpenStdinForWriting(string fifo)
    {
        const int O_WRONLY = 1, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000, F_GETFL = 3, F_SETFL = 4;
        int fd = Open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) return null;
        Fcntl(fd, F_SETFL, Fcntl(fd, F_GETFL, 0) & ~O_NONBLOCK);
        return new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, 1);
    }

    public static void CreateFifo(string path)
    {
        if (MkFifo(path, 0b110_000_000) != 0) throw new IOException($"mkfifo {path}: errno {Marshal.GetLastPInvokeError()}");
    }
}
