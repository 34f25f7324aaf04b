namespace Sandbox.MicroVm.VhostUser;

/// <summary>One buffer of a descriptor chain, already translated to a host pointer.</summary>
internal unsafe struct Segment
{
    public byte* Ptr;
    public uint Len;
    public bool Writable;
}

/// <summary>A split virtqueue as the device side sees it: descriptor table, available ring
/// (the driver's), used ring (ours), with VIRTIO_RING_F_EVENT_IDX when negotiated. Pointers
/// are into the mapped guest memory; everything read from the guest is validated.</summary>
internal sealed unsafe class SplitQueue
{
    const ushort DescNext = 1, DescWrite = 2, DescIndirect = 4;
    const ushort AvailNoInterrupt = 1;

    public int Index { get; }
    public ushort Size;
    public ulong DescUser, AvailUser, UsedUser;
    public bool AddressesSet;
    public int KickFd = -1, CallFd = -1;
    public bool Enabled;
    public bool EventIdx;
    /// <summary>Next available-ring entry to consume (SET/GET_VRING_BASE).</summary>
    public ushort LastAvail;
    ushort _used;
    byte* _desc, _avail, _usedRing;

    public SplitQueue(int index) => Index = index;

    /// <summary>Started (addresses, size and kick known, rings inside guest memory) and enabled.</summary>
    public bool Ready => _desc != null && (KickFd >= 0 || InProcess) && Enabled;
    /// <summary>Notified by MMIO writes in this process (direct-KVM VMM), not by a kick eventfd.</summary>
    public bool InProcess;

    public ushort UsedIdx => _used;

    /// <summary>Translates the ring addresses; false (ring stays stopped) when they are not in guest memory.</summary>
    public bool Map(GuestMemory mem)
    {
        _desc = _avail = _usedRing = null;
        if (!AddressesSet || Size == 0) return false;
        var d = mem.FromUser(DescUser, 16UL * Size);
        var a = mem.FromUser(AvailUser, 6UL + 2UL * Size);
        var u = mem.FromUser(UsedUser, 6UL + 8UL * Size);
        if (d == null || a == null || u == null) return false;
        _desc = d; _avail = a; _usedRing = u;
        _used = Volatile.Read(ref *(ushort*)(u + 2));
        return true;
    }

    public void Unmap() => _desc = _avail = _usedRing = null;

    ushort AvailIdx => Volatile.Read(ref *(ushort*)(_avail + 2));

    public bool HasAvailable => AvailIdx != LastAvail;

    /// <summary>Takes the next chain: fills segs and returns their count, or -1 for a malformed
    /// chain (out of guest memory, a loop, indirect without the feature, too long), which the
    /// caller completes with length 0.</summary>
    public int Pop(GuestMemory mem, Span<Segment> segs, out ushort head)
    {
        ushort slot = (ushort)(LastAvail % Size);
        head = Volatile.Read(ref *(ushort*)(_avail + 4 + 2 * slot));
        LastAvail++;
        if (head >= Size) return -1;
        int n = 0;
        ushort i = head;
        while (true)
        {
            if (n == segs.Length || n == Size) return -1;
            byte* d = _desc + 16 * i;
            ulong addr = *(ulong*)d;
            uint len = *(uint*)(d + 8);
            ushort flags = *(ushort*)(d + 12), next = *(ushort*)(d + 14);
            if ((flags & DescIndirect) != 0) return -1;
            var p = mem.FromGuest(addr, len);
            if (p == null && len != 0) return -1;
            segs[n++] = new Segment { Ptr = p, Len = len, Writable = (flags & DescWrite) != 0 };
            if ((flags & DescNext) == 0) return n;
            if (next >= Size) return -1;
            i = next;
        }
    }

    /// <summary>Gives the last popped chain back (nothing could be done with it yet).</summary>
    public void Unpop() => LastAvail--;

    public void PushUsed(ushort head, uint len)
    {
        byte* e = _usedRing + 4 + 8 * (_used % Size);
        *(uint*)e = head;
        *(uint*)(e + 4) = len;
        _used++;
        Volatile.Write(ref *(ushort*)(_usedRing + 2), _used);
    }

    /// <summary>Asks the driver to kick for anything after what was consumed, then checks again
    /// (a buffer added meanwhile would otherwise be missed). True when more is available.</summary>
    public bool ArmAndRecheck()
    {
        if (EventIdx) Volatile.Write(ref *(ushort*)(_usedRing + 4 + 8 * Size), LastAvail);
        Interlocked.MemoryBarrier();
        return HasAvailable;
    }

    /// <summary>Interrupts the driver if it wants to hear about used entries [oldUsed, UsedIdx).</summary>
    public void NotifyIfNeeded(ushort oldUsed)
    {
        if (CallFd < 0 || !ShouldNotify(oldUsed)) return;
        ulong one = 1;
        Libc.write(CallFd, &one, 8);
    }

    /// <summary>Whether the driver wants an interrupt for used entries [oldUsed, UsedIdx).</summary>
    public bool ShouldNotify(ushort oldUsed)
    {
        if (oldUsed == _used) return false;
        Interlocked.MemoryBarrier();
        bool notify;
        if (EventIdx)
        {
            ushort usedEvent = Volatile.Read(ref *(ushort*)(_avail + 4 + 2 * Size));
            notify = (ushort)(_used - usedEvent - 1) < (ushort)(_used - oldUsed);
        }
        else notify = (Volatile.Read(ref *(ushort*)_avail) & AvailNoInterrupt) == 0;
        return notify;
    }

    public void CloseFds()
    {
        if (KickFd >= 0) Libc.close(KickFd);
        if (CallFd >= 0) Libc.close(CallFd);
        KickFd = CallFd = -1;
    }
}
