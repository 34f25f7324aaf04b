namespace Sandbox.P9;

/// <summary>A frame that breaks the protocol: bad size, truncated field, trailing bytes, bad string.</summary>
public sealed class P9FormatException(string message) : Exception(message);

/// <summary>The server answered Rlerror; <see cref="Errno"/> is the Linux errno.</summary>
public sealed class P9ErrorException(int errno, MessageType request)
    : Exception($"9P {request}: errno {errno} ({Sandbox.Linux.ErrnoText.Name(errno)})")
{
    public int Errno { get; } = errno;
    public MessageType Request { get; } = request;
}

/// <summary>The connection is gone (closed, protocol violation by the peer, or disposed).</summary>
public sealed class P9ConnectionException(string message, Exception? inner = null) : Exception(message, inner);
