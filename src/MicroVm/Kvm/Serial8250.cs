namespace Sandbox.MicroVm.Kvm;

/// <summary>The 8250 UART at 0x3f8 (COM1), output only: what the guest writes to THR goes to the
/// console sink; the registers read back as an idle UART whose transmitter is always empty.
/// Input and interrupts are not needed (the agent's channel is virtio).</summary>
internal sealed class Serial8250(Stream sink)
{
    public const ushort Base = 0x3f8;
    byte _lcr, _ier, _mcr, _scratch, _dll = 1, _dlm;

    public bool Handles(ushort port) => port >= Base && port < Base + 8;

    public void Write(ushort port, byte v)
    {
        bool dlab = (_lcr & 0x80) != 0;
        switch (port - Base)
        {
            case 0 when dlab: _dll = v; break;
            case 0: lock (sink) { sink.WriteByte(v); if (v == '\n') sink.Flush(); } break;
            case 1 when dlab: _dlm = v; break;
            case 1: _ier = (byte)(v & 0x0f); break;
            case 3: _lcr = v; break;
            case 4: _mcr = v; break;
            case 7: _scratch = v; break;
        }
    }

    public byte Read(ushort port)
    {
        bool dlab = (_lcr & 0x80) != 0;
        return (port - Base) switch
        {
            0 => dlab ? _dll : (byte)0,
            1 => dlab ? _dlm : _ier,
            2 => 0x01,                          // IIR: no interrupt pending
            3 => _lcr,
            4 => _mcr,
            5 => 0x60,                          // LSR: THR empty, transmitter idle
            6 => (byte)((_mcr & 0x10) != 0 ? 0xf0 : 0xb0), // MSR: DCD, DSR, CTS (loopback: all)
            7 => _scratch,
            _ => 0xff,
        };
    }
}
