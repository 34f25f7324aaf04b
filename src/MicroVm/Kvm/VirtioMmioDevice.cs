using Sandbox.MicroVm.VhostUser;

namespace Sandbox.MicroVm.Kvm;

/// <summary>The virtio-mmio (version 2) transport of one device: its 4 KiB register window,
/// feature and queue set-up, status, and the interrupt (an irqfd on the in-kernel irqchip).
/// Subclasses are the devices; they see their queues as SplitQueues over guest RAM.</summary>
internal abstract unsafe class VirtioMmioDevice
{
    public const ulong WindowSize = 0x1000;
    const ulong VersionOne = 1UL << 32;

    public ulong Base { get; }
    public int Irq { get; }
    public readonly object Lock = new();
    protected readonly SplitQueue[] Queues;
    protected readonly GuestMemory Memory;
    readonly int _irqFd;
    uint _status, _devFeatSel, _drvFeatSel, _queueSel, _isr;
    ulong _driverFeatures;

    protected VirtioMmioDevice(ulong @base, int irq, int irqFd, GuestMemory memory, int queues)
    {
        Base = @base; Irq = irq; _irqFd = irqFd; Memory = memory;
        Queues = new SplitQueue[queues];
        for (int i = 0; i < queues; i++) Queues[i] = new SplitQueue(i) { InProcess = true, Size = 0 };
    }

    protected abstract uint DeviceId { get; }
    protected virtual ulong DeviceFeatures => 0;
    protected virtual byte ConfigByte(int offset) => 0;
    /// <summary>The driver kicked queue q (called on the vCPU thread, under Lock).</summary>
    protected abstract void Notified(int q);
    protected virtual void Activated() { }
    protected virtual void Resetting() { }
    /// <summary>Devices whose queues interrupt through the irqfd directly (NetDataPath) cannot set
    /// the status register first: it then always shows "used buffer" and the driver checks its queues.</summary>
    protected virtual bool InterruptsDirectly => false;
    protected ulong DriverFeatures => _driverFeatures;

    public bool Contains(ulong addr) => addr >= Base && addr < Base + WindowSize;

    /// <summary>Raises the used-buffer interrupt when the driver wants it.</summary>
    protected void InterruptIfNeeded(SplitQueue q, ushort oldUsed)
    {
        if (!q.ShouldNotify(oldUsed)) return;
        _isr |= 1;
        ulong one = 1;
        KvmApi.write(_irqFd, &one, 8);
    }

    public uint Read(ulong addr, int len)
    {
        ulong off = addr - Base;
        lock (Lock)
        {
            if (off >= 0x100)
            {
                uint v = 0;
                for (int i = 0; i < len; i++) v |= (uint)ConfigByte((int)(off - 0x100) + i) << (8 * i);
                return v;
            }
            var q = _queueSel < Queues.Length ? Queues[_queueSel] : null;
            return off switch
            {
                0x000 => 0x74726976,                               // "virt"
                0x004 => 2,                                        // version
                0x008 => DeviceId,
                0x00c => 0x554d4551,                               // vendor
                0x010 => _devFeatSel switch { 0 => (uint)Features, 1 => (uint)(Features >> 32), _ => 0 },
                0x034 => q is null ? 0u : 256u,                    // QueueNumMax
                0x044 => q is not null && q.Enabled ? 1u : 0u,     // QueueReady
                0x060 => InterruptsDirectly ? _isr | 1 : _isr,
                0x070 => _status,
                0x0fc => 0,                                        // ConfigGeneration
                _ => 0,
            };
        }
    }

    ulong Features => DeviceFeatures | VersionOne;

    public void Write(ulong addr, uint v)
    {
        ulong off = addr - Base;
        int notify = -1;
        lock (Lock)
        {
            var q = _queueSel < Queues.Length ? Queues[_queueSel] : null;
            switch (off)
            {
                case 0x014: _devFeatSel = v; break;
                case 0x020:
                    if (_drvFeatSel < 2) _driverFeatures = _drvFeatSel == 0 ? (_driverFeatures & ~0xffffffffUL) | v : (_driverFeatures & 0xffffffffUL) | (ulong)v << 32;
                    break;
                case 0x024: _drvFeatSel = v; break;
                case 0x030: _queueSel = v; break;
                case 0x038 when q is not null: if (v is > 0 and <= 256 && (v & (v - 1)) == 0) q.Size = (ushort)v; break;
                case 0x044 when q is not null:
                    if (v == 1)
                    {
                        q.AddressesSet = true;
                        q.EventIdx = (_driverFeatures & 1UL << 29) != 0;
                        q.Enabled = q.Map(Memory);
                    }
                    else { q.Enabled = false; q.Unmap(); }
                    break;
                case 0x050: notify = (int)v; break;
                case 0x064: _isr &= ~v; break;
                case 0x070:
                    _status = v;
                    if (v == 0) Reset();
                    else if ((v & 4) != 0) Activated();             // DRIVER_OK
                    break;
                case 0x080 when q is not null: q.DescUser = (q.DescUser & ~0xffffffffUL) | v; break;
                case 0x084 when q is not null: q.DescUser = (q.DescUser & 0xffffffffUL) | (ulong)v << 32; break;
                case 0x090 when q is not null: q.AvailUser = (q.AvailUser & ~0xffffffffUL) | v; break;
                case 0x094 when q is not null: q.AvailUser = (q.AvailUser & 0xffffffffUL) | (ulong)v << 32; break;
                case 0x0a0 when q is not null: q.UsedUser = (q.UsedUser & ~0xffffffffUL) | v; break;
                case 0x0a4 when q is not null: q.UsedUser = (q.UsedUser & 0xffffffffUL) | (ulong)v << 32; break;
            }
            if (notify >= 0 && notify < Queues.Length && Queues[notify].Ready) Notified(notify);
        }
    }

    void Reset()
    {
        Resetting();
        foreach (var q in Queues) { q.Enabled = false; q.Unmap(); q.AddressesSet = false; q.LastAvail = 0; q.Size = 0; }
        _isr = 0; _driverFeatures = 0;
    }
}
