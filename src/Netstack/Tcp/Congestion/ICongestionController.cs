namespace Sandbox.Netstack;

/// <summary>A TCP congestion controller; windows are in bytes.</summary>
internal interface ICongestionController
{
    string Name { get; }
    int Cwnd { get; set; }
    int Ssthresh { get; set; }
    /// <summary>New data acknowledged outside loss recovery.</summary>
    void OnAck(int ackedBytes, int mss, long now, long srttUs);
    /// <summary>Loss detected by duplicate ACKs/SACK: returns the new ssthresh.</summary>
    void OnLoss(int flightBytes, int mss, long now);
    /// <summary>Retransmission timeout.</summary>
    void OnTimeout(int flightBytes, int mss, long now);
}
