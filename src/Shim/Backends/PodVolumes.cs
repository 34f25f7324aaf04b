using Runtime.V1;
using Sandbox.Linux.Native;
using Sandbox.MicroVm.Protocol;

namespace Sandbox.Shim.Backends;

/// <summary>A container mount of a microvm pod, from its CRI config or the pod's own files.</summary>
public readonly record struct VolumeMount(string HostPath, string ContainerPath, bool ReadOnly, MountPropagation Propagation);

/// <summary>
/// The host side of a microvm pod's volume share (Kata's shared directory): a directory the VM
/// mounts read-write at /run/sandbox/volumes through a virtiofsd of its own. The pod's files
/// (hosts, hostname, resolv.conf) are copied in before the VM boots; each container volume is
/// bind-mounted in as CONTAINERID-N when the container starts, with the CRI's propagation
/// (PRIVATE: rprivate, later host mounts in the volume stay out; HOST_TO_CONTAINER and
/// BIDIRECTIONAL: rslave, they come in — a mount made in the VM never reaches the host).
/// The guest can write in the share, so the host never follows a path it could have changed:
/// mount points are made with mkdir/O_EXCL|O_NOFOLLOW directly in the share and mounted on
/// through the descriptor.
/// </summary>
public sealed class PodVolumes
{
    public const string GuestDir = "/run/sandbox/volumes";
    private readonly Dictionary<string, string> _podFiles = new(StringComparer.Ordinal);

    public string HostDir { get; }

    private PodVolumes(string hostDir) => HostDir = hostDir;

    /// <summary>A fresh share at <paramref name="hostDir"/> (what an earlier one left is removed
    /// first), a private mount of its own so the volumes bound into it appear nowhere else,
    /// holding copies of <paramref name="podFiles"/> (host file, name in the share).</summary>
    public static PodVolumes Create(string hostDir, IEnumerable<(string HostFile, string Name)> podFiles)
    {
        hostDir = Path.GetFullPath(hostDir);
        Remove(hostDir);
        Directory.CreateDirectory(hostDir);
        Check(Mounts.Mount(hostDir, hostDir, null, Mounts.MS_BIND), $"bind {hostDir}");
        Check(Mounts.Mount(null, hostDir, null, Mounts.MS_PRIVATE), $"make {hostDir} private");
        var v = new PodVolumes(hostDir);
        foreach (var (file, name) in podFiles)
        {
            if (!File.Exists(file)) continue;
            File.Copy(file, Path.Combine(hostDir, name), overwrite: true);
            v._podFiles[Path.GetFullPath(file)] = name;
        }
        return v;
    }

    /// <summary>Binds the container's volumes into the share and returns the agent's mounts for
    /// them, in order. Throws ArgumentException for a host path that does not exist, IOException
    /// when a mount fails (what was mounted for the container is undone).</summary>
    public IReadOnlyList<ContainerMount> Attach(string containerId, IReadOnlyList<VolumeMount> mounts)
    {
        var result = new List<ContainerMount>(mounts.Count);
        try
        {
            for (int i = 0; i < mounts.Count; i++)
            {
                var m = mounts[i];
                if (_podFiles.TryGetValue(Path.GetFullPath(m.HostPath), out var copy))
                {
                    result.Add(new ContainerMount($"{GuestDir}/{copy}", m.ContainerPath, m.ReadOnly));
                    continue;
                }
                string name = $"{containerId}-{i}";
                BindIn(m, name);
                result.Add(new ContainerMount($"{GuestDir}/{name}", m.ContainerPath, m.ReadOnly));
            }
        }
        catch
        {
            Detach(containerId);
            throw;
        }
        return result;
    }

    private void BindIn(VolumeMount m, string name)
    {
        bool dir = Directory.Exists(m.HostPath);
        if (!dir && !File.Exists(m.HostPath)) throw new ArgumentException($"mount source {m.HostPath} does not exist");
        string point = Path.Combine(HostDir, name);
        int fd;
        if (dir)
        {
            Check(Mounts.Mkdir(point, 0b111_101_101), $"mkdir {point}");
            fd = Open(point, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        }
        else fd = Open(point, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0b110_100_100);
        Check(fd, $"open {point}");
        try { Check(Mounts.Mount(m.HostPath, $"/proc/self/fd/{fd}", null, Mounts.MS_BIND | Mounts.MS_REC), $"bind {m.HostPath} into the VM's share"); }
        finally { Close(fd); }
        long propagation = m.Propagation == MountPropagation.PropagationPrivate ? Mounts.MS_PRIVATE : Mounts.MS_SLAVE;
        Check(Mounts.Mount(null, point, null, Mounts.MS_REC | propagation), $"set the propagation of {point}");
        if (m.ReadOnly) Check(Mounts.Remount(point, Mounts.MS_BIND | Mounts.MS_RDONLY), $"remount {point} read-only");
    }

    /// <summary>Undoes the container's binds (lazily: the VM may still hold files open) and
    /// removes their mount points.</summary>
    public void Detach(string containerId)
    {
        string prefix = Path.Combine(HostDir, containerId + "-");
        foreach (var p in MountPointsUnder(HostDir).Where(p => p.StartsWith(prefix, StringComparison.Ordinal)))
            Mounts.Detach(p);
        foreach (var e in Directory.EnumerateFileSystemEntries(HostDir, containerId + "-*"))
            if (!MountPointsUnder(e).Any())
                try { if (Directory.Exists(e) && new DirectoryInfo(e).LinkTarget == null) Directory.Delete(e, true); else File.Delete(e); }
                catch (Exception x) when (x is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>Detaches every mount at or under <paramref name="hostDir"/> (deepest first), then
    /// deletes it, unless something there is still mounted (then it stays, rather than deleting
    /// through a mount into a host volume). Nothing there: nothing done.</summary>
    public static void Remove(string hostDir)
    {
        hostDir = Path.GetFullPath(hostDir);
        foreach (var p in MountPointsUnder(hostDir).OrderByDescending(p => p.Length)) Mounts.Detach(p);
        if (MountPointsUnder(hostDir).Any() || !Directory.Exists(hostDir)) return;
        try { Directory.Delete(hostDir, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>Mount points at or under <paramref name="dir"/> in this mount namespace
    /// (/proc/self/mountinfo's fifth field, octal escapes decoded).</summary>
    internal static IEnumerable<string> MountPointsUnder(string dir)
    {
        dir = dir.TrimEnd('/');
        var found = new List<string>();
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var f = line.Split(' ');
            if (f.Length < 5) continue;
            var p = Unescape(f[4]);
            if (p == dir || p.StartsWith(dir + "/", StringComparison.Ordinal)) found.Add(p);
        }
        return found;
    }

    internal static string Unescape(string s)
    {
        if (!s.Contains('\\')) return s;
        var b = new System.Text.StringBuilder();
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 3 < s.Length && s[(i + 1)..(i + 4)].All(c => c is >= '0' and <= '7'))
            {
                b.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else b.Append(s[i]);
        }
        return b.ToString();
    }

    private static void Check(int rc, string what)
    {
        // rc is -errno (the raw syscall's result, or Open's)
        if (rc < 0) throw new IOException($"{what}: {new System.ComponentModel.Win32Exception(-rc).Message}");
    }

    private const int O_WRONLY = 1, O_CREAT = 0x40, O_EXCL = 0x80, O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000, O_PATH = 0x200000;

    private static int Open(string path, int flags, int mode)
    {
        int fd = Util.Native.Open(path, flags, mode);
        return fd >= 0 ? fd : -System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
    }

    private static void Close(int fd) => Util.Native.Close(fd);
}
