namespace Sandbox.MicroVm.VhostUser;

/// <summary>vhost-user front-end requests (the subset a net device uses; others are refused).</summary>
public enum Request : uint
{
    GetFeatures = 1, SetFeatures = 2, SetOwner = 3, ResetOwner = 4, SetMemTable = 5,
    SetLogBase = 6, SetLogFd = 7, SetVringNum = 8, SetVringAddr = 9, SetVringBase = 10,
    GetVringBase = 11, SetVringKick = 12, SetVringCall = 13, SetVringErr = 14,
    GetProtocolFeatures = 15, SetProtocolFeatures = 16, GetQueueNum = 17, SetVringEnable = 18,
}

/// <summary>Wire constants: a message is a 12-byte header (request, flags, payload size) and
/// the payload; file descriptors travel as SCM_RIGHTS with it.</summary>
public static class Wire
{
    public const int HeaderSize = 12;
    /// <summary>Largest payload accepted (SET_MEM_TABLE with 8 regions is 264 bytes).</summary>
    public const int MaxPayload = 4096;
    public const int MaxFds = 8;
    public const int MaxRegions = 8;
    public const uint Version = 1, VersionMask = 3, ReplyFlag = 1 << 2, NeedReplyFlag = 1 << 3;

    public const int VringIndexMask = 0xff;
    public const ulong VringNoFd = 1 << 8;

    // Device features (virtio) and the vhost-user one.
    public const int VIRTIO_NET_F_CSUM = 0, VIRTIO_NET_F_GUEST_CSUM = 1, VIRTIO_NET_F_GUEST_TSO4 = 7, VIRTIO_NET_F_GUEST_TSO6 = 8,
        VIRTIO_NET_F_HOST_TSO4 = 11, VIRTIO_NET_F_HOST_TSO6 = 12;
    public const int VIRTIO_NET_F_MRG_RXBUF = 15, VIRTIO_RING_F_EVENT_IDX = 29,
        VHOST_USER_F_PROTOCOL_FEATURES = 30, VIRTIO_F_VERSION_1 = 32;
    // Protocol features.
    public const int PROTOCOL_F_REPLY_ACK = 3;
}

/// <summary>A message the backend refuses; the connection is closed (the spec leaves the
/// front-end no way to resynchronise after a malformed message).</summary>
public sealed class VhostUserProtocolException(string message) : Exception(message);
