using System.Security.Cryptography;
using Sandbox.Linux;
using Xunit;

namespace Sandbox.Netstack.Tests;

/// <summary>Traffic inside one stack over 127.0.0.1 and ::1.</summary>
public class LoopbackTests
{
    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("::1", true)]
    [InlineData("10.0.0.1", false)] // our own address is routed over loopback too
    public void TcpTransferOverLoopback(string addr, bool v6)
    {
        var net = new TestNetwork();
        var s = net.A;
        var l = s.CreateTcp(v6);
        Assert.Equal(0, l.Bind(new SockAddr(Address.Parse(addr), 8080)));
        Assert.Equal(0, l.Listen(4));
        var c = s.CreateTcp(v6);
        Assert.Equal(-(int)Errno.EINPROGRESS, c.Connect(new SockAddr(Address.Parse(addr), 8080)));
        Assert.Equal(TcpState.Established, c.State); // loopback completes the handshake at once
        Assert.Equal(0, l.Accept(out var srv));
        Assert.Equal(v6 ? 65464 : 65483, c.GetInfoMss()); // MTU 65536 less headers and timestamps, as on Linux
        var data = RandomNumberGenerator.GetBytes(4 << 20);
        var got = new MemoryStream();
        int off = 0;
        var buf = new byte[100000];
        Assert.True(net.Run(() => got.Length == data.Length, () =>
        {
            while (off < data.Length && c.Send(data.AsSpan(off, Math.Min(70000, data.Length - off))) is > 0 and var n) off += n;
            int r;
            while ((r = srv!.Receive(buf)) > 0) got.Write(buf, 0, r);
        }, 10_000_000));
        Assert.Equal(data, got.ToArray());
    }

    [Fact]
    public void UdpOverLoopback()
    {
        var s = new NetStack(new ManualClock());
        s.AddLoopback();
        var a = s.CreateUdp(); var b = s.CreateUdp();
        Assert.Equal(0, b.Bind(new SockAddr(Address.LoopbackV4, 5353)));
        Assert.Equal(3, a.SendTo("abc"u8, new SockAddr(Address.LoopbackV4, 5353)));
        var buf = new byte[8];
        Assert.Equal(3, b.ReceiveFrom(buf, out var from));
        Assert.Equal(Address.LoopbackV4, from.Addr);
        Assert.Equal(a.LocalName.Port, from.Port);
    }

    [Fact]
    public void ConnectToUnusedLoopbackPortIsRefusedImmediately()
    {
        var s = new NetStack(new ManualClock());
        s.AddLoopback();
        var c = s.CreateTcp();
        c.Connect(new SockAddr(Address.LoopbackV4, 1));
        Assert.Equal(TcpState.Closed, c.State);
        Assert.Equal((int)Errno.ECONNREFUSED, c.TakeError());
    }
}

internal static class InfoExtensions
{
    public static int GetInfoMss(this TcpEndpoint e) { e.GetInfo(out var i); return (int)i.SndMss; }
}
