namespace Sandbox.Netstack;

public enum CongestionControl { NewReno, Cubic }

/// <summary>Stack-wide settings (the sysctls of net.ipv4.*).</summary>
public sealed class StackOptions
{
    public CongestionControl Congestion { get; set; } = CongestionControl.Cubic;
    public int DefaultTtl { get; set; } = 64;
    public int TcpSendBuffer { get; set; } = 4 << 20;
    public int TcpReceiveBuffer { get; set; } = 4 << 20;
    public int UdpReceiveBuffer { get; set; } = 208 * 1024;
    public long TimeWaitUs { get; set; } = 60_000_000;
    public long FinWait2TimeoutUs { get; set; } = 60_000_000;
    public long MinRtoUs { get; set; } = 200_000;
    public long MaxRtoUs { get; set; } = 120_000_000;
    public long InitialRtoUs { get; set; } = 1_000_000;
    public long DelayedAckUs { get; set; } = 40_000;
    public int SynRetries { get; set; } = 6;
    public int SynAckRetries { get; set; } = 5;
    public int Retries2 { get; set; } = 15;
    public int EphemeralLow { get; set; } = 32768;
    public int EphemeralHigh { get; set; } = 60999;
    public bool Sack { get; set; } = true;
    public bool Timestamps { get; set; } = true;
    public bool WindowScaling { get; set; } = true;
    /// <summary>Initial congestion window in segments (RFC 6928).</summary>
    public int InitialCwnd { get; set; } = 10;
    public int MaxReassemblyBytes { get; set; } = 4 << 20;
    public long ReassemblyTimeoutUs { get; set; } = 30_000_000;
}
