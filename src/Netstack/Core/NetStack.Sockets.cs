namespace Sandbox.Netstack;

public sealed partial class NetStack
{
    /// <summary>A new UDP socket (AF_INET when <paramref name="v6"/> is false, else AF_INET6).</summary>
    public UdpEndpoint CreateUdp(bool v6 = false) => new(this, v6);

    /// <summary>A new TCP socket (AF_INET when <paramref name="v6"/> is false, else AF_INET6).</summary>
    public TcpEndpoint CreateTcp(bool v6 = false) => new(this, v6);

    /// <summary>A new ICMP socket: raw (SOCK_RAW) or a ping socket (SOCK_DGRAM), ICMPv6 when <paramref name="v6"/>.</summary>
    public IcmpEndpoint CreateIcmp(bool v6, bool raw) => new(this, v6, raw);
}
