namespace Sandbox.Sentry.Net.Unix;

/// <summary>
/// One send's worth of data in a receive queue (an skb): bytes, who sent them (charged to the
/// sender's SO_SNDBUF until read), the sender's name and credentials, and passed descriptors.
/// </summary>
internal sealed class UnixMessage
{
    public required byte[] Data;
    /// <summary>Bytes of a stream message already read.</summary>
    public int Offset;
    public required UnixSocket Sender;
    public UnixAddress? From;
    public Ucred Creds;
    public ControlMessages? Control;

    public int Left => Data.Length - Offset;
}
