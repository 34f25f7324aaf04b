using System.Text;
using Xunit;

namespace Sandbox.Tests;

/// <summary>
/// `sandbox run --gofer`: the image comes from a confined Gofer over 9P (with donated fds for
/// reads) under the overlay; programs see the same as natively.
/// </summary>
public class GoferRootfsTests
{
    public static IEnumerable<object[]> Commands() => new[]
    {
        new object[] { new[] { "/bin/busybox", "cat", "/etc/os-release" } },
        new object[] { new[] { "/bin/sh", "-c", "ls -l /usr/bin | sort | head -20" } },
        new object[] { new[] { "/bin/sh", "-c", "find /usr/share/doc -name '*.gz' | wc -l" } },
        // More files than the Gofer filesystem keeps fids for (4096).
        new object[] { new[] { "/bin/sh", "-c", "find /usr/share/doc /usr/share/zoneinfo -xdev | wc -l" } },
        new object[] { new[] { "/usr/bin/python3", "-c", "import json, hashlib; print(json.dumps({'h': hashlib.sha256(open('/etc/passwd','rb').read()).hexdigest()}))" } },
        new object[] { new[] { "/bin/bash", "-c", "readlink /bin/sh; stat -c '%s %a %U' /etc/passwd; wc -c < /bin/busybox" } },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void SameAsNative(string[] command)
    {
        var n = SandboxProcess.Native(command[0], command[1..]);
        var s = SandboxProcess.SandboxCli(new[] { "run", "--gofer", "--" }.Concat(command).ToArray());
        var why = new StringBuilder();
        if (n.Exit != s.Exit) why.AppendLine($"exit status: native {n.Exit}, sandbox {s.Exit}");
        if (n.Stdout != s.Stdout) why.AppendLine($"stdout differs.\n--- native\n{n.Stdout}\n--- sandbox\n{s.Stdout}");
        Assert.True(why.Length == 0, $"{string.Join(' ', command)}:\n{why}--- sandbox stderr\n{s.Stderr}");
    }

    [Fact]
    public void WritesStayInTheOverlay()
    {
        string marker = $"/etc/sbx-gofer-{Guid.NewGuid():n}";
        var s = SandboxProcess.SandboxCli("run", "--gofer", "--", "/bin/sh", "-c", $"echo kept > {marker} && cat {marker} && rm /etc/passwd && test ! -e /etc/passwd && echo hidden");
        Assert.Equal("kept\nhidden\n", s.Stdout);
        Assert.False(File.Exists(marker));
        Assert.True(File.Exists("/etc/passwd"));
    }
}
