namespace Sandbox.P9;

public sealed record Twalk(uint Fid, uint NewFid, string[] Names) : Message
{
    public override MessageType Type => MessageType.Twalk;
    public override void WriteBody(ref WireWriter w)
    {
        if (Names.Length > P9.MaxWalkElements) throw new P9FormatException($"Twalk of {Names.Length} names (at most {P9.MaxWalkElements})");
        w.U32(Fid); w.U32(NewFid); w.U16((ushort)Names.Length);
        foreach (var n in Names) w.Str(n);
    }
    internal static Twalk Read(ref WireReader r)
    {
        uint fid = r.U32(), newFid = r.U32();
        int n = r.U16();
        if (n > P9.MaxWalkElements) throw new P9FormatException($"Twalk of {n} names (at most {P9.MaxWalkElements})");
        var names = n == 0 ? [] : new string[n];
        for (int i = 0; i < n; i++) names[i] = r.Str();
        return new(fid, newFid, names);
    }
    public bool Equals(Twalk? o) => o is not null && Fid == o.Fid && NewFid == o.NewFid && Names.AsSpan().SequenceEqual(o.Names);
    public override int GetHashCode() => HashCode.Combine(Fid, NewFid, Names.Length);
}

public sealed record Rwalk(Qid[] Qids) : Message
{
    public override MessageType Type => MessageType.Rwalk;
    public override void WriteBody(ref WireWriter w)
    {
        if (Qids.Length > P9.MaxWalkElements) throw new P9FormatException("Rwalk of more than 16 qids");
        w.U16((ushort)Qids.Length);
        foreach (var q in Qids) w.Qid(q);
    }
    internal static Rwalk Read(ref WireReader r)
    {
        int n = r.U16();
        if (n > P9.MaxWalkElements) throw new P9FormatException($"Rwalk of {n} qids");
        var q = n == 0 ? [] : new Qid[n];
        for (int i = 0; i < n; i++) q[i] = r.Qid();
        return new(q);
    }
    public bool Equals(Rwalk? o) => o is not null && Qids.AsSpan().SequenceEqual(o.Qids);
    public override int GetHashCode() => Qids.Length;
}
