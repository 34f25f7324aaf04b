namespace Sandbox.P9;

/// <summary>One tag's slot in the client: the reply frame (a pooled buffer) lands here.</summary>
internal sealed class Pending(ushort tag)
{
    public readonly ushort Tag = tag;
    public readonly ManualResetEventSlim Done = new(false, 0);
    public byte[]? Frame;
    public int Length;
    /// <summary>A host fd the server passed with the reply (SCM_RIGHTS), or -1.</summary>
    public int DonatedFd = -1;
    public volatile bool Active;
}
