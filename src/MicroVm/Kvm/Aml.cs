using System.Buffers.Binary;
using System.Text;

namespace Sandbox.MicroVm.Kvm;

/// <summary>
/// The few ACPI Machine Language terms the DSDT needs (ACPI 6.x, chapter 20, and the resource
/// descriptors of 6.4): Scope(\_SB) holding one Device per virtio-mmio window, each with
/// _HID "LNRO0005", _UID and a _CRS of a Memory32Fixed window and an Extended Interrupt
/// (consumer, edge-triggered, active-high, exclusive: the ISA-style lines the devices have on
/// the command line too).
/// </summary>
internal static class Aml
{
    const byte ScopeOp = 0x10, NameOp = 0x08, BufferOp = 0x11, StringPrefix = 0x0d, BytePrefix = 0x0a, ExtOpPrefix = 0x5b, DeviceOp = 0x82;

    public static byte[] VirtioMmioDevices(IReadOnlyList<(ulong Base, int Irq)> devices)
    {
        if (devices.Count == 0) return [];
        if (devices.Count > 256) throw new ArgumentException("at most 256 virtio-mmio devices");
        var body = new List<byte>();
        body.AddRange([(byte)'\\', .. Encoding.ASCII.GetBytes("_SB_")]);
        for (int i = 0; i < devices.Count; i++) body.AddRange(Device($"VR{i:X2}", i, devices[i].Base, 0x1000, devices[i].Irq));
        return [ScopeOp, .. PkgLength(body.Count), .. body];
    }

    static byte[] Device(string name, int uid, ulong mmioBase, uint size, int gsi)
    {
        if (mmioBase > uint.MaxValue) throw new ArgumentException("a virtio-mmio window above 4 GiB needs a QWord descriptor");
        var crs = new byte[12 + 9 + 2];
        crs[0] = 0x86; crs[1] = 9;                                         // Memory32Fixed, 9 bytes
        crs[3] = 1;                                                        // read-write
        BinaryPrimitives.WriteUInt32LittleEndian(crs.AsSpan(4), (uint)mmioBase);
        BinaryPrimitives.WriteUInt32LittleEndian(crs.AsSpan(8), size);
        crs[12] = 0x89; crs[13] = 6;                                       // Extended Interrupt, 6 bytes
        crs[15] = 0b0011;                                                  // consumer, edge, active-high, exclusive
        crs[16] = 1;                                                       // one interrupt
        BinaryPrimitives.WriteUInt32LittleEndian(crs.AsSpan(17), (uint)gsi);
        crs[21] = 0x79;                                                    // End Tag; checksum 0 = not checked
        byte[] buffer = [BytePrefix, (byte)crs.Length, .. crs];
        var d = new List<byte>();
        d.AddRange(Encoding.ASCII.GetBytes(name));
        d.AddRange(Name("_HID", [StringPrefix, .. Encoding.ASCII.GetBytes("LNRO0005"), 0]));
        d.AddRange(Name("_UID", [BytePrefix, (byte)uid]));
        d.AddRange(Name("_CRS", [BufferOp, .. PkgLength(buffer.Length), .. buffer]));
        return [ExtOpPrefix, DeviceOp, .. PkgLength(d.Count), .. d];
    }

    static byte[] Name(string seg, byte[] value) => [NameOp, .. Encoding.ASCII.GetBytes(seg), .. value];

    /// <summary>PkgLength (20.2.4): the length of what follows plus its own bytes; one byte up to
    /// 63, else a lead byte with the count of following bytes (bits 7-6) and the low nibble,
    /// then the rest 8 bits at a time.</summary>
    public static byte[] PkgLength(int payload)
    {
        int n = payload + 1 <= 63 ? 1 : payload + 2 < 1 << 12 ? 2 : payload + 3 < 1 << 20 ? 3 : 4;
        int len = payload + n;
        if (n == 1) return [(byte)len];
        var b = new byte[n];
        b[0] = (byte)(((n - 1) << 6) | (len & 0xf));
        for (int i = 1; i < n; i++) b[i] = (byte)(len >> (4 + 8 * (i - 1)));
        return b;
    }
}
