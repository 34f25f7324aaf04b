namespace Sandbox.MicroVm.Kvm;

/// <summary>The CMOS real-time clock at ports 0x70/0x71, read-only: the UTC time in BCD, never
/// "update in progress". Without it the kernel waits seconds for a clock that does not tick.</summary>
internal sealed class Cmos
{
    byte _index;

    public static bool Handles(ushort port) => port is 0x70 or 0x71;

    public void Write(ushort port, byte v)
    {
        if (port == 0x70) _index = (byte)(v & 0x7f);
    }

    public byte Read(ushort port)
    {
        if (port == 0x70) return _index;
        var t = DateTime.UtcNow;
        static byte Bcd(int v) => (byte)(((v / 10) << 4) | (v % 10));
        return _index switch
        {
            0x00 => Bcd(t.Second), 0x02 => Bcd(t.Minute), 0x04 => Bcd(t.Hour),
            0x06 => (byte)((int)t.DayOfWeek + 1), 0x07 => Bcd(t.Day), 0x08 => Bcd(t.Month), 0x09 => Bcd(t.Year % 100),
            0x32 => Bcd(t.Year / 100),
            0x0a => 0x26,            // divider on, 1024 Hz, no update in progress
            0x0b => 0x02,            // 24-hour, BCD
            0x0d => 0x80,            // battery good
            _ => 0,
        };
    }
}
