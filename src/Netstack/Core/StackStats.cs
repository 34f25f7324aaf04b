namespace Sandbox.Netstack;

/// <summary>Counters a test or /proc/net/snmp can read.</summary>
public sealed class StackStats
{
    public long FramesIn, FramesOut, MalformedDropped, NotForUs, ChecksumErrors, InternalErrors;
    public long Ipv4In, Ipv6In, FragmentsIn, Reassembled, ReassemblyFailed, FragmentsOut;
    public long IcmpEchoReplies, IcmpUnreachSent;
    public long TcpSegmentsIn, TcpSegmentsOut, TcpRetransmits, TcpResetsSent, TcpFastRetransmits, TcpTimeouts, TcpLostRetransmits;
    public long UdpIn, UdpOut, UdpNoPort, UdpRcvbufErrors;
}
