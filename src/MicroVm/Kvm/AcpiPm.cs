namespace Sandbox.MicroVm.Kvm;

/// <summary>
/// The ACPI PM1a event and control register blocks the FADT names (ACPI 6.x, 4.8.3), which a
/// kernel running the full ACPI interpreter requires of a FADT that is not hardware-reduced
/// ("Required FADT field Pm1aEventBlock has zero address", then no interpreter and no DSDT).
/// No fixed event is ever raised: the status register reads 0, the enable register keeps what
/// is written, and the control register always says SCI_EN (the machine is in ACPI mode;
/// there is no SMI_CMD to switch it). Sleep requests (SLP_EN) are ignored: the guest stops
/// itself through reboot=t.
/// </summary>
internal sealed class AcpiPm
{
    public const ushort EventBlock = 0x600, ControlBlock = 0x604;
    public const byte EventLength = 4, ControlLength = 2;
    const ushort SciEn = 1;
    ushort _enable, _control = SciEn;

    public static bool Handles(ushort port) => port is >= EventBlock and < ControlBlock + ControlLength;

    /// <summary>One byte of the 16-bit registers (status, enable, control), so every access width works.</summary>
    public byte Read(ushort port) => port switch
    {
        EventBlock + 2 => (byte)_enable,
        EventBlock + 3 => (byte)(_enable >> 8),
        ControlBlock => (byte)(_control | SciEn),
        ControlBlock + 1 => (byte)(_control >> 8),
        _ => 0, // PM1_STS: nothing pending
    };

    public void Write(ushort port, byte v)
    {
        switch (port)
        {
            case EventBlock + 2: _enable = (ushort)((_enable & 0xff00) | v); break;
            case EventBlock + 3: _enable = (ushort)((_enable & 0x00ff) | v << 8); break;
            case ControlBlock: _control = (ushort)((_control & 0xff00) | v | SciEn); break;
            case ControlBlock + 1: _control = (ushort)((_control & 0x00ff) | (v & ~0x20) << 8); break; // SLP_EN (bit 13) reads 0
        }
    }
}
