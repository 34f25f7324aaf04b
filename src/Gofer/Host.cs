using System.Runtime.InteropServices;
using Sandbox.Linux.Native;

namespace Sandbox.Gofer;

/// <summary>
/// The host calls the Gofer makes, as raw x86-64 system calls returning -errno. These numbers
/// are also the ones its seccomp filter allows (see <see cref="SyscallPolicy"/>).
/// </summary>
internal static unsafe partial class Host
{
    public const int SYS_read = 0, SYS_write = 1, SYS_close = 3, SYS_lseek = 8, SYS_pread64 = 17, SYS_pwrite64 = 18,
        SYS_dup = 32, SYS_fcntl = 72, SYS_fsync = 74, SYS_fdatasync = 75, SYS_ftruncate = 77, SYS_chdir = 80,
        SYS_capget = 125, SYS_capset = 126, SYS_fstatfs = 138, SYS_prctl = 157, SYS_pivot_root = 155,
        SYS_mount = 165, SYS_umount2 = 166, SYS_fsetxattr = 190, SYS_fgetxattr = 193, SYS_flistxattr = 196,
        SYS_fremovexattr = 199, SYS_getdents64 = 217, SYS_openat = 257, SYS_mkdirat = 258, SYS_mknodat = 259,
        SYS_fchownat = 260, SYS_newfstatat = 262, SYS_unlinkat = 263, SYS_linkat = 265, SYS_symlinkat = 266,
        SYS_readlinkat = 267, SYS_fchmodat = 268, SYS_utimensat = 280, SYS_renameat2 = 316, SYS_seccomp = 317,
        SYS_ptrace = 101;

    public const int O_PATH_DIR = Linux.Abi.OpenFlags.O_PATH | Linux.Abi.OpenFlags.O_DIRECTORY | Linux.Abi.OpenFlags.O_CLOEXEC;

    private static long Path(long nr, int fd, string? path, long a2 = 0, long a3 = 0, long a4 = 0)
    {
        if (path == null) return Sys.Syscall(nr, fd, 0, a2, a3, a4);
        var b = Sys.CString(path);
        fixed (byte* p = b) return Sys.SyscallRetry(nr, fd, (long)p, a2, a3, a4);
    }

    public static int OpenAt(int dirFd, string name, int flags, uint mode = 0) => (int)Path(SYS_openat, dirFd, name, flags, mode);
    public static int Close(int fd) => (int)Sys.Syscall(SYS_close, fd);
    public static long Dup(int fd) => Sys.Syscall(SYS_dup, fd);

    public static int FstatAt(int fd, string name, out Linux.Abi.Stat st, int flags)
    {
        Linux.Abi.Stat s;
        long r = Path(SYS_newfstatat, fd, name, (long)&s, flags);
        st = s;
        return (int)r;
    }

    public static int Fstat(int fd, out Linux.Abi.Stat st) => FstatAt(fd, "", out st, Linux.Abi.AtFlags.AT_EMPTY_PATH | Linux.Abi.AtFlags.AT_SYMLINK_NOFOLLOW);

    public static long Pread(int fd, Span<byte> buf, long off)
    {
        fixed (byte* p = buf) return Sys.SyscallRetry(SYS_pread64, fd, (long)p, buf.Length, off);
    }

    public static long Pwrite(int fd, ReadOnlySpan<byte> buf, long off)
    {
        fixed (byte* p = buf) return Sys.SyscallRetry(SYS_pwrite64, fd, (long)p, buf.Length, off);
    }

    public static long Lseek(int fd, long off, int whence) => Sys.Syscall(SYS_lseek, fd, off, whence);

    public static long Getdents(int fd, Span<byte> buf)
    {
        fixed (byte* p = buf) return Sys.SyscallRetry(SYS_getdents64, fd, (long)p, buf.Length);
    }

    public static int MkdirAt(int dirFd, string name, uint mode) => (int)Path(SYS_mkdirat, dirFd, name, mode);
    public static int MknodAt(int dirFd, string name, uint mode, ulong dev) => (int)Path(SYS_mknodat, dirFd, name, mode, (long)dev);
    public static int UnlinkAt(int dirFd, string name, int flags) => (int)Path(SYS_unlinkat, dirFd, name, flags);
    public static int FchownAt(int fd, string name, int uid, int gid, int flags) => (int)Path(SYS_fchownat, fd, name, uid, gid, flags);
    public static int FchmodAt(int fd, string name, uint mode) => (int)Path(SYS_fchmodat, fd, name, mode);

