using System.Diagnostics;
using Runtime.V1;
using Sandbox.Shim.Server;
using Sandbox.Shim.Tests.Support;

namespace Sandbox.Shim.Tests;

/// <summary>`sandbox cri` as a separate process: flags, serving, SIGTERM.</summary>
public class CliTests
{
    private static Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(CriHarness.SandboxDll);
        psi.ArgumentList.Add("cri");
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    [Fact]
    public async Task Serves_until_sigterm_and_removes_its_socket()
    {
        using var d = new TempDir();
        string sock = Path.Combine(d.Path, "cri.sock");
        using var p = Start("--socket", sock, "--state-dir", d.Sub("state"), "--image-dir", d.Sub("images"));
        var stderr = p.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!File.Exists(sock) && !p.HasExited && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.True(File.Exists(sock), "no socket; stderr: " + (p.HasExited ? await stderr : ""));

        using (var c = new CriClient(sock))
        {
            Assert.Equal("sandbox", (await c.Runtime.VersionAsync(new VersionRequest())).RuntimeName);
            Assert.Contains((await c.Runtime.StatusAsync(new StatusRequest())).RuntimeHandlers, h => h.Name == "sentry");
        }
        Assert.Equal(0, Sandbox.Shim.Util.NativeForTests.Kill(p.Id, 15));
        Assert.True(p.WaitForExit(15_000), "sandbox cri did not stop on SIGTERM");
        Assert.Equal(0, p.ExitCode);
        Assert.False(File.Exists(sock));
        Assert.Contains("serving runtime.v1", await stderr);
    }

    [Fact]
    public void Print_config_and_bad_flags()
    {
        using var d = new TempDir();
        string cfg = Path.Combine(d.Path, "c.json");
        File.WriteAllText(cfg, """{ "default_handler": "sentry-ptrace", "state_dir": "/x/state" }""");
        using var p = Start("--config", cfg, "--image-dir", "/x/images", "--print-config");
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        Assert.Contains("\"default_handler\": \"sentry-ptrace\"", output);
        Assert.Contains("\"image_dir\": \"/x/images\"", output);

        using var bad = Start("--bogus");
        string err = bad.StandardError.ReadToEnd();
        bad.WaitForExit();
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("unknown option '--bogus'", err);

        File.WriteAllText(cfg, """{ "default_handler": "nope" }""");
        using var badCfg = Start("--config", cfg);
        err = badCfg.StandardError.ReadToEnd();
        badCfg.WaitForExit();
        Assert.Equal(2, badCfg.ExitCode);
        Assert.Contains("default_handler 'nope'", err);
    }
}

/// <summary>`sandbox image pull` with its output not a terminal: one plain line per state change.</summary>
[Collection("registry")]
public class ImageCommandTests(RegistryFixture fx)
{
    private static (int Code, string Out, string Err) Sandbox(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(CriHarness.SandboxDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, err.GetAwaiter().GetResult());
    }

    [SkippableFact]
    public void Pull_prints_each_layers_states_then_the_image_id()
    {
        Skip.If(fx.Unavailable != null, fx.Unavailable);
        using var d = new TempDir();
        var (code, output, err) = Sandbox("image", "pull", "--image-dir", d.Sub("images"), fx.BusyboxRef);
        Assert.True(code == 0, $"exit {code}: {err}");
        Assert.DoesNotContain('\e', output);
        Assert.DoesNotContain('\r', output);
        var lines = output.TrimEnd('\n').Split('\n');
        Assert.Equal($"image {fx.BusyboxConfigDigest}", lines[^1]);
        foreach (var layer in fx.BusyboxLayerDigests)
        {
            var states = lines.Where(l => l.StartsWith(layer + ": ", StringComparison.Ordinal)).Select(l => l[(layer.Length + 2)..].Split(' ')[0]).ToList();
            // Downloading shows when the first bytes arrive; a state is printed once, in order.
            Assert.Equal(new[] { "waiting", "downloading", "downloaded", "unpacking", "unpacked" }, states);
        }
        Assert.Contains($"{fx.BusyboxLayerDigests[0]}: downloaded   ", output);

        // Again: the layers are there, nothing is unpacked; the image lists with its tag.
        (code, output, err) = Sandbox("image", "pull", "--image-dir", d.Sub("images"), fx.BusyboxRef);
        Assert.True(code == 0, $"exit {code}: {err}");
        Assert.Contains($"{fx.BusyboxLayerDigests[1]}: exists", output);
        Assert.DoesNotContain("unpacking", output);
        Assert.EndsWith($"image {fx.BusyboxConfigDigest}\n", output);
        (code, output, _) = Sandbox("image", "list", "--image-dir", d.Sub("images"));
        Assert.Equal(0, code);
        Assert.Equal($"{fx.BusyboxConfigDigest}  {fx.BusyboxRef}\n", output);

        (code, _, err) = Sandbox("image", "pull", "--image-dir", d.Sub("images"), $"{fx.Registry.Host}/nope:latest");
        Assert.Equal(1, code);
        Assert.Contains("not found", err);
    }
}
