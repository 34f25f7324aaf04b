using System.Security.Cryptography;
using Sandbox.Linux;
using Xunit;

namespace Sandbox.Netstack.Tests;

/// <summary>One bulk transfer between two stacks: client writes pseudo-random data, server hashes what it reads.</summary>
internal sealed class Transfer
{
    private readonly TestNetwork _net;
    private readonly long _total;
    private readonly IncrementalHash _sent = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly IncrementalHash _got = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _chunk = new byte[65536];
    private readonly byte[] _rbuf = new byte[65536];
    private readonly Random _data = new(42);
    private long _written, _pendingOff, _pendingLen;
    public long Received;
    public bool Eof;
    public TcpEndpoint Client = null!, Server = null!, Listener = null!;

    public Transfer(TestNetwork net, long total) { _net = net; _total = total; }

    public void Start(bool v6 = false, ushort port = 5001)
    {
        Listener = _net.B.CreateTcp(v6);
        Assert.Equal(0, Listener.Bind(new SockAddr(v6 ? Address.AnyV6 : Address.AnyV4, port)));
        Assert.Equal(0, Listener.Listen(16));
        Client = _net.A.CreateTcp(v6);
        Assert.Equal(-(int)Errno.EINPROGRESS, Client.Connect(new SockAddr(v6 ? TestNetwork.Ip6B : TestNetwork.IpB, port)));
        Assert.True(_net.Run(() => Listener.AcceptQueueLength > 0 && Client.State == TcpState.Established, limitUs: 10_000_000));
        Assert.Equal(0, Listener.Accept(out var s));
        Server = s!;
    }

    public void Pump()
    {
        while (_written < _total)
        {
            if (_pendingLen == 0)
            {
                int n = (int)Math.Min(_chunk.Length, _total - _written);
                _data.NextBytes(_chunk.AsSpan(0, n));
                _sent.AppendData(_chunk, 0, n);
                _pendingOff = 0; _pendingLen = n;
            }
            int w = Client.Send(_chunk.AsSpan((int)_pendingOff, (int)_pendingLen));
            if (w <= 0) break;
            _pendingOff += w; _pendingLen -= w; _written += w;
            if (_written == _total) Client.Shutdown(read: false, write: true);
        }
        while (true)
        {
            int r = Server.Receive(_rbuf);
            if (r > 0) { _got.AppendData(_rbuf, 0, r); Received += r; continue; }
            if (r == 0) Eof = true;
            break;
        }
    }

    public void RunToEnd(long limitUs = 3_600_000_000)
    {
        bool ok = _net.Run(() => Eof, Pump, limitUs);
        Assert.True(ok, $"transfer stalled at {Received}/{_total} bytes, client {Client.State}, server {Server.State}");
        Assert.Equal(_total, Received);
        Assert.Equal(_sent.GetHashAndReset(), _got.GetHashAndReset());
    }
}
