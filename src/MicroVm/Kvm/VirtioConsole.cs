using Sandbox.MicroVm.VhostUser;

namespace Sandbox.MicroVm.Kvm;

/// <summary>virtio-console (one port, no multiport: the guest's /dev/hvc0) joined to a socket:
/// what the guest writes goes to the socket, what the socket delivers fills the guest's receive
/// buffers. The agent's protocol runs over it.</summary>
internal sealed unsafe class VirtioConsole : VirtioMmioDevice
{
    const int RxQ = 0, TxQ = 1;
    readonly int _fd;
    readonly Thread _reader;
    readonly Segment[] _segs = new Segment[64];
    volatile bool _stop;

    public VirtioConsole(ulong @base, int irq, int irqFd, GuestMemory memory, int socketFd) : base(@base, irq, irqFd, memory, 2)
    {
        _fd = socketFd;
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "virtio-console-rx" };
        _reader.Start();
    }

    protected override uint DeviceId => 3;

    protected override void Notified(int q)
    {
        if (q == TxQ) Transmit();
        else Monitor.PulseAll(Lock); // receive buffers were added
    }

    void Transmit()
    {
        var tx = Queues[TxQ];
        ushort old = tx.UsedIdx;
        do
        {
            while (tx.HasAvailable)
            {
                int n = tx.Pop(Memory, _segs, out ushort head);
                for (int i = 0; i < n; i++)
                    if (!_segs[i].Writable) WriteAll(_segs[i].Ptr, _segs[i].Len);
                tx.PushUsed(head, 0);
            }
        } while (tx.ArmAndRecheck());
        InterruptIfNeeded(tx, old);
    }

    void WriteAll(byte* p, uint len)
    {
        while (len > 0)
        {
            nint n = KvmApi.write(_fd, p, (nint)len);
            if (n < 0) { if (KvmApi.Errno == 4) continue; return; }
            p += n; len -= (uint)n;
        }
    }

    void ReadLoop()
    {
        var buf = new byte[64 << 10];
        while (!_stop)
        {
            nint got;
            fixed (byte* b = buf) got = KvmApi.read(_fd, b, buf.Length);
            if (got < 0 && KvmApi.Errno == 4) continue;
            if (got <= 0) return;
            int done = 0;
            lock (Lock)
            {
                while (done < got && !_stop)
                {
                    var rx = Queues[RxQ];
                    if (!rx.Ready || (!rx.HasAvailable && !rx.ArmAndRecheck())) { Monitor.Wait(Lock, 100); continue; }
                    ushort old = rx.UsedIdx;
                    int n = rx.Pop(Memory, _segs, out ushort head);
                    uint written = 0;
                    for (int i = 0; i < n && done < got; i++)
                    {
                        if (!_segs[i].Writable) continue;
                        int c = (int)Math.Min(_segs[i].Len, (uint)(got - done));
                        buf.AsSpan(done, c).CopyTo(new Span<byte>(_segs[i].Ptr, c));
                        done += c; written += (uint)c;
                    }
                    rx.PushUsed(head, written);
                    InterruptIfNeeded(rx, old);
                }
            }
        }
    }

    public void Stop()
    {
        _stop = true;
        lock (Lock) Monitor.PulseAll(Lock);
    }
}
