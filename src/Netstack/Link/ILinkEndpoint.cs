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
}
