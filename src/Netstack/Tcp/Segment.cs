namespace Sandbox.Netstack;

/// <summary>A received TCP segment, parsed (valid only during its delivery).</summary>
internal ref struct Segment
{
    public uint Seq, Ack;
    public TcpFlags Flags;
    public ushort Window;
    public ReadOnlySpan<byte> Data;
    public TcpOptions Options;

    public readonly bool Has(TcpFlags f) => (Flags & f) != 0;
    /// <summary>Sequence space the segment occupies: data plus one each for SYN and FIN.</summary>
    public readonly int SeqLength => Data.Length + (Has(TcpFlags.Syn) ? 1 : 0) + (Has(TcpFlags.Fin) ? 1 : 0);
}
