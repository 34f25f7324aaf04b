namespace Sandbox.MicroVm.VhostUser;

/// <summary>The frames' path: one thread that waits on the queues' kick eventfds and the TAP,
/// moves TX chains to the TAP with writev and TAP frames into RX chains with readv, straight
/// between guest memory and the kernel (the 12-byte virtio-net header is the TAP's
/// IFF_VNET_HDR header). The control side changes state under Gate and then calls Wake.</summary>
internal sealed unsafe class NetDataPath : IDisposable
{
    public const int Rx = 0, Tx = 1;
    const int MaxSegs = 256, HeaderLen = 12;

    public readonly object Gate = new();
    public readonly SplitQueue[] Queues;
    public GuestMemory Memory = GuestMemory.Empty;
    public long TxFrames, RxFrames, BadChains;

    readonly int _port, _wake;
    readonly Thread _thread;
    volatile bool _stop;

    public NetDataPath(int portFd) : this(portFd, [new(Rx), new(Tx)], GuestMemory.Empty) { }

    /// <summary>Over queues set up elsewhere (the direct-KVM VMM's virtio-net: kicks by ioeventfd,
    /// calls by irqfd).</summary>
    public NetDataPath(int portFd, SplitQueue[] queues, GuestMemory memory)
    {
        _port = portFd;
        Queues = queues;
        Memory = memory;
        _wake = Libc.eventfd(0, Libc.O_CLOEXEC | Libc.O_NONBLOCK);
        if (_wake < 0) throw new IOException($"eventfd: {Libc.ErrText(Libc.Errno)}");
        _thread = new Thread(Loop) { IsBackground = true, Name = "vhost-user-net" };
        _thread.Start();
    }

    public void Wake()
    {
        ulong one = 1;
        Libc.write(_wake, &one, 8);
    }

    void Loop()
    {
        var fds = stackalloc Libc.PollFd[4];
        var segs = new Segment[MaxSegs];
        bool txKick = false, rxKick = false, portReady = false;
        while (!_stop)
        {
            int n = 0;
            lock (Gate)
            {
                var rx = Queues[Rx];
                var tx = Queues[Tx];
                if (tx.Ready) { if (txKick) Drain(tx.KickFd); ProcessTx(tx, segs); }
                bool rxWaiting = false;
                if (rx.Ready)
                {
                    if (rxKick) Drain(rx.KickFd);
                    rxWaiting = ProcessRx(rx, segs, portReady);
                }
                fds[n++] = new Libc.PollFd { Fd = _wake, Events = Libc.POLLIN };
                if (tx.Ready) fds[n++] = new Libc.PollFd { Fd = tx.KickFd, Events = Libc.POLLIN };
                if (rx.Ready) fds[n++] = new Libc.PollFd { Fd = rx.KickFd, Events = Libc.POLLIN };
                // Frames are only read from the TAP when the guest has buffers for them.
                if (rx.Ready && rxWaiting) fds[n++] = new Libc.PollFd { Fd = _port, Events = Libc.POLLIN };
            }
            txKick = rxKick = portReady = false;
            int r = Libc.poll(fds, (nuint)n, -1);
            if (r < 0) { if (Libc.Errno == Libc.EINTR) continue; Thread.Sleep(10); continue; }
            for (int i = 0; i < n; i++)
            {
                if (fds[i].REvents == 0) continue;
                if (fds[i].Fd == _wake) Drain(_wake);
                else if (fds[i].Fd == _port) portReady = true;
                else if (i > 0 && fds[i].Fd == Queues[Tx].KickFd) txKick = true;
                else rxKick = true;
            }
        }
    }

    static void Drain(int fd)
    {
        ulong v;
        Libc.read(fd, &v, 8);
    }

    void ProcessTx(SplitQueue q, Segment[] segs)
    {
        ushort old = q.UsedIdx;
        var iov = stackalloc Libc.IoVec[MaxSegs];
        do
        {
            while (q.HasAvailable)
            {
                int n = q.Pop(Memory, segs, out ushort head);
                int k = 0;
                for (int i = 0; i < n; i++)
                {
                    if (segs[i].Writable) { n = -1; break; }
                    if (segs[i].Len > 0) iov[k++] = new Libc.IoVec { Base = segs[i].Ptr, Len = segs[i].Len };
                }
                if (n < 0) BadChains++;
                else if (k > 0)
                {
                    // A full TAP queue drops the frame, as a NIC would.
                    Libc.writev(_port, iov, k);
                    TxFrames++;
                }
                q.PushUsed(head, 0);
            }
        } while (q.ArmAndRecheck());
        q.NotifyIfNeeded(old);
    }

    /// <summary>Fills RX chains from the TAP until it is empty (true: waiting for frames) or the
    /// guest has no buffers (false: waiting for its kick).</summary>
    bool ProcessRx(SplitQueue q, Segment[] segs, bool portReady)
    {
        ushort old = q.UsedIdx;
        var iov = stackalloc Libc.IoVec[MaxSegs];
        bool waitingForFrames = true;
        if (portReady)
        {
            while (true)
            {
                if (!q.HasAvailable && !q.ArmAndRecheck()) { waitingForFrames = false; break; }
                int n = q.Pop(Memory, segs, out ushort head);
                int k = 0;
                uint room = 0;
                for (int i = 0; i < n; i++)
                {
                    if (!segs[i].Writable) { n = -1; break; }
                    if (segs[i].Len > 0) { iov[k++] = new Libc.IoVec { Base = segs[i].Ptr, Len = segs[i].Len }; room += segs[i].Len; }
                }
                if (n < 0 || room < HeaderLen)
                {
                    BadChains++;
                    q.PushUsed(head, 0);
                    continue;
                }
                long got = Libc.readv(_port, iov, k);
                if (got <= 0) { q.Unpop(); break; }
                // num_buffers (the header's last field; the TAP leaves it alone): one buffer.
                WriteNumBuffers(iov, k);
                q.PushUsed(head, (uint)got);
                RxFrames++;
            }
        }
        else if (!q.HasAvailable && !q.ArmAndRecheck()) waitingForFrames = false;
        q.NotifyIfNeeded(old);
        return waitingForFrames;
    }

    static void WriteNumBuffers(Libc.IoVec* iov, int k)
    {
        SetByte(iov, k, 10, 1);
        SetByte(iov, k, 11, 0);
    }

    static void SetByte(Libc.IoVec* iov, int k, nuint pos, byte v)
    {
        for (int i = 0; i < k; i++)
        {
            if (pos < iov[i].Len) { ((byte*)iov[i].Base)[pos] = v; return; }
            pos -= iov[i].Len;
        }
    }

    public void Dispose()
    {
        _stop = true;
        Wake();
        _thread.Join(2000);
        Libc.close(_wake);
    }
}
