using System.Diagnostics;
using Xunit;

namespace Sandbox.P9.Tests;

/// <summary>Bad command lines get a clear message and status 2, before anything is confined.</summary>
public class CliTests
{
    private static (int Code, string Err) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(LiveGofer.GoferDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(30_000));
        return (p.ExitCode, err.Result);
    }

    [Theory]
    [InlineData("--root is required")]
    [InlineData("unknown option '--bogus'", "--bogus")]
    [InlineData("give exactly one of --socket PATH and --fd N", "--root", "/")]
    [InlineData("give exactly one of --socket PATH and --fd N", "--root", "/", "--fd", "3", "--socket", "/tmp/x")]
    [InlineData("--fd needs a file descriptor number >= 3", "--root", "/", "--fd", "1")]
    [InlineData("--fd needs a file descriptor number >= 3", "--root", "/", "--fd", "abc")]
    [InlineData("is not a directory", "--root", "/nonexistent-dir", "--socket", "/tmp/x.sock")]
    [InlineData("expected HOST:GUEST[:ro]", "--root", "/", "--socket", "/tmp/x.sock", "--volume", "/tmp")]
    [InlineData("must be absolute", "--root", "/", "--socket", "/tmp/x.sock", "--volume", "tmp:/data")]
    [InlineData("every --volume needs its --volume-fd", "--root", "/", "--fd", "3", "--volume", "/tmp:/data")]
    [InlineData("--volume-fd must follow a --volume", "--root", "/", "--fd", "3", "--volume-fd", "4")]
    public void BadFlagsAreExplained(string expected, params string[] args)
    {
        var (code, err) = Run(args);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
    }

    [Fact]
    public void HelpWorks()
    {
        var (code, _) = Run("--help");
        Assert.Equal(0, code);
    }
}
