using System.Runtime.InteropServices;
using System.Text;

namespace Sandbox.MicroVm.Agent;

/// <summary>The libc calls the agent makes. Everything is a thin wrapper; errors are returned as
/// -1 with errno in Marshal.GetLastPInvokeError().</summary>
internal static unsafe partial class Native
{
    const string Libc = "libc";

    public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CLOEXEC = 0x80000, O_NOCTTY = 0x100, O_DIRECTORY = 0x10000;
    public const int EINTR = 4, ECHILD = 10, EAGAIN = 11, EEXIST = 17, EINVAL = 22, ENOENT = 2, EPROTO = 71, ESRCH = 3, EBUSY = 16;
    public const ulong MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_REC = 0x4000, MS_PRIVATE = 1 << 18, MS_BIND = 0x1000;
    public const int CLONE_FS = 0x200, CLONE_NEWNS = 0x20000, CLONE_NEWUTS = 0x04000000, CLONE_NEWIPC = 0x08000000, CLONE_NEWPID = 0x20000000;
    public const int WNOHANG = 1;
    public const int POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08, POSIX_SPAWN_SETSID = 0x80;
    public const int RB_POWER_OFF = 0x4321fedc;
    public const int SIGKILL = 9;
    public const int EACCES = 13, EPERM = 1;
    public const long SYS_capset = 126, SYS_prctl = 157, SYS_seccomp = 317;
    public const int PR_SET_KEEPCAPS = 8, PR_CAPBSET_DROP = 24, PR_SET_NO_NEW_PRIVS = 38, PR_CAP_AMBIENT = 47, PR_CAP_AMBIENT_RAISE = 2;
    public const ulong MS_REMOUNT = 0x20;

    public static int prctl(int option, long a = 0, long b = 0, long c = 0, long d = 0) => (int)syscall5(SYS_prctl, option, a, b, c, d);
    public const int POSIX_SPAWN_SETPGROUP = 0x02;
    public const ulong TIOCSCTTY = 0x540E, TIOCSWINSZ = 0x5414, TIOCGPTN = 0x80045430, TIOCSPTLCK = 0x40045431;

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int ioctl(int fd, ulong request, void* arg);
    [LibraryImport(Libc)]
    public static partial int posix_spawnattr_setpgroup(void* attr, int pgroup);
    [LibraryImport(Libc)]
    public static partial int posix_spawn_file_actions_addtcsetpgrp_np(void* fa, int fd);

