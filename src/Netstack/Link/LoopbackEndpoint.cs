namespace Sandbox.Netstack;

/// <summary>
/// The sandbox's own loopback (127.0.0.0/8, ::1). Frames are queued and handed back to the
/// stack when the current operation finishes, never re-entrantly.
/// </summary>
public sealed class LoopbackEndpoint : ILinkEndpoint
{
    private readonly Queue<(byte[] Buf, int Len)> _queue = new();

    public int Mtu { get; init; } = 65536;
    public MacAddress Mac => MacAddress.Zero;
    public bool NeedsResolution => false;

    public void Send(ReadOnlySpan<byte> frame)
    {
        var buf = System.Buffers.ArrayPool<byte>.Shared.Rent(frame.Length);
        frame.CopyTo(buf);
        _queue.Enqueue((buf, frame.Length));
    }

    internal bool TryDequeue(out byte[] buf, out int len)
    {
        if (_queue.TryDequeue(out var e)) { buf = e.Buf; len = e.Len; return true; }
        buf = null!; len = 0; return false;
    }
}
