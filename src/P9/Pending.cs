namespace Sandbox.P9;

/// <summary>One tag's slot in the client: the reply frame (a pooled buffer) lands here.</summary>
internal sealed class Pending(ushort tag)
{
    public readonly ushort Tag = tag;
    public readonly ManualResetEventSlim Done = new(false, 0);
    public byte[]? Frame;
    public int Length;
    public volatile bool Active;
}
