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
}
