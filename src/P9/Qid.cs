namespace Sandbox.P9;

/// <summary>The server's identity of a file: type[1] version[4] path[8] (13 bytes on the wire).</summary>
public readonly record struct Qid(byte Type, uint Version, ulong Path)
{
    public const int Size = 13;
    public bool IsDir => (Type & P9.QidDir) != 0;
    public bool IsSymlink => (Type & P9.QidSymlink) != 0;
    public override string ToString() => $"({Type:x2} {Version} {Path:x})";
}
