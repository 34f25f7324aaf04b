using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Vfs.Proc;

/// <summary>
/// The sandbox's /proc (proc(5)): its processes and threads as the Sentry knows them, and
/// system files made from the Sentry's view. Nothing here reads or shows the host's /proc.
/// </summary>
public sealed class ProcFilesystem : Filesystem
{
    private readonly ProcDir _root;

    public ProcFilesystem(Kernel.Kernel kernel)
    {
        Kernel = kernel;
        Dev = FileMode.MakeDev(0, 22);
        var system = SystemFiles.Build(this);
        _root = new ProcDir(this, 1,
            () => system.Keys.Concat(Pids()),
            name => int.TryParse(name, out int pid) && name == pid.ToString() ? PidDirectory.ForProcess(this, pid) : system.TryGetValue(name, out var f) ? f() : null);
    }

    public Kernel.Kernel Kernel { get; }
    public override string Type => "proc";
    public override Inode Root => _root;
    public override long Magic => 0x9fa0; // PROC_SUPER_MAGIC

    private IEnumerable<string> Pids() =>
        Kernel.Groups().Select(g => g.Tgid).OrderBy(p => p).Select(p => p.ToString());

    /// <summary>Inode numbers: stable for a name while the sandbox runs.</summary>
    public static ulong Ino(string key) => 0x1000 + ((ulong)(uint)StringComparer.Ordinal.GetHashCode(key) << 4);

    internal static Stat StatOf(Filesystem fs, ulong ino, uint mode, ulong nlink, uint uid, uint gid)
    {
        var now = DateTimeOffset.UtcNow;
        var ts = new Timespec(now.ToUnixTimeSeconds(), (long)(now.Ticks % TimeSpan.TicksPerSecond) * 100);
        return new Stat { Dev = fs.Dev, Ino = ino, Mode = mode, Nlink = nlink, Uid = uid, Gid = gid, Blksize = 1024, Atime = ts, Mtime = ts, Ctime = ts };
    }
}
