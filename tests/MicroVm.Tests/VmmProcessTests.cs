using Sandbox.MicroVm.Kvm;
using Sandbox.MicroVm.Vm;

namespace Sandbox.MicroVm.Tests;

/// <summary>The direct-KVM VMM's own process, without KVM: the launcher's plumbing around it
/// (the spec on its command line, the agent socket it connects to, why it stopped) with a
/// stand-in program, and `sandbox microvm vmm`'s refusal of bad arguments.</summary>
public sealed class VmmProcessTests
{
    static readonly string Python = "/usr/bin/python3";

    static VmmServer.Spec SpecIn(string dir) => new("/k/vmlinux", "/k/initrd", "console=ttyS0 quiet", 256, 2, Path.Combine(dir, "console.log"),
        Path.Combine(dir, "agent.sock"), null, "tap0", "/var/run/netns/pod", "52:54:00:12:34:56");

    [Fact]
    public void TheSpecRoundTripsThroughItsArguments()
    {
        var s = SpecIn("/run/x");
        Assert.Equal(s, VmmServer.Spec.Parse(s.ToArgs().ToList()));
        var bare = s with { Tap = null, Netns = null, Mac = null, RootImage = "/run/x/rootfs.ext4" };
        Assert.Equal(bare, VmmServer.Spec.Parse(bare.ToArgs().ToList()));
    }

    [Theory]
    [InlineData("--kernel k --initrd i --memory 256 --cpus 1 --console c", "--agent-socket is required")]
    [InlineData("--kernel k --initrd i --memory lots --cpus 1 --console c --agent-socket a", "--memory 'lots' is not a number")]
    [InlineData("--kernel k --bogus 1", "unknown option '--bogus'")]
    [InlineData("--kernel", "--kernel needs a value")]
    public void BadArgumentsAreRefusedByName(string args, string why)
    {
        var e = Assert.Throws<ArgumentException>(() => VmmServer.Spec.Parse(args.Split(' ')));
        Assert.Equal(why, e.Message);
    }

    [Fact]
    public async Task TheLauncherTakesTheVmmsConnectionAndItsLastWord()
    {
        Assert.True(File.Exists(Python), "python3 is not installed");
        var dir = Directory.CreateTempSubdirectory("vmmproc").FullName;
        try
        {
            var spec = SpecIn(dir);
            // A stand-in VMM: connects where --agent-socket says, echoes one line, says why it stopped.
            const string fake = "import socket,sys; a=sys.argv; p=a[a.index('--agent-socket')+1]; s=socket.socket(socket.AF_UNIX); s.connect(p); " +
                "s.sendall(s.recv(100).upper()); s.close(); print('booting', file=sys.stderr); print('vmm: stopped: shutdown', file=sys.stderr)";
            using var vmm = await VmmProcess.StartAsync([Python, "-c", fake], spec, CancellationToken.None);
            using var agent = new System.Net.Sockets.NetworkStream(vmm.Agent, ownsSocket: false);
            await agent.WriteAsync("hello"u8.ToArray());
            var buf = new byte[5];
            await agent.ReadExactlyAsync(buf);
            Assert.Equal("HELLO", System.Text.Encoding.ASCII.GetString(buf));
            Assert.Equal("shutdown", await vmm.Exited.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.False(File.Exists(spec.AgentSocket), "the agent socket is left behind");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task AVmmThatFailsBeforeConnectingSaysWhy()
    {
        Assert.True(File.Exists(Python), "python3 is not installed");
        var dir = Directory.CreateTempSubdirectory("vmmproc").FullName;
        try
        {
            var e = await Assert.ThrowsAsync<IOException>(() => VmmProcess.StartAsync(
                [Python, "-c", "import sys; print('vmm: /dev/kvm: No such file or directory', file=sys.stderr); sys.exit(1)"], SpecIn(dir), CancellationToken.None));
            Assert.Equal("the VMM process exited with status 1 before connecting: vmm: /dev/kvm: No such file or directory", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TheVmmsOwnExecutableTakesTheOptionsDirectly()
    {
        Assert.Equal(["/opt/sandbox/sandbox-vmm"], HostSystem.VmmCommand("/opt/sandbox/sandbox-vmm"));
        Assert.Equal(["/opt/sandbox/sandbox", "microvm", "vmm"], HostSystem.VmmCommand("/opt/sandbox/sandbox"));
    }

    [Fact]
    public void TheAgentSocketAddressIsASockaddrUn()
    {
        var sa = new byte[VmmServer.SockaddrUnLength];
        Assert.Equal(2 + 8 + 1, VmmServer.SockaddrUn("/run/a.s", sa));
        Assert.Equal([1, 0, .. "/run/a.s"u8.ToArray(), 0], sa[..11]);
        Assert.Equal(-1, VmmServer.SockaddrUn("/" + new string('x', 107), sa));
        Assert.Equal(2 + 107 + 1, VmmServer.SockaddrUn("/" + new string('x', 106), sa));
        Assert.Equal(-1, VmmServer.SockaddrUn("", sa));
    }

    [Fact]
    public async Task TheVmmConnectsToTheAgentSocketBeforeItBoots()
    {
        var dir = Directory.CreateTempSubdirectory("vmmproc").FullName;
        try
        {
            var spec = SpecIn(dir) with { Kernel = Path.Combine(dir, "no-vmlinux"), Tap = null, Netns = null, Mac = null };
            using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
            listener.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(spec.AgentSocket));
            listener.Listen(1);
            var accept = listener.AcceptAsync();
            // No KVM here, or no kernel where there is: the VMM connects, then fails and says so.
            Assert.Equal(1, await Task.Run(() => VmmServer.Run(spec.ToArgs().ToList())).WaitAsync(TimeSpan.FromSeconds(30)));
            using var conn = await accept.WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Equal(0, conn.Receive(new byte[1])); // closed by the VMM on its way out
        }
        finally { Directory.Delete(dir, true); }
    }
}
