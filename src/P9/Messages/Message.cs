namespace Sandbox.P9;

/// <summary>
/// One 9P2000.L message body (the header's size and tag live outside it). Records compare by
/// value except payloads (<see cref="ReadOnlyMemory{T}"/>), which may alias the received frame.
/// </summary>
public abstract record Message
{
    public abstract MessageType Type { get; }
    public abstract void WriteBody(ref WireWriter w);
}
