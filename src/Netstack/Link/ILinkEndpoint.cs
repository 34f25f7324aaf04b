namespace Sandbox.Netstack;

/// <summary>
/// A link the stack sends Ethernet frames on and receives them from. Receiving is push-based:
/// whoever owns the link (a dispatcher thread, a test network) calls
/// <see cref="NetStack.DeliverFrame"/> with the NIC the link is attached to.
/// </summary>
public interface ILinkEndpoint
{
    /// <summary>Largest IP packet the link carries (without the Ethernet header).</summary>
    int Mtu { get; }

    /// <summary>The link's hardware address; zero for loopback.</summary>
    MacAddress Mac { get; }

    /// <summary>False for loopback: no ARP/NDP, every frame comes straight back.</summary>
    bool NeedsResolution { get; }

    /// <summary>Sends one frame (Ethernet header included). The span is only valid during the call.</summary>
    void Send(ReadOnlySpan<byte> frame);

    /// <summary>
    /// Largest frame the link takes with TCP segmentation offload (0: none). Such a frame holds
    /// one TCP segment larger than the MTU with a partial checksum; the host cuts it up.
    /// </summary>
    int GsoMaxSize => 0;

    /// <summary>Sends a TCP super-segment for the host to segment (only when <see cref="GsoMaxSize"/> allows).</summary>
    void SendGso(ReadOnlySpan<byte> frame, in GsoRequest gso) => Send(frame);

    /// <summary>Pushes out frames the link batched; the stack calls it when an operation is done.</summary>
    void Flush() { }

    /// <summary>
    /// The offload header (struct virtio_net_hdr) that came with the frame this link is delivering
    /// now; empty when the link has none. Only valid during <see cref="NetStack.DeliverFrame"/>.
    /// </summary>
    ReadOnlySpan<byte> ReceivedOffload => default;

    /// <summary>
    /// Sends a frame another link received (a bridge forwarding it) with that link's offload
    /// header: a super-segment or a partial checksum stays one for the host to finish.
    /// </summary>
    void SendForwarded(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> offload) => Send(frame);
}

/// <summary>How to cut a TCP super-segment: MSS, where the TCP header starts, all headers' length.</summary>
public readonly record struct GsoRequest(int SegmentSize, int TransportOffset, int HeaderLength, bool V6);
