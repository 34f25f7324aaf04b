namespace Sandbox.Netstack;

/// <summary>TCP connection states (RFC 9293 section 3.3.2), numbered like Linux's TCP_* for TCP_INFO.</summary>
public enum TcpState : byte
{
    Established = 1, SynSent = 2, SynReceived = 3, FinWait1 = 4, FinWait2 = 5, TimeWait = 6,
    Closed = 7, CloseWait = 8, LastAck = 9, Listen = 10, Closing = 11,
}
