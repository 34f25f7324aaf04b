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
    public void ImageXattrsAreReadAndCopiedUp()
    {
        string dir = Path.Combine("/var/tmp", $"sbx-xattr-{Guid.NewGuid():n}");
        Directory.CreateDirectory(dir);
        try
        {
            string file = Path.Combine(dir, "f");
            File.WriteAllText(file, "data");
            var set = SandboxProcess.Run("/usr/bin/python3", new[] { "-c", $"import os; os.setxattr('{file}', 'user.sbx', b'v1')" });
            if (set.Exit != 0) return; // no user xattrs on this filesystem: nothing to compare
            // Read through the Gofer, then written (copy-up must keep the attribute).
            string script = $"import os; p = '{file}'; print(os.listxattr(p), os.getxattr(p, 'user.sbx'));" +
                "open(p, 'a').write('more'); print(os.getxattr(p, 'user.sbx'));" +
                "os.setxattr(p, 'user.two', b'2'); print(sorted(os.listxattr(p)))";
            var s = SandboxProcess.SandboxCli("run", "--gofer", "--", "/usr/bin/python3", "-c", script);
            Assert.True(s.Exit == 0, s.Stderr);
            Assert.Equal("['user.sbx'] b'v1'\nb'v1'\n['user.sbx', 'user.two']\n", s.Stdout);
            Assert.Equal("data", File.ReadAllText(file)); // the image is never written
        }
        finally { Directory.Delete(dir, true); }
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

/// <summary>After boot the Sentry has no view of the host's files: it pivots into an empty root.</summary>
public class SentryConfinementTests
{
    [Fact]
    public void SentryRootHoldsOnlyTheStub()
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { SandboxProcess.SandboxDll, "run", "--", "/bin/busybox", "sh", "-c", "echo started; sleep 30" }) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        try
        {
            // Its first output comes after boot, hence after confinement.
            Assert.Equal("started", p.StandardOutput.ReadLine());
            string root = $"/proc/{p.Id}/root";
            var entries = Directory.GetFileSystemEntries(root).Select(Path.GetFileName).ToArray();
            Assert.Equal(new[] { "sandbox-stub" }, entries);
            Assert.False(File.Exists(Path.Combine(root, "etc/passwd")));
            Assert.Equal("/", new FileInfo($"/proc/{p.Id}/cwd").LinkTarget);
            // Read-only, and no way back up.
            Assert.False(Directory.Exists(Path.Combine(root, "..", "etc")));
        }
        finally { p.Kill(entireProcessTree: true); p.WaitForExit(); }
    }

    [Fact]
    public void WithoutAGoferTheSentryIsNotConfined()
    {
        var r = SandboxProcess.SandboxCli("run", "--no-gofer", "--debug-log", "-", "--", "/bin/busybox", "true");
        Assert.Equal(0, r.Exit);
        Assert.Contains("the Sentry is not confined: --no-gofer", r.Stderr);
    }
}

/// <summary>--volume: host directories served by Gofers of their own, read-only or read-write.</summary>
public class VolumeTests : IDisposable
{
    private readonly string _dir = Path.Combine("/var/tmp", $"sbx-vol-{Guid.NewGuid():n}");

