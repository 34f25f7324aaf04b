namespace Sandbox.P9;

/// <summary>Makes NewFid an xattr fid whose Tread returns the value of Name (the name list when
/// Name is empty); Rxattrwalk carries its size.</summary>
public sealed record Txattrwalk(uint Fid, uint NewFid, string Name) : Message
{
    public override MessageType Type => MessageType.Txattrwalk;
    public override void WriteBody(ref WireWriter w) { w.U32(Fid); w.U32(NewFid); w.Str(Name); }
    internal static Txattrwalk Read(ref WireReader r) => new(r.U32(), r.U32(), r.Str());
}

public sealed record Rxattrwalk(ulong Size) : Message
{
    public override MessageType Type => MessageType.Rxattrwalk;
    public override void WriteBody(ref WireWriter w) => w.U64(Size);
    internal static Rxattrwalk Read(ref WireReader r) => new(r.U64());
}

/// <summary>Turns Fid into an xattr fid: Twrite fills the value, Tclunk sets it (setxattr flags).</summary>
public sealed record Txattrcreate(uint Fid, string Name, ulong AttrSize, uint Flags) : Message
{
    public override MessageType Type => MessageType.Txattrcreate;
    public override void WriteBody(ref WireWriter w) { w.U32(Fid); w.Str(Name); w.U64(AttrSize); w.U32(Flags); }
    internal static Txattrcreate Read(ref WireReader r) => new(r.U32(), r.Str(), r.U64(), r.U32());
}

public sealed record Rxattrcreate : Message
{
    public override MessageType Type => MessageType.Rxattrcreate;
    public override void WriteBody(ref WireWriter w) { }
}
