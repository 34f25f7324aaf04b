using Sandbox.MicroVm.VhostUser;

namespace Sandbox.MicroVm.Kvm;

/// <summary>virtio-net in the direct-KVM VMM: the same data path as the vhost-user back-end
/// (NetDataPath between the queues and the pod's TAP, on its own thread), kicked by ioeventfds
/// KVM signals on QueueNotify writes, interrupting through the irqfd.</summary>
internal sealed unsafe class VirtioNet : VirtioMmioDevice
{
    const ulong Offered = 1UL << Wire.VIRTIO_RING_F_EVENT_IDX | 1UL << 5 /* MAC */ | 1UL << Wire.VIRTIO_NET_F_CSUM |
        1UL << Wire.VIRTIO_NET_F_GUEST_CSUM | 1UL << Wire.VIRTIO_NET_F_GUEST_TSO4 | 1UL << Wire.VIRTIO_NET_F_GUEST_TSO6 |
        1UL << Wire.VIRTIO_NET_F_HOST_TSO4 | 1UL << Wire.VIRTIO_NET_F_HOST_TSO6;
    readonly Tap _tap;
    readonly byte[] _mac;
    readonly int _irqFd;
    readonly int[] _kicks;
    NetDataPath? _path;

    public VirtioNet(ulong @base, int irq, int irqFd, GuestMemory memory, Tap tap, byte[] mac, int[] kickFds) : base(@base, irq, irqFd, memory, 2)
    {
        _tap = tap; _mac = mac; _irqFd = irqFd; _kicks = kickFds;
    }

    protected override uint DeviceId => 1;
    protected override ulong DeviceFeatures => Offered;
    protected override bool InterruptsDirectly => true;
    protected override byte ConfigByte(int offset) => offset < 6 ? _mac[offset] : (byte)0;

    protected override void Activated()
    {
        if (_path is not null) return;
        Tap.SetOffloads(_tap.Fd, DriverFeatures);
        for (int i = 0; i < 2; i++) { Queues[i].KickFd = _kicks[i]; Queues[i].CallFd = _irqFd; Queues[i].InProcess = false; }
        _path = new NetDataPath(_tap.Fd, Queues, Memory);
    }

    protected override void Resetting()
    {
        _path?.Dispose();
        _path = null;
        // The fds stay open (KVM and the VMM own them); the queues just forget them.
        foreach (var q in Queues) { q.KickFd = -1; q.CallFd = -1; q.InProcess = true; }
    }

    protected override void Notified(int q) => _path?.Wake();

    public long TxFrames => _path?.TxFrames ?? 0;
    public long RxFrames => _path?.RxFrames ?? 0;

    public void Close()
    {
        Resetting();
        _tap.Dispose();
    }
}
