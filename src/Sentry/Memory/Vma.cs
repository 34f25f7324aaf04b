namespace Sandbox.Sentry.Memory;

/// <summary>
/// A virtual memory area: [Start, End) of one address space, backed by the memory file range
/// starting at FileOffset.
/// </summary>
public sealed class Vma
{
    public ulong Start;
    public ulong End;
    public int Prot;
    public bool Shared;
    public bool GrowsDown;
    public long FileOffset;
    /// <summary>What /proc/PID/maps shows: a path, "[heap]", "[stack]", or null.</summary>
    public string? Name;

    public ulong Length => End - Start;

    public Vma Clone() => (Vma)MemberwiseClone();

    public override string ToString() => $"{Start:x}-{End:x} prot={Prot} off={FileOffset:x} {Name}";
}
