using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;

namespace Sandbox.Tests;

/// <summary>`sandbox run -t`, and programs that make terminals of their own.</summary>
public class TerminalTests
{
    /// <summary>Runs the CLI with <paramref name="input"/> written to its stdin, then closed.</summary>
    private static (int Exit, string Stdout) RunWithInput(string input, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(SandboxProcess.SandboxDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(input);
        p.StandardInput.Close();
        if (!p.WaitForExit(60_000)) { p.Kill(true); throw new TimeoutException("sandbox run -t did not finish"); }
        return (p.ExitCode, output.Result);
    }

    [Fact]
    public void ShellRunsOnItsOwnTerminal()
    {
        var (exit, output) = RunWithInput("tty; stty size; echo $((6*7)); [ -t 0 ] && echo interactive; exit 3\n",
            "run", "-t", "--", "/bin/busybox", "sh");
        Assert.Equal(3, exit);
        // The terminal echoes what was typed and turns \n into \r\n (OPOST|ONLCR).
        Assert.Contains("tty; stty size;", output);
        Assert.Contains("/dev/pts/0\r\n", output);
        Assert.Contains("24 80\r\n", output);
        Assert.Contains("42\r\n", output);
        Assert.Contains("interactive\r\n", output);
    }

    [Fact]
    public async System.Threading.Tasks.Task CtrlCInterruptsTheForegroundProgram()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { SandboxProcess.SandboxDll, "run", "-t", "--", "/bin/busybox", "cat" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        _ = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write("abc\n");
        p.StandardInput.Flush();
        // Once cat has echoed the line, ^C is typed: it must not be flushed away as typeahead.
        var seen = new System.Text.StringBuilder();
        var buf = new char[256];
        while (!seen.ToString().Contains("abc\r\nabc\r\n"))
        {
            var read = p.StandardOutput.ReadAsync(buf, 0, buf.Length);
            Assert.True(await System.Threading.Tasks.Task.WhenAny(read, System.Threading.Tasks.Task.Delay(30_000)) == read, "no echo from cat: " + seen);
            int n = await read;
            if (n == 0) break;
            seen.Append(buf, 0, n);
        }
        p.StandardInput.Write("\u0003");
        p.StandardInput.Flush();
        seen.Append(p.StandardOutput.ReadToEnd());
        Assert.True(p.WaitForExit(30_000));
        Assert.Equal(130, p.ExitCode);
        Assert.Equal("abc\r\nabc\r\n^C", seen.ToString());
    }

    [Fact]
    public void EndOfInputIsEndOfFileOnTheTerminal()
    {
        var (exit, output) = RunWithInput("one\ntwo\n", "run", "-t", "--", "/bin/busybox", "wc", "-l");
        Assert.Equal(0, exit);
        Assert.EndsWith("2\r\n", output);
    }

    [Fact]
    public void PythonPtySpawnIsTheSameAsNative()
    {
        // pty.spawn: openpty, fork, setsid, TIOCSCTTY, and a select loop copying the terminal out.
        const string script = "import pty, os\n" +
            "st = pty.spawn(['/bin/busybox', 'sh', '-c', 'tty; echo $(stty size 2>&1); printf \"a\\\\tb\\\\n\"; exit 4'])\n" +
            "os._exit(os.waitstatus_to_exitcode(st))\n";
        var n = SandboxProcess.Native("/usr/bin/python3", "-c", script);
        var s = SandboxProcess.Sandboxed("/usr/bin/python3", "-c", script);
        static string Tidy(string o) => Regex.Replace(o, @"/dev/pts/\d+", "/dev/pts/N");
        Assert.Equal(4, n.Exit);
        Assert.Equal(n.Exit, s.Exit);
        Assert.Equal(Tidy(n.Stdout), Tidy(s.Stdout));
    }
}