    public static int SymlinkAt(string target, int dirFd, string name)
    {
        var t = Sys.CString(target);
        var n = Sys.CString(name);
        fixed (byte* pt = t) fixed (byte* pn = n) return (int)Sys.SyscallRetry(SYS_symlinkat, (long)pt, dirFd, (long)pn);
    }

    public static int LinkAt(int oldFd, string oldName, int newDirFd, string newName, int flags)
    {
        var o = Sys.CString(oldName);
        var n = Sys.CString(newName);
        fixed (byte* po = o) fixed (byte* pn = n)
            return (int)Sys.SyscallRetry(SYS_linkat, oldFd, (long)po, newDirFd, (long)pn, flags);
    }

    public static int RenameAt(int oldDirFd, string oldName, int newDirFd, string newName, uint flags)
    {
        var o = Sys.CString(oldName);
        var n = Sys.CString(newName);
        fixed (byte* po = o) fixed (byte* pn = n)
            return (int)Sys.SyscallRetry(SYS_renameat2, oldDirFd, (long)po, newDirFd, (long)pn, flags);
    }

    public static long ReadlinkAt(int fd, string name, Span<byte> buf)
    {
        var n = Sys.CString(name);
        fixed (byte* pn = n) fixed (byte* pb = buf) return Sys.SyscallRetry(SYS_readlinkat, fd, (long)pn, (long)pb, buf.Length);
    }

    public static int UtimensAt(int fd, string name, Linux.Abi.Timespec atime, Linux.Abi.Timespec mtime, int flags)
    {
        var ts = stackalloc Linux.Abi.Timespec[2];
        ts[0] = atime; ts[1] = mtime;
        return (int)Path(SYS_utimensat, fd, name, (long)ts, flags);
    }

    public static int Ftruncate(int fd, long len) => (int)Sys.SyscallRetry(SYS_ftruncate, fd, len);
    public static int Fsync(int fd, bool dataOnly) => (int)Sys.SyscallRetry(dataOnly ? SYS_fdatasync : SYS_fsync, fd);

    public static int Fstatfs(int fd, out StatfsBuf buf)
    {
        StatfsBuf b;
        long r = Sys.Syscall(SYS_fstatfs, fd, (long)&b);
        buf = b;
        return (int)r;
    }

    public static long Fgetxattr(int fd, string name, Span<byte> value)
    {
        var n = Sys.CString(name);
        fixed (byte* pn = n) fixed (byte* pv = value) return Sys.Syscall(SYS_fgetxattr, fd, (long)pn, (long)pv, value.Length);
    }

    public static long Flistxattr(int fd, Span<byte> list)
    {
        fixed (byte* pl = list) return Sys.Syscall(SYS_flistxattr, fd, (long)pl, list.Length);
    }

    public static int Fsetxattr(int fd, string name, ReadOnlySpan<byte> value, int flags)
    {
        var n = Sys.CString(name);
        fixed (byte* pn = n) fixed (byte* pv = value) return (int)Sys.Syscall(SYS_fsetxattr, fd, (long)pn, (long)pv, value.Length, flags);
    }

    public static int Fremovexattr(int fd, string name) => (int)Path(SYS_fremovexattr, fd, name);

    public static int FcntlLock(int fd, int cmd, ref Flock fl)
    {
        fixed (Flock* p = &fl) return (int)Sys.SyscallRetry(SYS_fcntl, fd, cmd, (long)p);
    }

    public const int F_OFD_GETLK = 36, F_OFD_SETLK = 37;

    [StructLayout(LayoutKind.Sequential)]
    public struct Flock { public short Type, Whence; public long Start, Len; public int Pid; private int _pad; }

    /// <summary>struct statfs (x86-64), 120 bytes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct StatfsBuf
    {
        public long Type, Bsize, Blocks, Bfree, Bavail, Files, Ffree;
        public ulong Fsid;
        public long Namelen, Frsize, Flags;
        private long _s0, _s1, _s2, _s3;
    }
}