    /// <summary>Sets a terminal's window size (rows, columns).</summary>
    public static int SetWinSize(int fd, int rows, int cols)
    {
        ushort* ws = stackalloc ushort[4];
        ws[0] = (ushort)Math.Clamp(rows, 0, 65535); ws[1] = (ushort)Math.Clamp(cols, 0, 65535); ws[2] = 0; ws[3] = 0;
        return ioctl(fd, TIOCSWINSZ, ws);
    }

    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mount(string? source, string target, string? fstype, ulong flags, string? data);
    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags, int mode);
    [LibraryImport(Libc, SetLastError = true)]
    public static partial int close(int fd);
    [LibraryImport(Libc, SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);
    [LibraryImport(Libc)]
    public static partial int isatty(int fd);
    [LibraryImport(Libc, SetLastError = true)]
    public static partial int tcgetattr(int fd, byte* termios);
    [LibraryImport(Libc, SetLastError = true)]
    public static partial int tcsetattr(int fd, int action, byte* termios);
    [LibraryImport(Libc)]
    public static partial void cfmakeraw(byte* termios);
    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint read(int fd, byte* buf, nint count);
    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint write(int fd, byte* buf, nint count);
    [LibraryImport(Libc, SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);
    [LibraryImport(Libc, SetLastError = true)]
    public static partial int waitpid(int pid, int* status, int options);
    [LibraryImport(Libc, SetLastError = true)]
    public static partial int kill(int pid, int sig);
    [LibraryImport(Libc, SetLastError = true)]
    public static partial int unshare(int flags);
    [LibraryImport(Libc, SetLastError = true)]
    public static partial int setns(int fd, int nstype);
    [LibraryImport(Libc, SetLastError = true)]
    public static partial int sethostname(byte* name, nint len);
    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chroot(string path);
    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chdir(string path);
    [LibraryImport(Libc, SetLastError = true)]
    public static partial int fchdir(int fd);
    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mknod(string path, uint mode, ulong dev);
    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int symlink(string target, string linkpath);
    [LibraryImport(Libc, SetLastError = true)]
    public static partial int reboot(int howto);
    [LibraryImport(Libc)]
    public static partial void sync();
    [LibraryImport(Libc, SetLastError = true)]
    public static partial long syscall(long n, long a, long b, long c);
    [LibraryImport(Libc, SetLastError = true)]
    public static partial int dup2(int oldfd, int newfd);
    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    public static partial long syscall5(long n, long a, long b, long c, long d, long e);
    [LibraryImport(Libc, SetLastError = true)]
    public static partial int setgroups(nint size, uint* list);
    [LibraryImport(Libc, SetLastError = true)]
    public static partial int setresuid(uint ruid, uint euid, uint suid);
    [LibraryImport(Libc, SetLastError = true)]
    public static partial int setresgid(uint rgid, uint egid, uint sgid);

    [LibraryImport(Libc)]
    public static partial int posix_spawn_file_actions_init(void* fa);
    [LibraryImport(Libc)]
    public static partial int posix_spawn_file_actions_adddup2(void* fa, int fd, int newfd);
    [LibraryImport(Libc)]
    public static partial int posix_spawn_file_actions_destroy(void* fa);
    [LibraryImport(Libc)]
    public static partial int posix_spawnattr_init(void* attr);
    [LibraryImport(Libc)]
    public static partial int posix_spawnattr_setflags(void* attr, short flags);
    [LibraryImport(Libc)]
    public static partial int posix_spawnattr_setsigmask(void* attr, void* set);
    [LibraryImport(Libc)]
    public static partial int posix_spawnattr_setsigdefault(void* attr, void* set);
    [LibraryImport(Libc)]
    public static partial int posix_spawnattr_destroy(void* attr);
    [LibraryImport(Libc)]
    public static partial int sigemptyset(void* set);
    [LibraryImport(Libc)]
    public static partial int sigfillset(void* set);
    [LibraryImport(Libc)]
    public static partial int sigdelset(void* set, int sig);
    [LibraryImport(Libc, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int posix_spawn(int* pid, string path, void* fa, void* attr, byte** argv, byte** envp);
    [LibraryImport(Libc, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int posix_spawnp(int* pid, string file, void* fa, void* attr, byte** argv, byte** envp);

    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int umount2(string target, int flags);
    public const int MNT_DETACH = 2;
    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int execvpe(string file, byte** argv, byte** envp);
    [LibraryImport(Libc, SetLastError = true)]
    private static partial int sigaction(int sig, void* act, void* oldact);
    [LibraryImport(Libc, SetLastError = true)]
    private static partial nint signal(int sig, nint handler);
    [LibraryImport(Libc, SetLastError = true)]
    private static partial int sigprocmask(int how, void* set, void* oldset);

    /// <summary>execvpe(3) from a helper that becomes the program (__pid1): signals the .NET
    /// runtime ignores (SIGPIPE) back to their default, as Spawn does for a child (handled ones
    /// are reset by execve itself), an empty signal mask, fd 3 (its report pipe) closed on
    /// success. Returns the errno when the program could not be executed.</summary>
    public static int Exec(string file, IReadOnlyList<string> argv, IReadOnlyList<string> env, int closeOnExec)
    {
        byte** av = AllocStrings(argv);
        byte** ev = AllocStrings(env);
        byte* act = stackalloc byte[256]; // struct sigaction is 152 bytes; sa_handler first
        for (int sig = 1; sig <= 64; sig++)
            if (sigaction(sig, null, act) == 0 && *(nint*)act == 1 /* SIG_IGN */) signal(sig, 0 /* SIG_DFL */);
        byte* set = stackalloc byte[128];
        sigemptyset(set);
        sigprocmask(2 /* SIG_SETMASK */, set, null);
        SetCloexec(closeOnExec);
        execvpe(file, av, ev);
        int errno = Errno;
        FreeStrings(av, argv.Count);
        FreeStrings(ev, env.Count);
        return errno;
    }

    public static void SetCloexec(int fd) => syscall(72 /* fcntl */, fd, 2 /* F_SETFD */, 1 /* FD_CLOEXEC */);

    public static int Errno => Marshal.GetLastPInvokeError();

    public static string ErrText(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    public static void WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                nint n = write(fd, p + done, data.Length - done);
                if (n < 0)
                {
                    if (Errno == EINTR) continue;
                    throw new IOException($"write: {ErrText(Errno)}");
                }
                done += (int)n;
            }
        }
    }

    public static int Read(int fd, Span<byte> buf)
    {
        fixed (byte* p = buf)
        {
            while (true)
            {
                nint n = read(fd, p, buf.Length);
                if (n >= 0) return (int)n;
                if (Errno != EINTR) throw new IOException($"read: {ErrText(Errno)}");
            }
        }
    }

    /// <summary>Reads one line byte by byte (a helper's pipe carries a few short lines).</summary>
    public static string? ReadLine(int fd)
    {
        var sb = new List<byte>();
        Span<byte> b = stackalloc byte[1];
        while (true)
        {
            int n;
            try { n = Read(fd, b); } catch (IOException) { n = 0; }
            if (n == 0) return sb.Count > 0 ? Encoding.UTF8.GetString(sb.ToArray()) : null;
            if (b[0] == '\n') return Encoding.UTF8.GetString(sb.ToArray());
            sb.Add(b[0]);
        }
    }

    public static (int Read, int Write) Pipe()
    {
        int* fds = stackalloc int[2];
        if (pipe2(fds, O_CLOEXEC) != 0) throw new IOException($"pipe2: {ErrText(Errno)}");
        return (fds[0], fds[1]);
    }

    /// <summary>Decodes a wait status into (exit code as a shell reports it, signal or 0).</summary>
    public static (int Code, int Signo) DecodeStatus(int status)
    {
        int sig = status & 0x7f;
        if (sig == 0) return ((status >> 8) & 0xff, 0);
        return (128 + sig, sig);
    }

    /// <summary>posix_spawn(p) with the given fds mapped onto 0, 1, 2, 3, ... (-1 = leave as is),
    /// every signal at its default disposition and an empty signal mask (the .NET runtime ignores
    /// SIGPIPE, which a child would otherwise inherit). Returns the pid or throws with errno.</summary>
    public static int Spawn(string path, IReadOnlyList<string> argv, IReadOnlyList<string> env, ReadOnlySpan<int> fds, bool searchPath, bool newSession,
        bool foregroundGroup = false)
    {
        byte** av = AllocStrings(argv);
        byte** ev = AllocStrings(env);
        byte* fa = stackalloc byte[256];
        byte* attr = stackalloc byte[512];
        byte* set = stackalloc byte[128];
        try
        {
            posix_spawn_file_actions_init(fa);
            posix_spawnattr_init(attr);
            for (int i = 0; i < fds.Length; i++)
                if (fds[i] >= 0) posix_spawn_file_actions_adddup2(fa, fds[i], i);
            sigfillset(set);
            sigdelset(set, SIGKILL); sigdelset(set, 19 /* SIGSTOP */);
            posix_spawnattr_setsigdefault(attr, set);
            sigemptyset(set);
            posix_spawnattr_setsigmask(attr, set);
            if (foregroundGroup)
            {
                // its own process group, made the terminal's (fd 0) foreground group in the child
                // before exec, so it never runs in the background of its terminal
                posix_spawnattr_setpgroup(attr, 0);
                posix_spawn_file_actions_addtcsetpgrp_np(fa, 0);
            }
            posix_spawnattr_setflags(attr, (short)(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK
                | (newSession ? POSIX_SPAWN_SETSID : 0) | (foregroundGroup ? POSIX_SPAWN_SETPGROUP : 0)));
            int pid;
            int rc = searchPath ? posix_spawnp(&pid, path, fa, attr, av, ev) : posix_spawn(&pid, path, fa, attr, av, ev);
            if (rc != 0) throw new SpawnException(rc, $"{path}: {ErrText(rc)}");
            return pid;
        }
        finally
        {
            posix_spawn_file_actions_destroy(fa);
            posix_spawnattr_destroy(attr);
            FreeStrings(av, argv.Count);
            FreeStrings(ev, env.Count);
        }
    }

    static byte** AllocStrings(IReadOnlyList<string> l)
    {
        var a = (byte**)NativeMemory.AllocZeroed((nuint)(l.Count + 1), (nuint)sizeof(nint));
        for (int i = 0; i < l.Count; i++) a[i] = (byte*)Marshal.StringToCoTaskMemUTF8(l[i]);
        return a;
    }

    static void FreeStrings(byte** a, int n)
    {
        for (int i = 0; i < n; i++) Marshal.FreeCoTaskMem((nint)a[i]);
        NativeMemory.Free(a);
    }
}

internal sealed class SpawnException(int errno, string message) : Exception(message)
{
    public int Errno { get; } = errno;
}
