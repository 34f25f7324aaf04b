using System.Diagnostics;
using System.Text;

namespace Sandbox.Cli;

/// <summary>
/// `sandbox compare`: Linux is the oracle. Runs the program natively and under `sandbox run`
/// on each platform, with the same arguments, environment, working directory and an empty
/// stdin, and reports where stdout, stderr or the exit status differ.
/// </summary>
internal static class CompareCommand
{
    public sealed record Outcome(int Exit, byte[] Stdout, byte[] Stderr);

    public static int Execute(string[] args)
    {
        var o = RunOptions.Parse(args, compare: true);
        if (o == null) return Usage.SandboxError;
        var platforms = o.Platforms.Count > 0 ? o.Platforms : PlatformChoice.Available();
        var env = o.BuildEnv();
        string cwd = o.Cwd ?? Directory.GetCurrentDirectory();
        if (o.Rootfs != "/") return Usage.Fail("compare runs natively against the host's /; --rootfs is not supported here");

        // Native programs start with default signal dispositions, as in the sandbox (.NET would
        // otherwise pass on its ignored SIGPIPE).
        string resetsig = Path.Combine(AppContext.BaseDirectory, "sandbox-resetsig");
        var native = File.Exists(resetsig)
            ? Execute(resetsig, o.Command.ToList(), env, cwd)
            : Execute(o.Command[0], o.Command.Skip(1).ToList(), env, cwd);
        Console.WriteLine($"native:           {Describe(native)}");
        bool allSame = true;
        foreach (var p in platforms)
        {
            var runArgs = new List<string> { "run", "--platform", p, "--cwd", cwd, "--clear-env" };
            foreach (var e in env) { runArgs.Add("--env"); runArgs.Add(e); }
            if (o.Hostname != null) { runArgs.Add("--hostname"); runArgs.Add(o.Hostname); }
            if (!o.Gofer) runArgs.Add("--no-gofer");
            if (o.Network != Sentry.Net.Inet.NetworkMode.Sandbox) { runArgs.Add("--network"); runArgs.Add(o.Network.ToString().ToLowerInvariant()); }
            if (o.Ipc != Sentry.Kernel.Ipc.IpcMode.Sandbox) { runArgs.Add("--ipc"); runArgs.Add("host"); }
            runArgs.Add("--");
            runArgs.AddRange(o.Command);
            var (exe, pre) = Self();
            var sandboxed = Execute(exe, pre.Concat(runArgs).ToList(), env, cwd);
            var diffs = Differences(native, sandboxed, o.IgnoreStderr);
            Console.WriteLine($"{("sandbox/" + p + ":").PadRight(18)}{Describe(sandboxed)}  {(diffs.Count == 0 ? "same" : "DIFFERENT")}");
            foreach (var d in diffs) Console.WriteLine("  " + d.Replace("\n", "\n  "));
            allSame &= diffs.Count == 0;
        }
        return allSame ? 0 : 1;
    }

    private static string Describe(Outcome r) => $"exit {r.Exit}, stdout {r.Stdout.Length} bytes, stderr {r.Stderr.Length} bytes";

    /// <summary>How to start this same program again (apphost, `dotnet sandbox.dll`, or NativeAOT).</summary>
    public static (string Exe, List<string> Pre) Self()
    {
        string path = Environment.ProcessPath ?? "sandbox";
        if (Path.GetFileNameWithoutExtension(path) == "dotnet")
            return (path, new List<string> { Path.Combine(AppContext.BaseDirectory, "sandbox.dll") });
        return (path, new List<string>());
    }

    public static Outcome Execute(string exe, List<string> args, List<string> env, string cwd)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            UseShellExecute = false, WorkingDirectory = cwd,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Clear();
        foreach (var e in env) { int eq = e.IndexOf('='); psi.Environment[e[..eq]] = e[(eq + 1)..]; }
        try
        {
            using var p = Process.Start(psi)!;
            p.StandardInput.Close();
            var so = new MemoryStream();
            var se = new MemoryStream();
            var t1 = p.StandardOutput.BaseStream.CopyToAsync(so);
            var t2 = p.StandardError.BaseStream.CopyToAsync(se);
            p.WaitForExit();
            System.Threading.Tasks.Task.WaitAll(t1, t2);
            return new Outcome(p.ExitCode, so.ToArray(), se.ToArray());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            // As a shell would report it.
            return new Outcome(e.NativeErrorCode == 2 ? 127 : 126, Array.Empty<byte>(), Encoding.UTF8.GetBytes($"{exe}: {e.Message}\n"));
        }
    }

    public static List<string> Differences(Outcome native, Outcome sandboxed, bool ignoreStderr)
    {
        var d = new List<string>();
        if (native.Exit != sandboxed.Exit) d.Add($"exit status: native {native.Exit}, sandbox {sandboxed.Exit}");
        if (!native.Stdout.AsSpan().SequenceEqual(sandboxed.Stdout)) d.Add("stdout:\n" + LineDiff(native.Stdout, sandboxed.Stdout));
        if (!ignoreStderr && !native.Stderr.AsSpan().SequenceEqual(sandboxed.Stderr)) d.Add("stderr:\n" + LineDiff(native.Stderr, sandboxed.Stderr));
        return d;
    }

    /// <summary>The first differing lines with a little context (a full diff is one `diff` away).</summary>
    public static string LineDiff(byte[] a, byte[] b, int max = 10)
    {
        var la = Encoding.UTF8.GetString(a).Split('\n');
        var lb = Encoding.UTF8.GetString(b).Split('\n');
        var sb = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < Math.Max(la.Length, lb.Length) && shown < max; i++)
        {
            string? x = i < la.Length ? la[i] : null, y = i < lb.Length ? lb[i] : null;
            if (x == y) continue;
            sb.Append($"line {i + 1}:\n  - native:  {x ?? "<none>"}\n  + sandbox: {y ?? "<none>"}\n");
            shown++;
        }
        return sb.ToString().TrimEnd('\n');
    }
}
