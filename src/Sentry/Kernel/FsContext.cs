using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Kernel;

/// <summary>Root, working directory and umask: shared by tasks cloned with CLONE_FS, copied otherwise.</summary>
public sealed class FsContext
{
    public FsContext(Location root, Location cwd) { Root = root; Cwd = cwd; }

    public Location Root { get; set; }
    public Location Cwd { get; set; }
    public uint Umask { get; set; } = 0x12; // 022

    public FsContext Clone() => new(Root, Cwd) { Umask = Umask };
}
