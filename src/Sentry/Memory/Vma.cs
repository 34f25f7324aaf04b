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
    /// <summary>Changed only through AddRef/DecRef: after fork two address spaces, each under its own lock, share it.</summary>
    public int Refs;

    public void AddRef() => Interlocked.Increment(ref Refs);

    /// <summary>Drops one reference; true when it was the last.</summary>
    public bool DecRef() => Interlocked.Decrement(ref Refs) == 0;
    /// <summary>Mapped MAP_SHARED by more than one address space (after fork): pages stay until the last user goes.</summary>
    public bool SharedAcrossSpaces;
    /// <summary>Shared copy-on-write by address spaces after fork: no piece may zero its pages while others remain.</summary>
    public bool CowShared;
    /// <summary>The object whose memory this is when mappings of it are counted (a SysV segment): told of every piece that goes.</summary>
    public IBackingOwner? Owner;
    /// <summary>
    /// A host System V segment (IPC namespace "host") instead of a range of the memory file:
    /// offsets are within the segment, the Sentry reaches it at <see cref="HostView"/>, and
    /// the platform attaches the host segment itself.
    /// </summary>
    public int HostShmId = -1;
    public nint HostView;
    public bool IsHostShm => HostShmId >= 0;
}

/// <summary>Memory that counts its attachments (shm_nattch) and may have to go with the last.</summary>
public interface IBackingOwner
{
    /// <summary>Size in bytes as the owner sees it (shmdt's search limit).</summary>
    ulong Size { get; }
    /// <summary>A VMA piece of it was unmapped (munmap, shmdt, exec, exit); called under that address space's lock.</summary>
    void PieceDropped();
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
    /// <summary>What mprotect may grant (VM_MAY*): a read-only shmat attachment never becomes writable.</summary>
    public int MaxProt = Linux.Abi.Prot.READ | Linux.Abi.Prot.WRITE | Linux.Abi.Prot.EXEC;
    public bool Shared;
    public bool GrowsDown;
    /// <summary>
    /// Private memory whose backing a fork relative may still see: the platform maps it without
    /// write access, and the first write copies the touched chunk (<see cref="MemoryManager.HandleFault"/>).
    /// </summary>
    public bool Cow;
    public long FileOffset;
    public required Backing Backing;
    /// <summary>What /proc/PID/maps shows: a path, "[heap]", "[stack]", or null.</summary>
    public string? Name;

    public ulong Length => End - Start;

    /// <summary>The protection the platform gives it: copy-on-write pieces are not writable there.</summary>
    public int PlatformProt => Cow ? Prot & ~Linux.Abi.Prot.WRITE : Prot;

    public Vma Clone() => (Vma)MemberwiseClone();

    public override string ToString() => $"{Start:x}-{End:x} prot={Prot} off={FileOffset:x} {Name}";
}
