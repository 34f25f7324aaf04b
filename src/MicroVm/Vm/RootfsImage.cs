using System.Diagnostics;

namespace Sandbox.MicroVm.Vm;

/// <summary>An ext4 image of a directory (mkfs.ext4 -d), the direct-KVM VMM's read-only rootfs
/// disk. Sized from the tree with room for the file system's own metadata.</summary>
public static class RootfsImage
{
    public const long MaxBytes = 4L << 30;

    public static void Create(string dir, string image)
    {
        if (dir == "/") throw new NotSupportedException("the host's / cannot be copied into an image: give --rootfs a smaller tree, or --share none");
        var mkfs = HostSystem.FindProgram("mkfs.ext4", "/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4") ?? throw new FileNotFoundException("mkfs.ext4 not found (e2fsprogs)");
        long bytes = 0, files = 0;
        foreach (var f in new DirectoryInfo(dir).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true }))
        {
            files++;
            if (f is FileInfo fi && fi.LinkTarget is null) bytes += (fi.Length + 4095) & ~4095L;
            if (bytes > MaxBytes) throw new NotSupportedException($"rootfs {dir} is over {MaxBytes >> 30} GiB: too large for an image");
        }
        long size = Math.Max(16L << 20, bytes + bytes / 5 + files * 4096 + (8L << 20));
        var psi = new ProcessStartInfo(mkfs) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-q", "-F", "-L", "rootfs", "-d", dir, "-O", "^has_journal", "-E", "root_owner=0:0", image, $"{size / 1024}k" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new IOException($"mkfs.ext4 -d {dir}: {err.Result.Trim()}");
    }
}
