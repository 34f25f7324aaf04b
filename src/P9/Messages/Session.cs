namespace Sandbox.P9;

// version(5), attach(5), flush(5) and the 9P2000.L error reply (Rlerror: ecode[4]).

public sealed record Tversion(uint Msize, string Version) : Message
{
    public override MessageType Type => MessageType.Tversion;
    public override void WriteBody(ref WireWriter w) { w.U32(Msize); w.Str(Version); }
    internal static Tversion Read(ref WireReader r) => new(r.U32(), r.Str());
}

public sealed record Rversion(uint Msize, string Version) : Message
{
    public override MessageType Type => MessageType.Rversion;
    public override void WriteBody(ref WireWriter w) { w.U32(Msize); w.Str(Version); }
    internal static Rversion Read(ref WireReader r) => new(r.U32(), r.Str());
}

public sealed record Tauth(uint Afid, string Uname, string Aname, uint NUname) : Message
{
    public override MessageType Type => MessageType.Tauth;
    public override void WriteBody(ref WireWriter w) { w.U32(Afid); w.Str(Uname); w.Str(Aname); w.U32(NUname); }
    internal static Tauth Read(ref WireReader r) => new(r.U32(), r.Str(), r.Str(), r.U32());
}

public sealed record Rauth(Qid Aqid) : Message
{
    public override MessageType Type => MessageType.Rauth;
    public override void WriteBody(ref WireWriter w) => w.Qid(Aqid);
    internal static Rauth Read(ref WireReader r) => new(r.Qid());
}

public sealed record Tattach(uint Fid, uint Afid, string Uname, string Aname, uint NUname) : Message
{
    public override MessageType Type => MessageType.Tattach;
    public override void WriteBody(ref WireWriter w) { w.U32(Fid); w.U32(Afid); w.Str(Uname); w.Str(Aname); w.U32(NUname); }
    internal static Tattach Read(ref WireReader r) => new(r.U32(), r.U32(), r.Str(), r.Str(), r.U32());
}

public sealed record Rattach(Qid Qid) : Message
{
    public override MessageType Type => MessageType.Rattach;
    public override void WriteBody(ref WireWriter w) => w.Qid(Qid);
    internal static Rattach Read(ref WireReader r) => new(r.Qid());
}

public sealed record Tflush(ushort OldTag) : Message
{
    public override MessageType Type => MessageType.Tflush;
    public override void WriteBody(ref WireWriter w) => w.U16(OldTag);
    internal static Tflush Read(ref WireReader r) => new(r.U16());
}

public sealed record Rflush : Message
{
    public override MessageType Type => MessageType.Rflush;
    public override void WriteBody(ref WireWriter w) { }
}

public sealed record Rlerror(uint Ecode) : Message
{
    public override MessageType Type => MessageType.Rlerror;
    public override void WriteBody(ref WireWriter w) => w.U32(Ecode);
    internal static Rlerror Read(ref WireReader r) => new(r.U32());
}
