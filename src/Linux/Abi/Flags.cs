namespace Sandbox.Linux.Abi;

/// <summary>open(2) flags (asm-generic/fcntl.h).</summary>
public static class OpenFlags
{
    public const int O_ACCMODE = 3, O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40,
        O_EXCL = 0x80, O_NOCTTY = 0x100, O_TRUNC = 0x200, O_APPEND = 0x400, O_NONBLOCK = 0x800,
        O_DSYNC = 0x1000, O_ASYNC = 0x2000, O_DIRECT = 0x4000, O_LARGEFILE = 0x8000,
        O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000, O_NOATIME = 0x40000, O_CLOEXEC = 0x80000,
        O_SYNC = 0x101000, O_PATH = 0x200000, O_TMPFILE = 0x410000;

    /// <summary>Flags F_SETFL may change (fs/fcntl.c SETFL_MASK).</summary>
    public const int SetflMask = O_APPEND | O_NONBLOCK | O_NDELAY | O_DIRECT | O_NOATIME | O_ASYNC;
    public const int O_NDELAY = O_NONBLOCK;
    /// <summary>Every flag open(2) knows; anything else is ignored by open, rejected by openat2.</summary>
    public const int Valid = 0x7fffff & ~0x3c; 
}

public static class AtFlags
{
    public const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_EACCESS = 0x200,
        AT_REMOVEDIR = 0x200, AT_SYMLINK_FOLLOW = 0x400, AT_NO_AUTOMOUNT = 0x800,
        AT_EMPTY_PATH = 0x1000, AT_STATX_SYNC_TYPE = 0x6000, AT_STATX_FORCE_SYNC = 0x2000,
        AT_STATX_DONT_SYNC = 0x4000;
}

public static class Prot
{
    public const int NONE = 0, READ = 1, WRITE = 2, EXEC = 4, GROWSDOWN = 0x01000000, GROWSUP = 0x02000000;
}

public static class MapFlags
{
    public const int SHARED = 1, PRIVATE = 2, SHARED_VALIDATE = 3, TYPE = 0xf, FIXED = 0x10,
        ANONYMOUS = 0x20, GROWSDOWN = 0x100, DENYWRITE = 0x800, EXECUTABLE = 0x1000, LOCKED = 0x2000,
        NORESERVE = 0x4000, POPULATE = 0x8000, NONBLOCK = 0x10000, STACK = 0x20000, HUGETLB = 0x40000,
        SYNC = 0x80000, FIXED_NOREPLACE = 0x100000, UNINITIALIZED = 0x4000000;
}

public static class Fcntl
{
    public const int F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_GETLK = 5,
        F_SETLK = 6, F_SETLKW = 7, F_SETOWN = 8, F_GETOWN = 9, F_SETSIG = 10, F_GETSIG = 11,
        F_DUPFD_CLOEXEC = 1030, F_SETPIPE_SZ = 1031, F_GETPIPE_SZ = 1032, F_ADD_SEALS = 1033,
        F_GET_SEALS = 1034, FD_CLOEXEC = 1;
}

public static class Seek { public const int SET = 0, CUR = 1, END = 2, DATA = 3, HOLE = 4; }

public static class Access { public const int F_OK = 0, X_OK = 1, W_OK = 2, R_OK = 4; }

public static class Ioctl
{
    public const uint TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404,
        TIOCGPGRP = 0x540F, TIOCSPGRP = 0x5410, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414,
        FIONREAD = 0x541B, FIONBIO = 0x5421, FIONCLEX = 0x5450, FIOCLEX = 0x5451, FIOASYNC = 0x5452;
    /// <summary>sizeof(struct termios) in the kernel ABI (asm-generic/termbits.h).</summary>
    public const int TermiosSize = 36;
    public const int WinsizeSize = 8;
}

public static class ClockId
{
    public const int REALTIME = 0, MONOTONIC = 1, PROCESS_CPUTIME_ID = 2, THREAD_CPUTIME_ID = 3,
        MONOTONIC_RAW = 4, REALTIME_COARSE = 5, MONOTONIC_COARSE = 6, BOOTTIME = 7,
        REALTIME_ALARM = 8, BOOTTIME_ALARM = 9, TAI = 11;
    public const int TIMER_ABSTIME = 1;
}

public static class Rlimit
{
    public const int CPU = 0, FSIZE = 1, DATA = 2, STACK = 3, CORE = 4, RSS = 5, NPROC = 6,
        NOFILE = 7, MEMLOCK = 8, AS = 9, LOCKS = 10, SIGPENDING = 11, MSGQUEUE = 12, NICE = 13,
        RTPRIO = 14, RTTIME = 15, NLIMITS = 16;
    public const ulong Infinity = ulong.MaxValue;
}

public static class ArchPrctl
{
    public const int SET_GS = 0x1001, SET_FS = 0x1002, GET_FS = 0x1003, GET_GS = 0x1004,
        GET_CPUID = 0x1011, SET_CPUID = 0x1012;
}

public static class Futex
{
    public const int WAIT = 0, WAKE = 1, FD = 2, REQUEUE = 3, CMP_REQUEUE = 4, WAKE_OP = 5,
        LOCK_PI = 6, UNLOCK_PI = 7, TRYLOCK_PI = 8, WAIT_BITSET = 9, WAKE_BITSET = 10,
        WAIT_REQUEUE_PI = 11, CMP_REQUEUE_PI = 12, LOCK_PI2 = 13, PRIVATE_FLAG = 128,
        CLOCK_REALTIME = 256, CMD_MASK = ~(PRIVATE_FLAG | CLOCK_REALTIME);
    public const uint BITSET_MATCH_ANY = 0xffffffff;
}

public static class SigHow { public const int BLOCK = 0, UNBLOCK = 1, SETMASK = 2; }

public static class SigAltStack { public const int SS_ONSTACK = 1, SS_DISABLE = 2, SS_AUTODISARM = unchecked((int)0x80000000), MINSIGSTKSZ = 2048; }

public static class Grnd { public const int NONBLOCK = 1, RANDOM = 2, INSECURE = 4; }

public static class Poll
{
    public const short POLLIN = 0x1, POLLPRI = 0x2, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20,
        POLLRDNORM = 0x40, POLLRDBAND = 0x80, POLLWRNORM = 0x100, POLLWRBAND = 0x200, POLLMSG = 0x400, POLLRDHUP = 0x2000;
}
