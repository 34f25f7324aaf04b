using System.IO.Pipelines;

namespace Sandbox.Shim.Streaming;

/// <summary>One channel of a remotecommand session (stdin, stdout, stderr, error, resize),
/// whether it is a SPDY stream or a channel of a WebSocket.</summary>
internal interface IRemoteStream
{
    /// <summary>What the client sends on this channel; completed when it closes its side.</summary>
    Pipe Incoming { get; }
    Task WriteAsync(ReadOnlyMemory<byte> data);
    /// <summary>Ends the server's side of the channel (a no-op where the transport has no such thing).</summary>
    Task CloseAsync();
}
