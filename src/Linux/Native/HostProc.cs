namespace Sandbox.Linux.Native;

/// <summary>
/// The host's /proc, reached through a directory fd opened before the process confines itself
/// (the Sentry pivots into an empty root; the fd keeps the detached /proc reachable). Used for
/// the Sentry's own bookkeeping only: stub processes' CPU times and maps, reopening stdio.
/// </summary>
public static unsafe class HostProc
{
    private const int O_RDONLY = 0, O_CLOEXEC = 0x80000, O_DIRECTORY = 0x10000, O_PATH = 0x200000;
    private static int _fd = -1;

    /// <summary>Opens /proc once (idempotent); false when there is none.</summary>
    public static bool Open()
    {
        if (Volatile.Read(ref _fd) >= 0) return true;
        var p = Sys.CString("/proc");
        int fd;
        fixed (byte* pp = p) fd = (int)Sys.Syscall(Sys.SYS_openat, -100 /* AT_FDCWD */, (long)pp, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return false;
        if (Interlocked.CompareExchange(ref _fd, fd, -1) != -1) Sys.Syscall(Sys.SYS_close, fd);
        return true;
    }

    /// <summary>openat(/proc, <paramref name="relative"/>): an fd or -errno.</summary>
    public static int OpenAt(string relative, int flags)
    {
        if (!Open()) return -(int)Errno.ENOENT;
        var p = Sys.CString(relative);
        fixed (byte* pp = p) return (int)Sys.Syscall(Sys.SYS_openat, _fd, (long)pp, flags | O_CLOEXEC);
    }

    /// <summary>The whole of a /proc file (e.g. "1234/stat"), or null when it cannot be read.</summary>
    public static string? ReadAllText(string relative)
    {
        int fd = OpenAt(relative, O_RDONLY);
        if (fd < 0) return null;
        try
        {
            var buf = new byte[4096];
            int len = 0;
            while (true)
            {
                if (len == buf.Length) Array.Resize(ref buf, buf.Length * 2);
                long n;
                fixed (byte* b = buf) n = Sys.SyscallRetry(Sys.SYS_read, fd, (long)(b + len), buf.Length - len);
                if (n < 0) return null;
                if (n == 0) break;
                len += (int)n;
            }
            return System.Text.Encoding.UTF8.GetString(buf, 0, len);
        }
        finally { Sys.Syscall(Sys.SYS_close, fd); }
    }
}
