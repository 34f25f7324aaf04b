using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Sandbox.MicroVm.Vm;

namespace Sandbox.MicroVm.Tests;

/// <summary>A VM whose virtio-net device is served by the C# vhost-user back-end, bridged to a
/// peer namespace: the pod network of TestNetwork.</summary>
public sealed class NetVmFixture : IAsyncLifetime
{
    public TestNetwork? Net { get; private set; }
    public VirtualMachine? Vm { get; private set; }
    public string? SkipReason { get; private set; }
    public readonly StringBuilder BackendLog = new();

    public async Task InitializeAsync()
    {
        SkipReason = VmFixture.MissingPrerequisite() ?? TestNetwork.Missing();
        if (SkipReason is not null) return;
        try { Net = new TestNetwork(); }
        catch (InvalidOperationException e)
        {
            // No bridge/veth/tun support in this kernel, for instance: say so, do not fail.
            SkipReason = $"cannot build the test network: {e.Message}";
            return;
        }
        Vm = await VirtualMachine.StartAsync(VmFixture.Options with
        {
            Network = new NetworkOptions { Netns = Net.PodPath, TapName = Net.Tap, GuestAddress = TestNetwork.GuestAddress + "/24", Gateway = TestNetwork.PeerAddress },
        });
    }

    public async Task DisposeAsync()
    {
        if (Vm is not null) await Vm.DisposeAsync();
        Net?.Dispose();
    }
}

public sealed class VhostUserNetTests(NetVmFixture f) : IClassFixture<NetVmFixture>
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    VirtualMachine Vm
    {
        get
        {
            Skip.If(f.SkipReason is not null, f.SkipReason);
            return f.Vm!;
        }
    }

    async Task<(int Code, string Out)> Sh(string script)
    {
        var o = new MemoryStream();
        var e = new MemoryStream();
        int code = await Vm.RunAsync(["/bin/busybox", "sh", "-c", script], stdout: o, stderr: e).WaitAsync(Timeout);
        return (code, Encoding.UTF8.GetString(o.ToArray()) + Encoding.UTF8.GetString(e.ToArray()));
    }

    [SkippableFact]
    public async Task TheAgentConfiguredTheInterfaceAndPingReachesThePeer()
    {
        var (code, output) = await Sh($"busybox ip -4 addr; busybox ip route; busybox ping -c 3 -W 10 {TestNetwork.PeerAddress}");
        Assert.True(code == 0, output);
        Assert.Contains($"inet {TestNetwork.GuestAddress}/24", output);
        Assert.Contains($"default via {TestNetwork.PeerAddress}", output);
        Assert.Contains("3 packets received", output);
        Assert.True(Vm.NetBackend!.TxFrames > 0 && Vm.NetBackend.RxFrames > 0);
    }

    [SkippableFact]
    public async Task ATcpTransferReachesThePeerIntactAndItsReplyComesBack()
    {
        using var listener = f.Net!.Listen(5001);
        var expected = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(1, 60000).Select(i => $"{i}\n")));
        var server = Task.Run(async () =>
        {
            using var c = await listener.AcceptAsync();
            var got = new MemoryStream();
            var buf = new byte[64 << 10];
            while (got.Length < expected.Length)
            {
                int n = await c.ReceiveAsync(buf, SocketFlags.None);
                if (n == 0) break;
                got.Write(buf, 0, n);
            }
            await c.SendAsync(Encoding.ASCII.GetBytes($"received {got.Length}\n"), SocketFlags.None);
            c.Shutdown(SocketShutdown.Both);
            return got.ToArray();
        });
        var (code, output) = await Sh($"busybox seq 1 60000 | busybox nc {TestNetwork.PeerAddress} 5001");
        var received = await server.WaitAsync(Timeout);
        Assert.Equal(SHA256.HashData(expected), SHA256.HashData(received));
        Assert.Contains($"received {expected.Length}", output);
        Assert.True(code == 0, output);
    }

    [SkippableFact]
    public async Task QemuReconnectsAfterTheBackendDropsTheConnection()
    {
        var backend = Vm.NetBackend!;
        int before = backend.Connections;
        backend.DropConnection();
        var deadline = DateTime.UtcNow + Timeout;
        while (backend.Connections == before && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.True(backend.Connections > before, "QEMU did not reconnect");
        var (code, output) = await Sh($"busybox ping -c 2 -W 10 {TestNetwork.PeerAddress}");
        Assert.True(code == 0, output);
    }
}
