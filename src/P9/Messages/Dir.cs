namespace Sandbox.P9;

public sealed record Treaddir(uint Fid, ulong Offset, uint Count) : Message
{
    public override MessageType Type => MessageType.Treaddir;
    public override void WriteBody(ref WireWriter w) { w.U32(Fid); w.U64(Offset); w.U32(Count); }
    internal static Treaddir Read(ref WireReader r) => new(r.U32(), r.U64(), r.U32());
}

/// <summary>count[4] data[count]: packed <see cref="DirEntry"/>s (parse with <see cref="DirEntry.Parse"/>).</summary>
public sealed record Rreaddir(ReadOnlyMemory<byte> Data) : Message
{
    public override MessageType Type => MessageType.Rreaddir;
    public override void WriteBody(ref WireWriter w) { w.U32((uint)Data.Length); w.Bytes(Data.Span); }
    internal static Rreaddir Read(ref WireReader r, ReadOnlyMemory<byte> body)
    {
        int n = (int)Math.Min(r.U32(), int.MaxValue);
        int at = r.Position;
        r.Skip(n);
        return new(body.Slice(at, n));
    }
}

/// <summary>One directory entry of Rreaddir: qid[13] offset[8] type[1] name[s]. <see cref="Offset"/>
/// is the cookie to pass to the next Treaddir; <see cref="DType"/> is a dirent d_type.</summary>
public readonly record struct DirEntry(Qid Qid, ulong Offset, byte DType, string Name)
{
    public int WireSize => Qid.Size + 8 + 1 + 2 + System.Text.Encoding.UTF8.GetByteCount(Name);

    public void Write(ref WireWriter w) { w.Qid(Qid); w.U64(Offset); w.U8(DType); w.Str(Name); }

    /// <summary>Parses Rreaddir data; throws <see cref="P9FormatException"/> on a truncated entry.</summary>
    public static List<DirEntry> Parse(ReadOnlySpan<byte> data)
    {
        var list = new List<DirEntry>();
        var r = new WireReader(data);
        while (r.Remaining > 0) list.Add(new DirEntry(r.Qid(), r.U64(), r.U8(), r.Str()));
        return list;
    }
}

public sealed record Tmkdir(uint DirFid, string Name, uint Mode, uint Gid) : Message
{
    public override MessageType Type => MessageType.Tmkdir;
    public override void WriteBody(ref WireWriter w) { w.U32(DirFid); w.Str(Name); w.U32(Mode); w.U32(Gid); }
    internal static Tmkdir Read(ref WireReader r) => new(r.U32(), r.Str(), r.U32(), r.U32());
}

public sealed record Rmkdir(Qid Qid) : Message
{
    public override MessageType Type => MessageType.Rmkdir;
    public override void WriteBody(ref WireWriter w) => w.Qid(Qid);
    internal static Rmkdir Read(ref WireReader r) => new(r.Qid());
}

public sealed record Tmknod(uint DirFid, string Name, uint Mode, uint Major, uint Minor, uint Gid) : Message
{
    public override MessageType Type => MessageType.Tmknod;
    public override void WriteBody(ref WireWriter w) { w.U32(DirFid); w.Str(Name); w.U32(Mode); w.U32(Major); w.U32(Minor); w.U32(Gid); }
    internal static Tmknod Read(ref WireReader r) => new(r.U32(), r.Str(), r.U32(), r.U32(), r.U32(), r.U32());
}

public sealed record Rmknod(Qid Qid) : Message
{
    public override MessageType Type => MessageType.Rmknod;
    public override void WriteBody(ref WireWriter w) => w.Qid(Qid);
    internal static Rmknod Read(ref WireReader r) => new(r.Qid());
}

public sealed record Tsymlink(uint Fid, string Name, string Target, uint Gid) : Message
{
    public override MessageType Type => MessageType.Tsymlink;
    public override void WriteBody(ref WireWriter w) { w.U32(Fid); w.Str(Name); w.Str(Target); w.U32(Gid); }
    internal static Tsymlink Read(ref WireReader r) => new(r.U32(), r.Str(), r.Str(), r.U32());
}

public sealed record Rsymlink(Qid Qid) : Message
{
    public override MessageType Type => MessageType.Rsymlink;
    public override void WriteBody(ref WireWriter w) => w.Qid(Qid);
    internal static Rsymlink Read(ref WireReader r) => new(r.Qid());
}

public sealed record Tlink(uint DirFid, uint Fid, string Name) : Message
{
    public override MessageType Type => MessageType.Tlink;
    public override void WriteBody(ref WireWriter w) { w.U32(DirFid); w.U32(Fid); w.Str(Name); }
    internal static Tlink Read(ref WireReader r) => new(r.U32(), r.U32(), r.Str());
}

public sealed record Rlink : Message
{
    public override MessageType Type => MessageType.Rlink;
    public override void WriteBody(ref WireWriter w) { }
}

public sealed record Treadlink(uint Fid) : Message
{
    public override MessageType Type => MessageType.Treadlink;
    public override void WriteBody(ref WireWriter w) => w.U32(Fid);
    internal static Treadlink Read(ref WireReader r) => new(r.U32());
}

public sealed record Rreadlink(string Target) : Message
{
    public override MessageType Type => MessageType.Rreadlink;
    public override void WriteBody(ref WireWriter w) => w.Str(Target);
    internal static Rreadlink Read(ref WireReader r) => new(r.Str());
}

/// <summary>The older rename (fid moves into dfid under name); Trenameat supersedes it.</summary>
public sealed record Trename(uint Fid, uint DirFid, string Name) : Message
{
    public override MessageType Type => MessageType.Trename;
    public override void WriteBody(ref WireWriter w) { w.U32(Fid); w.U32(DirFid); w.Str(Name); }
    internal static Trename Read(ref WireReader r) => new(r.U32(), r.U32(), r.Str());
}

public sealed record Rrename : Message
{
    public override MessageType Type => MessageType.Rrename;
    public override void WriteBody(ref WireWriter w) { }
}

public sealed record Trenameat(uint OldDirFid, string OldName, uint NewDirFid, string NewName) : Message
{
    public override MessageType Type => MessageType.Trenameat;
    public override void WriteBody(ref WireWriter w) { w.U32(OldDirFid); w.Str(OldName); w.U32(NewDirFid); w.Str(NewName); }
    internal static Trenameat Read(ref WireReader r) => new(r.U32(), r.Str(), r.U32(), r.Str());
}

public sealed record Rrenameat : Message
{
    public override MessageType Type => MessageType.Rrenameat;
    public override void WriteBody(ref WireWriter w) { }
}

public sealed record Tunlinkat(uint DirFid, string Name, uint Flags) : Message
{
    public override MessageType Type => MessageType.Tunlinkat;
    public override void WriteBody(ref WireWriter w) { w.U32(DirFid); w.Str(Name); w.U32(Flags); }
    internal static Tunlinkat Read(ref WireReader r) => new(r.U32(), r.Str(), r.U32());
}

public sealed record Runlinkat : Message
{
    public override MessageType Type => MessageType.Runlinkat;
    public override void WriteBody(ref WireWriter w) { }
}
