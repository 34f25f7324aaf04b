namespace Sandbox.P9;

/// <summary>POSIX record lock: type[1] flags[4] start[8] length[8] proc_id[4] client_id[s].</summary>
public sealed record Tlock(uint Fid, byte LockType, uint Flags, ulong Start, ulong Length, uint ProcId, string ClientId) : Message
{
    public override MessageType Type => MessageType.Tlock;
    public override void WriteBody(ref WireWriter w) { w.U32(Fid); w.U8(LockType); w.U32(Flags); w.U64(Start); w.U64(Length); w.U32(ProcId); w.Str(ClientId); }
    internal static Tlock Read(ref WireReader r) => new(r.U32(), r.U8(), r.U32(), r.U64(), r.U64(), r.U32(), r.Str());
}

public sealed record Rlock(byte Status) : Message
{
    public override MessageType Type => MessageType.Rlock;
    public override void WriteBody(ref WireWriter w) => w.U8(Status);
    internal static Rlock Read(ref WireReader r) => new(r.U8());
}

public sealed record Tgetlock(uint Fid, byte LockType, ulong Start, ulong Length, uint ProcId, string ClientId) : Message
{
    public override MessageType Type => MessageType.Tgetlock;
    public override void WriteBody(ref WireWriter w) { w.U32(Fid); w.U8(LockType); w.U64(Start); w.U64(Length); w.U32(ProcId); w.Str(ClientId); }
    internal static Tgetlock Read(ref WireReader r) => new(r.U32(), r.U8(), r.U64(), r.U64(), r.U32(), r.Str());
}

public sealed record Rgetlock(byte LockType, ulong Start, ulong Length, uint ProcId, string ClientId) : Message
{
    public override MessageType Type => MessageType.Rgetlock;
    public override void WriteBody(ref WireWriter w) { w.U8(LockType); w.U64(Start); w.U64(Length); w.U32(ProcId); w.Str(ClientId); }
    internal static Rgetlock Read(ref WireReader r) => new(r.U8(), r.U64(), r.U64(), r.U32(), r.Str());
}
