using System.Runtime.InteropServices;

namespace Sandbox.Linux.Native;

/// <summary>
/// Host calls that Tmds.LibC does not bind (ptrace, waitpid, posix_spawn, the raw syscall
/// entry). Every wrapper returns -errno on failure so callers never consult thread state.
/// </summary>
public static unsafe partial class Sys
{
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5);

    /// <summary>A raw host system call; returns the result or -errno.</summary>
    public static long Syscall(long nr, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0)
    {
        long r = syscall6(nr, a0, a1, a2, a3, a4, a5);
        return r == -1 ? -Marshal.GetLastPInvokeError() : r;
    }

    /// <summary>The poll(2) events of <paramref name="events"/> (and POLLERR/POLLHUP) a host fd has now, without waiting.</summary>
    public static short PollNow(int fd, short events)
    {
        long pfd = 0;
        ((int*)&pfd)[0] = fd;
        ((short*)&pfd)[2] = events;
        long n = Syscall(7 /* poll */, (long)&pfd, 1, 0);
        return n > 0 ? ((short*)&pfd)[3] : (short)0;
    }

    /// <summary>Like <see cref="Syscall"/> but retries on EINTR (the runtime interrupts threads with signals).</summary>
    public static long SyscallRetry(long nr, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0)
    {
        long r;
        do r = Syscall(nr, a0, a1, a2, a3, a4, a5); while (r == -(long)Errno.EINTR);
        return r;
    }

    // Host syscall numbers used by the Sentry itself (x86-64).
    public const int SYS_read = 0, SYS_write = 1, SYS_close = 3, SYS_fstat = 5, SYS_lseek = 8, SYS_mmap = 9,
        SYS_mprotect = 10, SYS_munmap = 11, SYS_ioctl = 16, SYS_pread64 = 17, SYS_pwrite64 = 18,
        SYS_readv = 19, SYS_writev = 20, SYS_dup = 32, SYS_nanosleep = 35, SYS_getpid = 39,
        SYS_kill = 62, SYS_uname = 63, SYS_fcntl = 72, SYS_ftruncate = 77, SYS_sysinfo = 99,
        SYS_ptrace = 101, SYS_gettid = 186, SYS_futex = 202, SYS_getdents64 = 217,
        SYS_clock_gettime = 228, SYS_clock_nanosleep = 230, SYS_tgkill = 234, SYS_openat = 257,
        SYS_newfstatat = 262, SYS_readlinkat = 267, SYS_faccessat = 269, SYS_fallocate = 285,
        SYS_prlimit64 = 302, SYS_getrandom = 318, SYS_memfd_create = 319, SYS_statx = 332,
        SYS_sched_getaffinity = 204, SYS_wait4 = 61;

    [LibraryImport("libc", EntryPoint = "posix_spawn", SetLastError = false)]
    private static partial int posix_spawn(int* pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);
    [LibraryImport("libc")] private static partial int posix_spawn_file_actions_init(void* fa);
    [LibraryImport("libc")] private static partial int posix_spawn_file_actions_destroy(void* fa);
    [LibraryImport("libc")] private static partial int posix_spawn_file_actions_adddup2(void* fa, int fd, int newfd);
    [LibraryImport("libc")] private static partial int posix_spawn_file_actions_addclosefrom_np(void* fa, int from);
    [LibraryImport("libc")] private static partial int posix_spawnattr_init(void* attr);
    [LibraryImport("libc")] private static partial int posix_spawnattr_destroy(void* attr);
    [LibraryImport("libc")] private static partial int posix_spawnattr_setflags(void* attr, short flags);
    [LibraryImport("libc")] private static partial int posix_spawnattr_setpgroup(void* attr, int pgroup);
    [LibraryImport("libc")] private static partial int posix_spawnattr_setsigmask(void* attr, ulong* mask);
    [LibraryImport("libc")] private static partial int posix_spawnattr_setsigdefault(void* attr, ulong* mask);

    private const short POSIX_SPAWN_SETPGROUP = 0x02, POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08;

    /// <summary>
    /// Spawns <paramref name="path"/> with only <paramref name="keepFd"/> open (as fd
    /// <paramref name="childFd"/>), in its own process group, with every signal unblocked and
    /// at its default action. Returns the pid or -errno. The calling thread becomes the child's
    /// parent thread, which matters for PTRACE_TRACEME and PR_SET_PDEATHSIG.
    /// </summary>
    public static int SpawnIsolated(string path, int keepFd, int childFd)
    {
        byte* fa = stackalloc byte[256];
        byte* attr = stackalloc byte[1024];
        posix_spawn_file_actions_init(fa);
        posix_spawnattr_init(attr);
        try
        {
            // dup2 onto itself still clears FD_CLOEXEC in posix_spawn (glibc >= 2.29).
            posix_spawn_file_actions_adddup2(fa, keepFd, childFd);
            posix_spawn_file_actions_addclosefrom_np(fa, childFd + 1);
            ulong empty = 0, all = ~0UL;
            posix_spawnattr_setsigmask(attr, &empty);
            posix_spawnattr_setsigdefault(attr, &all);
            posix_spawnattr_setpgroup(attr, 0);
            posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
            byte[] p = CString(path);
            int pid;
            fixed (byte* pp = p)
            {
                byte** argv = stackalloc byte*[2];
                argv[0] = pp; argv[1] = null;
                byte** envp = stackalloc byte*[1];
                envp[0] = null;
                int rc = posix_spawn(&pid, pp, fa, attr, argv, envp);
                if (rc != 0) return -rc;
            }
            return pid;
        }
        finally
        {
            posix_spawn_file_actions_destroy(fa);
            posix_spawnattr_destroy(attr);
        }
    }

    public static byte[] CString(string s)
    {
        int n = System.Text.Encoding.UTF8.GetByteCount(s);
        var b = new byte[n + 1];
        System.Text.Encoding.UTF8.GetBytes(s, b);
        return b;
    }

    public static long Ptrace(int request, int pid, ulong addr, ulong data)
        => Syscall(SYS_ptrace, request, pid, (long)addr, (long)data);

    /// <summary>waitpid with __WALL, retrying on EINTR. Returns the pid or -errno.</summary>
    public static int WaitPid(int pid, out int status, int options)
    {
        int st = 0;
        long r;
        do r = Syscall(SYS_wait4, pid, (long)&st, options, 0); while (r == -(long)Errno.EINTR);
        status = st;
        return (int)r;
    }

    public static long Close(int fd) => Syscall(SYS_close, fd);
}
