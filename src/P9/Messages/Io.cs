namespace Sandbox.P9;

// Opening, reading, writing and releasing fids. Flags of Tlopen/Tlcreate are Linux open(2)
// flags (9P2000.L uses the x86-64 values).

public sealed record Tlopen(uint Fid, uint Flags) : Message
{
    public override MessageType Type => MessageType.Tlopen;
    public override void WriteBody(ref WireWriter w) { w.U32(Fid); w.U32(Flags); }
    internal static Tlopen Read(ref WireReader r) => new(r.U32(), r.U32());
}

public sealed record Rlopen(Qid Qid, uint Iounit) : Message
{
    public override MessageType Type => MessageType.Rlopen;
    public override void WriteBody(ref WireWriter w) { w.Qid(Qid); w.U32(Iounit); }
    internal static Rlopen Read(ref WireReader r) => new(r.Qid(), r.U32());
}

public sealed record Tlcreate(uint Fid, string Name, uint Flags, uint Mode, uint Gid) : Message
{
    public override MessageType Type => MessageType.Tlcreate;
    public override void WriteBody(ref WireWriter w) { w.U32(Fid); w.Str(Name); w.U32(Flags); w.U32(Mode); w.U32(Gid); }
    internal static Tlcreate Read(ref WireReader r) => new(r.U32(), r.Str(), r.U32(), r.U32(), r.U32());
}

public sealed record Rlcreate(Qid Qid, uint Iounit) : Message
{
    public override MessageType Type => MessageType.Rlcreate;
    public override void WriteBody(ref WireWriter w) { w.Qid(Qid); w.U32(Iounit); }
    internal static Rlcreate Read(ref WireReader r) => new(r.Qid(), r.U32());
}

public sealed record Tread(uint Fid, ulong Offset, uint Count) : Message
{
    public override MessageType Type => MessageType.Tread;
    public override void WriteBody(ref WireWriter w) { w.U32(Fid); w.U64(Offset); w.U32(Count); }
    internal static Tread Read(ref WireReader r) => new(r.U32(), r.U64(), r.U32());
}

/// <summary>count[4] data[count]. <see cref="Data"/> may alias the received frame.</summary>
public sealed record Rread(ReadOnlyMemory<byte> Data) : Message
{
    public override MessageType Type => MessageType.Rread;
    public override void WriteBody(ref WireWriter w) { w.U32((uint)Data.Length); w.Bytes(Data.Span); }
    internal static Rread Read(ref WireReader r, ReadOnlyMemory<byte> body)
    {
        int n = checked((int)Math.Min(r.U32(), int.MaxValue));
        int at = r.Position;
        r.Skip(n);
        return new(body.Slice(at, n));
    }
}

public sealed record Twrite(uint Fid, ulong Offset, ReadOnlyMemory<byte> Data) : Message
{
    public override MessageType Type => MessageType.Twrite;
    public override void WriteBody(ref WireWriter w) { w.U32(Fid); w.U64(Offset); w.U32((uint)Data.Length); w.Bytes(Data.Span); }
    internal static Twrite Read(ref WireReader r, ReadOnlyMemory<byte> body)
    {
        uint fid = r.U32(); ulong off = r.U64();
        int n = checked((int)Math.Min(r.U32(), int.MaxValue));
        int at = r.Position;
        r.Skip(n);
        return new(fid, off, body.Slice(at, n));
    }
}

public sealed record Rwrite(uint Count) : Message
{
    public override MessageType Type => MessageType.Rwrite;
    public override void WriteBody(ref WireWriter w) => w.U32(Count);
    internal static Rwrite Read(ref WireReader r) => new(r.U32());
}

public sealed record Tclunk(uint Fid) : Message
{
    public override MessageType Type => MessageType.Tclunk;
    public override void WriteBody(ref WireWriter w) => w.U32(Fid);
    internal static Tclunk Read(ref WireReader r) => new(r.U32());
}

public sealed record Rclunk : Message
{
    public override MessageType Type => MessageType.Rclunk;
    public override void WriteBody(ref WireWriter w) { }
}

public sealed record Tremove(uint Fid) : Message
{
    public override MessageType Type => MessageType.Tremove;
    public override void WriteBody(ref WireWriter w) => w.U32(Fid);
    internal static Tremove Read(ref WireReader r) => new(r.U32());
}

public sealed record Rremove : Message
{
    public override MessageType Type => MessageType.Rremove;
    public override void WriteBody(ref WireWriter w) { }
}

/// <summary>fid[4] datasync[4]. Linux's client sends datasync; the original 9P2000.L text has only
/// fid, so a frame without it decodes as datasync 0.</summary>
public sealed record Tfsync(uint Fid, uint Datasync) : Message
{
    public override MessageType Type => MessageType.Tfsync;
    public override void WriteBody(ref WireWriter w) { w.U32(Fid); w.U32(Datasync); }
    internal static Tfsync Read(ref WireReader r) { uint fid = r.U32(); return new(fid, r.Remaining == 0 ? 0 : r.U32()); }
}

public sealed record Rfsync : Message
{
    public override MessageType Type => MessageType.Rfsync;
    public override void WriteBody(ref WireWriter w) { }
}