    public VolumeTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "sub"));
        File.WriteAllText(Path.Combine(_dir, "a"), "one\n");
    }

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void ReadWriteVolumeChangesReachTheHost()
    {
        var r = SandboxProcess.SandboxCli("run", "-v", $"{_dir}:/data", "--", "/bin/busybox", "sh", "-c",
            "cd /data && echo two >> a && cat a && echo new > b && mkdir d && ln -s b l && ln b hard && mv b c && chmod 600 c && " +
            "rm -r sub && stat -c '%s %a %h' c && truncate -s 2 c && rm hard && ls");
        Assert.True(r.Exit == 0, r.Stderr);
        Assert.Equal("one\ntwo\n4 600 2\na\nc\nd\nl\n", r.Stdout);
        Assert.Equal("one\ntwo\n", File.ReadAllText(Path.Combine(_dir, "a")));
        Assert.Equal("ne", File.ReadAllText(Path.Combine(_dir, "c")));
        Assert.Equal("b", new FileInfo(Path.Combine(_dir, "l")).LinkTarget);
        Assert.True(Directory.Exists(Path.Combine(_dir, "d")));
        Assert.False(Directory.Exists(Path.Combine(_dir, "sub")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "c")));
    }

    [Fact]
    public void SharedWritableMappingOfAVolumeFileIsEinvalAsOn9p()
    {
        var r = SandboxProcess.SandboxCli("run", "-v", $"{_dir}:/data", "--", "/usr/bin/python3", "-c",
            "import mmap, os\nfd = os.open('/data/a', os.O_RDWR)\n" +
            "try:\n    mmap.mmap(fd, 0)\nexcept OSError as e:\n    print(e.errno == 22)\n" +
            "print(mmap.mmap(fd, 0, flags=mmap.MAP_PRIVATE)[:3])");
        Assert.True(r.Exit == 0, r.Stderr);
        Assert.Equal("True\nb'one'\n", r.Stdout);
    }

    [Fact]
    public void ReadOnlyVolumeRefusesWrites()
    {
        var r = SandboxProcess.SandboxCli("run", "-v", $"{_dir}:/data:ro", "--", "/bin/busybox", "sh", "-c",
            "cat /data/a; echo x > /data/b 2>/dev/null || echo refused; rm /data/a 2>/dev/null || echo kept");
        Assert.Equal("one\nrefused\nkept\n", r.Stdout);
        Assert.False(File.Exists(Path.Combine(_dir, "b")));
    }

    [Fact]
    public void ReadWriteVolumeNeedsTheGofer()
    {
        var r = SandboxProcess.SandboxCli("run", "--no-gofer", "-v", $"{_dir}:/data", "--", "/bin/busybox", "true");
        Assert.Equal(125, r.Exit);
        Assert.Contains("read-write volumes are served by a Gofer", r.Stderr);
    }
}

/// <summary>--rootfs-writable: no overlay; the program's writes reach the rootfs directory through the Gofer.</summary>
public class WritableRootfsTests : IDisposable
{
    private readonly string _root = Path.Combine("/var/tmp", $"sbx-rootfs-{Guid.NewGuid():n}");

    public WritableRootfsTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "bin"));
        Directory.CreateDirectory(Path.Combine(_root, "etc"));
        Directory.CreateDirectory(Path.Combine(_root, "tmp"));
        File.Copy("/bin/busybox", Path.Combine(_root, "bin/busybox"));
        File.WriteAllText(Path.Combine(_root, "etc/f"), "orig\n");
    }

    public void Dispose() => Directory.Delete(_root, true);

    [Fact]
    public void WritesReachTheRootfsOnlyWhenAsked()
    {
        var overlay = SandboxProcess.SandboxCli("run", "--rootfs", _root, "--", "/bin/busybox", "sh", "-c", "echo changed > /etc/f && /bin/busybox cat /etc/f");
        Assert.True(overlay.Exit == 0, overlay.Stderr);
        Assert.Equal("changed\n", overlay.Stdout);
        Assert.Equal("orig\n", File.ReadAllText(Path.Combine(_root, "etc/f")));
        var direct = SandboxProcess.SandboxCli("run", "--rootfs", _root, "--rootfs-writable", "--", "/bin/busybox", "sh", "-c",
            "echo changed > /etc/f && /bin/busybox mkdir /new && echo y > /new/y && /bin/busybox cat /etc/f");
        Assert.True(direct.Exit == 0, direct.Stderr);
        Assert.Equal("changed\n", File.ReadAllText(Path.Combine(_root, "etc/f")));
        Assert.Equal("y\n", File.ReadAllText(Path.Combine(_root, "new/y")));
    }

    [Fact]
    public void TheHostRootIsNeverMadeWritable()
    {
        var r = SandboxProcess.SandboxCli("run", "--rootfs-writable", "--", "/bin/busybox", "true");
        Assert.Equal(125, r.Exit);
        Assert.Contains("refusing to let the program write the host's /", r.Stderr);
    }
}
