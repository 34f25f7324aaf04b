using System.Net.Sockets;

namespace Sandbox.Shim.Runtime;

/// <summary>
/// A port-forward connection that is a socket (a Sentry pod's relay end, or a host-network
/// pod's port reached directly) seen as the relay process the port-forward server drives:
/// stdin is what the client sends, stdout what comes back, and the "exit" comes with the end
/// of the stream (status 0: a reset ends it as well; the protocol has no way to say more).
/// </summary>
internal sealed class SocketConnection : ExecProcess
{
    private readonly Socket _socket;
    private readonly TaskCompletionSource<int> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ReadSide _out;

    public SocketConnection(Socket socket)
    {
        _socket = socket;
        _out = new ReadSide(this);
    }

    public override Stream Stdout => _out;
    public override Stream Stderr { get; } = new MemoryStream(Array.Empty<byte>(), writable: false);

    public override async Task WriteStdinAsync(ReadOnlyMemory<byte> data)
    {
        try
        {
            while (data.Length > 0)
            {
                int n = await _socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
                data = data[n..];
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { throw new IOException(e.Message, e); }
    }

    public override Task CloseStdinAsync()
    {
        try { _socket.Shutdown(SocketShutdown.Send); }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        return Task.CompletedTask;
    }

    public override Task<int> WaitAsync(CancellationToken ct) => _ended.Task.WaitAsync(ct);

    public override void Kill()
    {
        try { _socket.Shutdown(SocketShutdown.Both); }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        _ended.TrySetResult(137);
    }

    public override void Dispose()
    {
        _ended.TrySetResult(0);
        _socket.Dispose();
    }

    /// <summary>The socket's incoming side; its end (or an error) is the connection's "exit".</summary>
    private sealed class ReadSide(SocketConnection c) : Util.ReadOnlyStream
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            int n;
            try { n = await c._socket.ReceiveAsync(buffer, SocketFlags.None, ct).ConfigureAwait(false); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { n = 0; }
            if (n == 0) c._ended.TrySetResult(0);
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();
    }
}
