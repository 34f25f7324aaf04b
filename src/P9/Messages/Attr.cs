namespace Sandbox.P9;

public sealed record Tgetattr(uint Fid, ulong RequestMask) : Message
{
    public override MessageType Type => MessageType.Tgetattr;
    public override void WriteBody(ref WireWriter w) { w.U32(Fid); w.U64(RequestMask); }
    internal static Tgetattr Read(ref WireReader r) => new(r.U32(), r.U64());
}

/// <summary>The attributes of a file; <see cref="Valid"/> says which fields the server filled.</summary>
public sealed record Rgetattr : Message
{
    public ulong Valid { get; init; }
    public Qid Qid { get; init; }
    public uint Mode { get; init; }
    public uint Uid { get; init; }
    public uint Gid { get; init; }
    public ulong Nlink { get; init; }
    public ulong Rdev { get; init; }
    public ulong Size { get; init; }
    public ulong Blksize { get; init; }
    public ulong Blocks { get; init; }
    public ulong AtimeSec { get; init; }
    public ulong AtimeNsec { get; init; }
    public ulong MtimeSec { get; init; }
    public ulong MtimeNsec { get; init; }
    public ulong CtimeSec { get; init; }
    public ulong CtimeNsec { get; init; }
    public ulong BtimeSec { get; init; }
    public ulong BtimeNsec { get; init; }
    public ulong Gen { get; init; }
    public ulong DataVersion { get; init; }

    public override MessageType Type => MessageType.Rgetattr;
    public override void WriteBody(ref WireWriter w)
    {
        w.U64(Valid); w.Qid(Qid); w.U32(Mode); w.U32(Uid); w.U32(Gid); w.U64(Nlink); w.U64(Rdev);
        w.U64(Size); w.U64(Blksize); w.U64(Blocks); w.U64(AtimeSec); w.U64(AtimeNsec);
        w.U64(MtimeSec); w.U64(MtimeNsec); w.U64(CtimeSec); w.U64(CtimeNsec); w.U64(BtimeSec);
        w.U64(BtimeNsec); w.U64(Gen); w.U64(DataVersion);
    }
    internal static Rgetattr Read(ref WireReader r) => new()
    {
        Valid = r.U64(), Qid = r.Qid(), Mode = r.U32(), Uid = r.U32(), Gid = r.U32(), Nlink = r.U64(),
        Rdev = r.U64(), Size = r.U64(), Blksize = r.U64(), Blocks = r.U64(), AtimeSec = r.U64(),
        AtimeNsec = r.U64(), MtimeSec = r.U64(), MtimeNsec = r.U64(), CtimeSec = r.U64(),
        CtimeNsec = r.U64(), BtimeSec = r.U64(), BtimeNsec = r.U64(), Gen = r.U64(), DataVersion = r.U64(),
    };
}

/// <summary>Changes the attributes whose bits are set in <see cref="Valid"/> (P9.Setattr*).</summary>
public sealed record Tsetattr(uint Fid, uint Valid, uint Mode, uint Uid, uint Gid, ulong Size,
    ulong AtimeSec, ulong AtimeNsec, ulong MtimeSec, ulong MtimeNsec) : Message
{
    public override MessageType Type => MessageType.Tsetattr;
    public override void WriteBody(ref WireWriter w)
    {
        w.U32(Fid); w.U32(Valid); w.U32(Mode); w.U32(Uid); w.U32(Gid); w.U64(Size);
        w.U64(AtimeSec); w.U64(AtimeNsec); w.U64(MtimeSec); w.U64(MtimeNsec);
    }
    internal static Tsetattr Read(ref WireReader r)
        => new(r.U32(), r.U32(), r.U32(), r.U32(), r.U32(), r.U64(), r.U64(), r.U64(), r.U64(), r.U64());
}

public sealed record Rsetattr : Message
{
    public override MessageType Type => MessageType.Rsetattr;
    public override void WriteBody(ref WireWriter w) { }
}

public sealed record Tstatfs(uint Fid) : Message
{
    public override MessageType Type => MessageType.Tstatfs;
    public override void WriteBody(ref WireWriter w) => w.U32(Fid);
    internal static Tstatfs Read(ref WireReader r) => new(r.U32());
}

public sealed record Rstatfs(uint FsType, uint Bsize, ulong Blocks, ulong Bfree, ulong Bavail,
    ulong Files, ulong Ffree, ulong Fsid, uint Namelen) : Message
{
    public override MessageType Type => MessageType.Rstatfs;
    public override void WriteBody(ref WireWriter w)
    {
        w.U32(FsType); w.U32(Bsize); w.U64(Blocks); w.U64(Bfree); w.U64(Bavail);
        w.U64(Files); w.U64(Ffree); w.U64(Fsid); w.U32(Namelen);
    }
    internal static Rstatfs Read(ref WireReader r)
        => new(r.U32(), r.U32(), r.U64(), r.U64(), r.U64(), r.U64(), r.U64(), r.U64(), r.U32());
}
