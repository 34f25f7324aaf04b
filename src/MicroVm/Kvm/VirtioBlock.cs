using Microsoft.Win32.SafeHandles;
using Sandbox.MicroVm.VhostUser;

namespace Sandbox.MicroVm.Kvm;

/// <summary>virtio-blk over a host file (the rootfs image), read-only or not: requests are
/// served on the vCPU thread that kicks (a header, data buffers, a status byte).</summary>
internal sealed unsafe class VirtioBlock : VirtioMmioDevice
{
    const uint In = 0, Out = 1, GetId = 8;
    const byte Ok = 0, IoErr = 1, Unsupported = 2;
    const ulong FeatureRo = 1UL << 5;
    readonly SafeFileHandle _file;
    readonly ulong _sectors;
    readonly bool _readOnly;
    readonly Segment[] _segs = new Segment[130];

    public VirtioBlock(ulong @base, int irq, int irqFd, GuestMemory memory, string path, bool readOnly) : base(@base, irq, irqFd, memory, 1)
    {
        _readOnly = readOnly;
        _file = File.OpenHandle(path, FileMode.Open, readOnly ? FileAccess.Read : FileAccess.ReadWrite);
        _sectors = (ulong)RandomAccess.GetLength(_file) / 512;
    }

    protected override uint DeviceId => 2;
    protected override ulong DeviceFeatures => _readOnly ? FeatureRo : 0;
    // Config space: u64 capacity in 512-byte sectors.
    protected override byte ConfigByte(int offset) => offset < 8 ? (byte)(_sectors >> (8 * offset)) : (byte)0;

    protected override void Notified(int q)
    {
        var vq = Queues[0];
        ushort old = vq.UsedIdx;
        do
        {
            while (vq.HasAvailable)
            {
                int n = vq.Pop(Memory, _segs, out ushort head);
                uint written = n >= 2 ? Serve(_segs.AsSpan(0, n)) : 0;
                vq.PushUsed(head, written);
            }
        } while (vq.ArmAndRecheck());
        InterruptIfNeeded(vq, old);
    }

    /// <summary>One request; returns the bytes written into guest buffers (data + status).</summary>
    uint Serve(Span<Segment> segs)
    {
        var hdr = segs[0];
        var status = segs[^1];
        if (hdr.Len < 16 || hdr.Writable || !status.Writable || status.Len < 1) return 0;
        uint type = *(uint*)hdr.Ptr;
        ulong sector = *(ulong*)(hdr.Ptr + 8);
        var data = segs[1..^1];
        byte result = Ok;
        uint written = 0;
        long offset = (long)sector * 512;
        try
        {
            switch (type)
            {
                case In:
                    foreach (var d in data)
                    {
                        if (!d.Writable) { result = IoErr; break; }
                        int got = RandomAccess.Read(_file, new Span<byte>(d.Ptr, (int)d.Len), offset);
                        if (got < d.Len) new Span<byte>(d.Ptr + got, (int)d.Len - got).Clear();
                        offset += d.Len; written += d.Len;
                    }
                    break;
                case Out when _readOnly: result = IoErr; break;
                case Out:
                    foreach (var d in data)
                    {
                        RandomAccess.Write(_file, new ReadOnlySpan<byte>(d.Ptr, (int)d.Len), offset);
                        offset += d.Len;
                    }
                    break;
                case GetId:
                    if (data.Length > 0 && data[0].Writable)
                    {
                        var id = "sandbox-rootfs"u8;
                        int c = Math.Min(id.Length, (int)data[0].Len);
                        id[..c].CopyTo(new Span<byte>(data[0].Ptr, c));
                        written += (uint)c;
                    }
                    break;
                default: result = Unsupported; break;
            }
        }
        catch (IOException) { result = IoErr; }
        *status.Ptr = result;
        return written + 1;
    }

    public void Close() => _file.Dispose();
}
