namespace Sandbox.Sentry.Vfs;

/// <summary>
/// A part of a mounted filesystem shown again at another place or the same one (a bind mount):
/// the same inodes from the source down, under a mount of its own (so it can be read-only).
/// </summary>
public sealed class BindFilesystem : Filesystem
{
    private readonly Filesystem _of;
    public BindFilesystem(Location source) : this(source.Inode) { }
    public BindFilesystem(Inode root) { _of = root.Fs; Root = root; Dev = _of.Dev; }
    public override string Type => _of.Type;
    public override Inode Root { get; }
    public override bool ReadOnly => _of.ReadOnly;
    public override long Magic => _of.Magic;
}

/// <summary>The /dev/null a masked file shows (runc masks files by bind-mounting /dev/null over them).</summary>
public sealed class NullFileFilesystem : Filesystem
{
    public NullFileFilesystem()
    {
        Dev = FileMode.MakeDev(0, 5);
        Root = new Dev.DeviceInode(this, 1, 3, 1, () => new Dev.NullDevice());
    }

    public override string Type => "devtmpfs";
    public override Inode Root { get; }
}
