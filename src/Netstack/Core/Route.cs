namespace Sandbox.Netstack;

/// <summary>Where packets to one destination go: the NIC, our source address and the next hop.</summary>
internal readonly record struct Route(Nic Nic, Address Local, Address Remote, Address NextHop);

/// <summary>One entry of the route table.</summary>
/// <remarks><paramref name="Static"/>: added by the application (RTPROT_BOOT), not derived from an address.</remarks>
public readonly record struct RouteEntry(Address Destination, int Prefix, Address Gateway, Nic Nic, bool Static = false);
