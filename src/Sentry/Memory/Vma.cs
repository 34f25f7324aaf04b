namespace Sandbox.Sentry.Memory;

/// <summary>
/// A range of the memory file that one or more VMAs map. Refs counts the VMA pieces (in any
/// address space) that use it; the range goes back to the file when the last one goes.
/// </summary>
public sealed class Backing
{
    public Backing(long offset, ulong length) { Offset = offset; Length = length; }

    public long Offset { get; }
    public ulong Length { get; }
    public int Refs;
    /// <summary>Mapped MAP_SHARED by more than one address space (after fork): pages stay until the last user goes.</summary>
    public bool SharedAcrossSpaces;
}

/// <summary>
/// A virtual memory area: [Start, End) of one address space, backed by the memory file range
/// starting at FileOffset (inside <see cref="Backing"/>).
/// </summary>
public sealed class Vma
{
    public ulong Start;
    public ulong End;
    public int Prot;
    public bool Shared;
    public bool GrowsDown;
    public long FileOffset;
    public required Backing Backing;
    /// <summary>What /proc/PID/maps shows: a path, "[heap]", "[stack]", or null.</summary>
    public string? Name;

    public ulong Length => End - Start;

    public Vma Clone() => (Vma)MemberwiseClone();

    public override string ToString() => $"{Start:x}-{End:x} prot={Prot} off={FileOffset:x} {Name}";
}
