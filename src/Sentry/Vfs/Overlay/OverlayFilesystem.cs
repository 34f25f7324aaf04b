using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Vfs.Tmp;

namespace Sandbox.Sentry.Vfs.Overlay;

/// <summary>
/// The rootfs as the program sees it: the image (read-only lower layer) under an in-memory
/// upper layer, like overlayfs (Documentation/filesystems/overlayfs.rst). Writes copy a file
/// up first; removing an image file leaves a whiteout; the image itself is never written.
/// </summary>
public sealed class OverlayFilesystem : Filesystem
{
    public OverlayFilesystem(Filesystem lower)
    {
        Lower = lower;
        Upper = new TmpFilesystem(0x1ed);
        Dev = FileMode.MakeDev(0, 0x2f);
        lower.Root.Stat(out var st);
        var upRoot = (TmpInode)Upper.Root;
        upRoot.SetAttr(new SetAttr(Mode: st.Mode & 0xfff, Uid: st.Uid, Gid: st.Gid));
        Root = new OverlayInode(this, null, "/", upRoot, lower.Root);
    }

    public Filesystem Lower { get; }
    public TmpFilesystem Upper { get; }
    public override string Type => "overlay";
    public override Inode Root { get; }
    public override long Magic => 0x794c7630; // OVERLAYFS_SUPER_MAGIC

    /// <summary>Every change of the tree (copy-up, create, remove, rename) holds this.</summary>
    internal object TreeLock { get; } = new();

    /// <summary>Bytes copied up from the image so far (for the debug log and tests).</summary>
    public long CopiedUpBytes;
}
