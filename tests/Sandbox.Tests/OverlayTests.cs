using Xunit;

namespace Sandbox.Tests;

/// <summary>
/// The rootfs overlay: the program changes the image's tree freely, sees its own changes, and
/// the host directory behind it stays exactly as it was. (Not differential: natively these
/// writes would change the host.)
/// </summary>
public class OverlayTests
{
    private static SandboxProcess.Result Sh(string script) => SandboxProcess.SandboxCli("run", "--", "/bin/busybox", "sh", "-c", script);

    [Fact]
    public void ChangesShowInsideAndNeverReachTheImage()
    {
        string marker = $"/etc/sbx-overlay-{Guid.NewGuid():n}";
        var before = File.ReadAllText("/etc/passwd");
        var group = File.ReadAllText("/etc/group");
        var r = Sh($@"set -e
echo created > {marker}; cat {marker}
echo appended >> /etc/passwd; tail -n 1 /etc/passwd
rm /etc/group; test ! -e /etc/group && echo removed
echo back > /etc/group; cat /etc/group
mkdir -p /usr/sbx-new/a/b; echo deep > /usr/sbx-new/a/b/f; cat /usr/sbx-new/a/b/f
mv {marker} /usr/sbx-new/moved; cat /usr/sbx-new/moved; test ! -e {marker} && echo renamed
ln /usr/sbx-new/moved /usr/sbx-new/linked; cat /usr/sbx-new/linked
chmod 600 /etc/passwd; stat -c %a /etc/passwd
ls /usr/sbx-new | tr '\n' ' '; echo");
        Assert.True(r.Exit == 0, r.Stderr + r.Stdout);
        Assert.Equal("created\nappended\nremoved\nback\ndeep\ncreated\nrenamed\ncreated\n600\na linked moved \n", r.Stdout);
        Assert.False(File.Exists(marker));
        Assert.False(Directory.Exists("/usr/sbx-new"));
        Assert.Equal(before, File.ReadAllText("/etc/passwd"));
        Assert.Equal(group, File.ReadAllText("/etc/group"));
    }

    [Fact]
    public void RemovedImageDirectoryComesBackEmptyWhenRecreated()
    {
        var r = Sh(@"set -e
mkdir -p /var/sbx-probe-gone
d=/usr/share/common-licenses
test -d $d || d=/etc/default
n=$(ls $d | wc -l); test $n -gt 0 && echo has entries
rm -rf $d; test ! -e $d && echo gone
mkdir $d; ls -A $d | wc -l
touch $d/new; ls $d
rmdir /var/sbx-probe-gone 2>/dev/null; echo done");
        Assert.True(r.Exit == 0, r.Stderr + r.Stdout);
        Assert.Equal("has entries\ngone\n0\nnew\ndone\n", r.Stdout);
        Assert.True(Directory.Exists("/usr/share/common-licenses") || Directory.Exists("/etc/default"));
    }

    [Fact]
    public void ImageDirectoriesCannotBeRenamedButCopiesCan()
    {
        var r = Sh(@"mv /etc/default /etc/default2 2>&1 >/dev/null; test -d /etc/default2 && echo moved-by-copy; test ! -e /etc/default && echo old-gone");
        Assert.Equal("moved-by-copy\nold-gone\n", r.Stdout);
        Assert.True(Directory.Exists("/etc/default"));
        Assert.False(Directory.Exists("/etc/default2"));
    }

    [Fact]
    public void ReadOnlyVolumesShowHostDirectoriesInside()
    {
        var r = SandboxProcess.SandboxCli("run", "--volume", "/usr/share/doc:/mnt/sbx-docs:ro", "--volume", "/etc:/tmp/sbx-etc:ro", "--",
            "/bin/sh", "-c", "ls /mnt/sbx-docs | wc -l; cat /tmp/sbx-etc/passwd >/dev/null && echo under-tmp; touch /mnt/sbx-docs/x 2>/dev/null || echo read-only");
        Assert.Equal($"{Directory.GetFileSystemEntries("/usr/share/doc").Length}\nunder-tmp\nread-only\n", r.Stdout);
        Assert.False(Directory.Exists("/mnt/sbx-docs"));
    }

    [Theory]
    [InlineData("/no/such/dir:/x:ro", "is not a directory")]
    [InlineData("/etc:relative:ro", "GUEST absolute")]
    [InlineData("/etc:/x:rx", "mode must be ro or rw")]
    public void BadVolumesAreRefusedClearly(string volume, string why)
    {
        var r = SandboxProcess.SandboxCli("run", "--volume", volume, "--", "/bin/true");
        Assert.Equal(125, r.Exit);
        Assert.Contains(why, r.Stderr);
    }

    [Fact]
    public void ReadOnlyRootfsRefusesWritesButTmpStaysWritable()
    {
        var r = SandboxProcess.SandboxCli("run", "--read-only", "--", "/bin/sh", "-c", "touch /etc/sbx-x 2>/dev/null || echo refused; echo ok > /tmp/sbx-y && cat /tmp/sbx-y");
        Assert.Equal("refused\nok\n", r.Stdout);
    }

    /// <summary>sethostname(2) changes the sandbox's UTS name only (uname, /proc/sys/kernel/hostname), never the host's.</summary>
    [Fact]
    public void HostnameChangesStayInside()
    {
        string host = Environment.MachineName;
        var r = SandboxProcess.SandboxCli("run", "--", "/bin/sh", "-c", "hostname sbx-inside && hostname && cat /proc/sys/kernel/hostname && uname -n");
        // The sandbox starts with the caller's capabilities: CAP_SYS_ADMIN (bit 21) decides.
        string capEff = File.ReadLines("/proc/self/status").First(l => l.StartsWith("CapEff:"))[7..].Trim();
        bool sysAdmin = (Convert.ToUInt64(capEff, 16) & (1UL << 21)) != 0;
        Assert.Equal(sysAdmin ? "sbx-inside\nsbx-inside\nsbx-inside\n" : "", r.Stdout);
        Assert.Equal(host, Environment.MachineName);
    }
}
