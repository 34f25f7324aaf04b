using Sandbox.Linux.Abi;
using Sandbox.P9;

namespace Sandbox.Sentry.Vfs.Gofer;

/// <summary>
/// A read-only filesystem served by a Gofer over 9P2000.L: the container image as the
/// overlay's lower layer, without the Sentry opening any host path itself.
/// </summary>
public sealed class GoferFilesystem : Filesystem
{
    public GoferFilesystem(P9Client client)
    {
        Client = client;
        Dev = FileMode.MakeDev(0, 0x30);
        uint root = client.Attach();
        Root = new GoferInode(this, null, "", root, client.GetAttr(root));
    }

    public P9Client Client { get; }
    public override string Type => "9p";
    public override Inode Root { get; }
    public override bool ReadOnly => true;
    public override long Magic => 0x01021997; // V9FS_MAGIC

    /// <summary>How long cached attributes count as fresh (the image does not change under a running sandbox, but a bind mount might).</summary>
    public static readonly long AttrTtlTicks = TimeSpan.FromSeconds(1).Ticks;

    /// <summary>Host fds of open files the Gofer donated (reads skip 9P).</summary>
    public long DonatedOpens, P9Opens;
}
