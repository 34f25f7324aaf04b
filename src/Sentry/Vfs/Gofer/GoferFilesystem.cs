using Sandbox.Linux.Abi;
using Sandbox.P9;

namespace Sandbox.Sentry.Vfs.Gofer;

/// <summary>
/// A filesystem served by a Gofer over 9P2000.L, without the Sentry opening any host path
/// itself: the container image (read-only, the overlay's lower layer) and volumes (read-only
/// or writable).
/// </summary>
public sealed class GoferFilesystem : Filesystem
{
    private readonly bool _readOnly;

    public GoferFilesystem(P9Client client, bool readOnly = true)
    {
        Client = client;
        _readOnly = readOnly;
        Dev = FileMode.MakeDev(0, 0x30);
        uint root = client.Attach();
        Root = new GoferInode(this, null, "", root, client.GetAttr(root));
    }

    public P9Client Client { get; }
    public override string Type => "9p";
    public override Inode Root { get; }
    public override bool ReadOnly => _readOnly;
    public override long Magic => 0x01021997; // V9FS_MAGIC

    /// <summary>How long cached attributes count as fresh (the image does not change under a running sandbox, but a bind mount might).</summary>
    public static readonly long AttrTtlTicks = TimeSpan.FromSeconds(1).Ticks;

    /// <summary>Host fds of open files the Gofer donated (reads skip 9P).</summary>
    public long DonatedOpens, P9Opens;
}
