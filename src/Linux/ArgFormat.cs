using System.Globalization;
using System.Text;

namespace Sandbox.Linux;

/// <summary>strace-style text for syscall arguments. Values come from the Linux x86-64 UAPI headers
/// (asm-generic/fcntl.h, mman-common.h, linux/sched.h, ...); a few newer than the build machine's
/// headers (F_DUPFD_QUERY, MADV_GUARD_*, ARCH_SHSTK_*, PR_SET_MDWE..., MAP_DROPPABLE, MAP_ABOVE4G) are
/// taken from upstream's UAPI. Nothing here allocates except through the StringBuilder.</summary>
public static class ArgFormat
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Appends <paramref name="value"/> (a raw syscall argument register) decoded as
    /// <paramref name="kind"/>. Path, InBuf, OutBuf and StrArray need application memory, so they
    /// print as <see cref="ArgKind.Ptr"/>; the caller decodes them.</summary>
    public static void Append(StringBuilder sb, ArgKind kind, ulong value)
    {
        switch (kind)
        {
            case ArgKind.Int: AppendSigned(sb, (long)value); break;
            case ArgKind.UInt: AppendUnsigned(sb, value); break;
            case ArgKind.Fd: AppendSigned(sb, (int)value); break;
            case ArgKind.DirFd: AppendDirFd(sb, (int)value); break;
            case ArgKind.Mode: AppendOctal(sb, (uint)value); break;
            case ArgKind.OpenFlags: AppendOpenFlags(sb, (uint)value); break;
            case ArgKind.AtFlags: AppendFlags(sb, (uint)value, s_atFlags, "AT_???"); break;
            case ArgKind.AccessMode: AppendAccessMode(sb, (uint)value); break;
            case ArgKind.Prot: AppendProt(sb, value); break;
            case ArgKind.MmapFlags: AppendMmapFlags(sb, value); break;
            case ArgKind.Whence: AppendEnum(sb, (uint)value, WhenceName((uint)value), "SEEK_???"); break;
            case ArgKind.Signal: AppendSignal(sb, (int)value); break;
            case ArgKind.SigHow: AppendEnum(sb, (uint)value, SigHowName((uint)value), "SIG_???"); break;
            case ArgKind.ClockId: AppendClockId(sb, (int)value); break;
            case ArgKind.FcntlCmd: AppendEnum(sb, (uint)value, FcntlCmdName((uint)value), "F_???"); break;
            case ArgKind.IoctlCmd: AppendIoctlCmd(sb, (uint)value); break;
            case ArgKind.FutexOp: AppendFutexOp(sb, (uint)value); break;
            case ArgKind.ArchPrctlCode: AppendEnum(sb, (uint)value, ArchPrctlName((uint)value), "ARCH_???"); break;
            case ArgKind.PrctlOption: AppendEnum(sb, (uint)value, PrctlName((uint)value), "PR_???"); break;
            case ArgKind.Rlimit: AppendEnum(sb, (uint)value, RlimitName((uint)value), "RLIMIT_???"); break;
            case ArgKind.CloneFlags: AppendCloneFlags(sb, value); break;
            case ArgKind.WaitOptions: AppendFlags(sb, (uint)value, s_waitOptions, "W???"); break;
            case ArgKind.MremapFlags: AppendFlags(sb, value, s_mremapFlags, "MREMAP_???"); break;
            case ArgKind.MadviseAdvice: AppendEnum(sb, (uint)value, MadviseName((uint)value), "MADV_???"); break;
            case ArgKind.SocketDomain: AppendEnum(sb, (uint)value, SocketDomainName((uint)value), "AF_???"); break;
            case ArgKind.SocketType: AppendSocketType(sb, (uint)value); break;
            // Ptr, and the kinds that point into application memory.
            default: AppendPtr(sb, value); break;
        }
    }

    /// <summary>Appends <paramref name="data"/> as a strace string literal: printable ASCII as is,
    /// <c>\" \\ \t \n \v \f \r</c> escaped, any other byte as the shortest octal escape (three
    /// digits when an octal digit follows), and <c>...</c> after the closing quote when
    /// <paramref name="truncated"/>.</summary>
    public static void AppendString(StringBuilder sb, ReadOnlySpan<byte> data, bool truncated)
    {
        sb.Append('"');
        for (int i = 0; i < data.Length; i++)
        {
            byte c = data[i];
            switch (c)
            {
                case (byte)'"': sb.Append("\\\""); continue;
                case (byte)'\\': sb.Append("\\\\"); continue;
                case (byte)'\t': sb.Append("\\t"); continue;
                case (byte)'\n': sb.Append("\\n"); continue;
                case (byte)'\v': sb.Append("\\v"); continue;
                case (byte)'\f': sb.Append("\\f"); continue;
                case (byte)'\r': sb.Append("\\r"); continue;
            }
            if (c >= 0x20 && c < 0x7f)
            {
                sb.Append((char)c);
                continue;
            }
            sb.Append('\\');
            bool nextIsOctalDigit = i + 1 < data.Length && data[i + 1] >= (byte)'0' && data[i + 1] <= (byte)'7';
            if (nextIsOctalDigit || c >= 64)
                sb.Append((char)('0' + (c >> 6)));
            if (nextIsOctalDigit || c >= 8)
                sb.Append((char)('0' + ((c >> 3) & 7)));
            sb.Append((char)('0' + (c & 7)));
        }
        sb.Append('"');
        if (truncated)
            sb.Append("...");
    }

    // ---- primitives ----

    private static void AppendPtr(StringBuilder sb, ulong value)
    {
        if (value == 0)
            sb.Append("NULL");
        else
            AppendHex(sb, value);
    }

    private static void AppendHex(StringBuilder sb, ulong value)
    {
        Span<char> buf = stackalloc char[16];
        value.TryFormat(buf, out int n, "x", Inv);
        sb.Append("0x").Append(buf[..n]);
    }

    // TryFormat on the concrete type: no boxing even before the JIT optimizes (an interpolated
    // StringBuilder append boxes in unoptimized code).
    private static void AppendSigned(StringBuilder sb, long value)
    {
        Span<char> buf = stackalloc char[20];
        value.TryFormat(buf, out int n, default, Inv);
        sb.Append(buf[..n]);
    }

    private static void AppendUnsigned(StringBuilder sb, ulong value)
    {
        Span<char> buf = stackalloc char[20];
        value.TryFormat(buf, out int n, default, Inv);
        sb.Append(buf[..n]);
    }

    private static void AppendDirFd(StringBuilder sb, int fd)
    {
        if (fd == -100)
            sb.Append("AT_FDCWD");
        else
            AppendSigned(sb, fd);
    }

    /// <summary>strace's <c>%#03o</c>: a leading 0, at least three characters (000, 0644, 04755).</summary>
    private static void AppendOctal(StringBuilder sb, uint value)
    {
        Span<char> digits = stackalloc char[12];
        int n = 0;
        do
        {
            digits[n++] = (char)('0' + (value & 7));
            value >>= 3;
        } while (value != 0);
        if (digits[n - 1] != '0')
            digits[n++] = '0';
        while (n < 3)
            digits[n++] = '0';
        for (int i = n - 1; i >= 0; i--)
            sb.Append(digits[i]);
    }

    /// <summary>A named value, or strace's <c>0x1f /* PREFIX_??? */</c>.</summary>
    private static void AppendEnum(StringBuilder sb, uint value, string? name, string unknown)
    {
        if (name is not null)
            sb.Append(name);
        else
            AppendUnknown(sb, value, unknown);
    }

    private static void AppendUnknown(StringBuilder sb, ulong value, string unknown)
    {
        AppendHex(sb, value);
        sb.Append(" /* ").Append(unknown).Append(" */");
    }

    /// <summary>Names each set group of bits in table order (a multi-bit entry must come before its
    /// parts), then any bits left over as hex; 0 prints "0", only-unknown bits as
    /// <c>0x.. /* PREFIX_??? */</c>.</summary>
    private static void AppendFlags(StringBuilder sb, ulong value, (ulong Bits, string Name)[] table, string unknown)
    {
        if (value == 0)
        {
            sb.Append('0');
            return;
        }
        AppendFlagsCore(sb, value, table, unknown, first: true);
    }

    /// <summary>The body of <see cref="AppendFlags"/>; <paramref name="first"/> false means something
    /// was already written, so every part (leftover included) is preceded by '|'.</summary>
    private static void AppendFlagsCore(StringBuilder sb, ulong value, (ulong Bits, string Name)[] table, string unknown, bool first)
    {
        foreach (var (bits, name) in table)
        {
            if ((value & bits) == bits && bits != 0)
            {
                if (!first)
                    sb.Append('|');
                sb.Append(name);
                first = false;
                value &= ~bits;
            }
        }
        if (value != 0)
        {
            if (first)
            {
                AppendUnknown(sb, value, unknown);
            }
            else
            {
                sb.Append('|');
                AppendHex(sb, value);
            }
        }
    }

    // ---- open(2) and friends ----

    private static readonly (ulong, string)[] s_openFlags =
    [
        (0x40, "O_CREAT"),
        (0x80, "O_EXCL"),
        (0x100, "O_NOCTTY"),
        (0x200, "O_TRUNC"),
        (0x400, "O_APPEND"),
        (0x800, "O_NONBLOCK"),
        (0x101000, "O_SYNC"),       // __O_SYNC|O_DSYNC; before its parts
        (0x100000, "__O_SYNC"),
        (0x1000, "O_DSYNC"),
        (0x4000, "O_DIRECT"),
        (0x8000, "O_LARGEFILE"),
        (0x20000, "O_NOFOLLOW"),
        (0x40000, "O_NOATIME"),
        (0x80000, "O_CLOEXEC"),
        (0x200000, "O_PATH"),
        (0x410000, "O_TMPFILE"),    // __O_TMPFILE|O_DIRECTORY; before its parts
        (0x400000, "__O_TMPFILE"),
        (0x10000, "O_DIRECTORY"),
        (0x2000, "FASYNC"),
    ];

    private static void AppendOpenFlags(StringBuilder sb, uint value)
    {
        sb.Append((value & 3) switch
        {
            0 => "O_RDONLY",
            1 => "O_WRONLY",
            2 => "O_RDWR",
            _ => "O_ACCMODE",
        });
        value &= ~3u;
        if (value != 0)
            AppendFlagsCore(sb, value, s_openFlags, "O_???", first: false);
    }

    private static readonly (ulong, string)[] s_atFlags =
    [
        (0x100, "AT_SYMLINK_NOFOLLOW"),
        (0x200, "AT_REMOVEDIR"),        // also AT_EACCESS for faccessat2
        (0x400, "AT_SYMLINK_FOLLOW"),
        (0x800, "AT_NO_AUTOMOUNT"),
        (0x1000, "AT_EMPTY_PATH"),
        (0x2000, "AT_STATX_FORCE_SYNC"),
        (0x4000, "AT_STATX_DONT_SYNC"),
        (0x8000, "AT_RECURSIVE"),
    ];

    private static readonly (ulong, string)[] s_accessModes =
    [
        (4, "R_OK"),
        (2, "W_OK"),
        (1, "X_OK"),
    ];

    private static void AppendAccessMode(StringBuilder sb, uint value)
    {
        if (value == 0)
            sb.Append("F_OK");
        else
            AppendFlagsCore(sb, value, s_accessModes, "?_OK", first: true);
    }

    private static string? WhenceName(uint value) => value switch
    {
        0 => "SEEK_SET",
        1 => "SEEK_CUR",
        2 => "SEEK_END",
        3 => "SEEK_DATA",
        4 => "SEEK_HOLE",
        _ => null,
    };

    // ---- memory ----

    private static readonly (ulong, string)[] s_protFlags =
    [
        (0x1, "PROT_READ"),
        (0x2, "PROT_WRITE"),
        (0x4, "PROT_EXEC"),
        (0x8, "PROT_SEM"),
        (0x01000000, "PROT_GROWSDOWN"),
        (0x02000000, "PROT_GROWSUP"),
    ];

    private static void AppendProt(StringBuilder sb, ulong value)
    {
        if (value == 0)
            sb.Append("PROT_NONE");
        else
            AppendFlagsCore(sb, value, s_protFlags, "PROT_???", first: true);
    }

    // In strace's order (xlat/mmap_flags.in); the map type (low nibble) is printed first, and the
    // MAP_HUGE_* size field (bits 26..31, which also holds MAP_UNINITIALIZED) last, as N<<MAP_HUGE_SHIFT.
    private static readonly (ulong, string)[] s_mmapFlags =
    [
        (0x10, "MAP_FIXED"),
        (0x20, "MAP_ANONYMOUS"),
        (0x40, "MAP_32BIT"),
        (0x80, "MAP_ABOVE4G"),
        (0x4000, "MAP_NORESERVE"),
        (0x8000, "MAP_POPULATE"),
        (0x10000, "MAP_NONBLOCK"),
        (0x100, "MAP_GROWSDOWN"),
        (0x800, "MAP_DENYWRITE"),
        (0x1000, "MAP_EXECUTABLE"),
        (0x2000, "MAP_LOCKED"),
        (0x20000, "MAP_STACK"),
        (0x40000, "MAP_HUGETLB"),
        (0x80000, "MAP_SYNC"),
        (0x100000, "MAP_FIXED_NOREPLACE"),
    ];

    private const int MapHugeShift = 26;
    private const ulong MapHugeMask = 0x3f;

    private static void AppendMmapFlags(StringBuilder sb, ulong value)
    {
        ulong type = value & 0xf;
        string? typeName = type switch
        {
            0 => "MAP_FILE",
            1 => "MAP_SHARED",
            2 => "MAP_PRIVATE",
            3 => "MAP_SHARED_VALIDATE",
            8 => "MAP_DROPPABLE",
            _ => null,
        };
        if (typeName is not null)
            sb.Append(typeName);
        else
            AppendUnknown(sb, type, "MAP_???");

        ulong huge = (value >> MapHugeShift) & MapHugeMask;
        ulong rest = value & ~0xfUL & ~(MapHugeMask << MapHugeShift);
        if (rest != 0)
            AppendFlagsCore(sb, rest, s_mmapFlags, "MAP_???", first: false);
        if (huge != 0)
        {
            sb.Append('|');
            AppendUnsigned(sb, huge);
            sb.Append("<<MAP_HUGE_SHIFT");
        }
    }

    private static readonly (ulong, string)[] s_mremapFlags =
    [
        (1, "MREMAP_MAYMOVE"),
        (2, "MREMAP_FIXED"),
        (4, "MREMAP_DONTUNMAP"),
    ];

    private static string? MadviseName(uint value) => value switch
    {
        0 => "MADV_NORMAL",
        1 => "MADV_RANDOM",
        2 => "MADV_SEQUENTIAL",
        3 => "MADV_WILLNEED",
        4 => "MADV_DONTNEED",
        8 => "MADV_FREE",
        9 => "MADV_REMOVE",
        10 => "MADV_DONTFORK",
        11 => "MADV_DOFORK",
        12 => "MADV_MERGEABLE",
        13 => "MADV_UNMERGEABLE",
        14 => "MADV_HUGEPAGE",
        15 => "MADV_NOHUGEPAGE",
        16 => "MADV_DONTDUMP",
        17 => "MADV_DODUMP",
        18 => "MADV_WIPEONFORK",
        19 => "MADV_KEEPONFORK",
        20 => "MADV_COLD",
        21 => "MADV_PAGEOUT",
        22 => "MADV_POPULATE_READ",
        23 => "MADV_POPULATE_WRITE",
        24 => "MADV_DONTNEED_LOCKED",
        25 => "MADV_COLLAPSE",
        100 => "MADV_HWPOISON",
        101 => "MADV_SOFT_OFFLINE",
        102 => "MADV_GUARD_INSTALL",
        103 => "MADV_GUARD_REMOVE",
        _ => null,
    };

    // ---- signals, clocks, processes ----

    private static void AppendSignal(StringBuilder sb, int sig)
    {
        if (SignalNames.IsValid(sig))
            sb.Append(SignalNames.Name(sig));
        else
            AppendSigned(sb, sig);
    }

    private static string? SigHowName(uint value) => value switch
    {
        0 => "SIG_BLOCK",
        1 => "SIG_UNBLOCK",
        2 => "SIG_SETMASK",
        _ => null,
    };

    private static void AppendClockId(StringBuilder sb, int id)
    {
        if (id < 0)
        {
            // CPU-time clocks of another process or thread (MAKE_PROCESS_CPUCLOCK): print the number.
            AppendSigned(sb, id);
            return;
        }
        string? name = id switch
        {
            0 => "CLOCK_REALTIME",
            1 => "CLOCK_MONOTONIC",
            2 => "CLOCK_PROCESS_CPUTIME_ID",
            3 => "CLOCK_THREAD_CPUTIME_ID",
            4 => "CLOCK_MONOTONIC_RAW",
            5 => "CLOCK_REALTIME_COARSE",
            6 => "CLOCK_MONOTONIC_COARSE",
            7 => "CLOCK_BOOTTIME",
            8 => "CLOCK_REALTIME_ALARM",
            9 => "CLOCK_BOOTTIME_ALARM",
            10 => "CLOCK_SGI_CYCLE",
            11 => "CLOCK_TAI",
            _ => null,
        };
        AppendEnum(sb, (uint)id, name, "CLOCK_???");
    }

    // strace's order (xlat/clone_flags.in); CLONE_DETACHED (ignored by the kernel) prints as hex.
    private static readonly (ulong, string)[] s_cloneFlags =
    [
        (0x100, "CLONE_VM"),
        (0x200, "CLONE_FS"),
        (0x400, "CLONE_FILES"),
        (0x800, "CLONE_SIGHAND"),
        (0x1000, "CLONE_PIDFD"),
        (0x2000, "CLONE_PTRACE"),
        (0x4000, "CLONE_VFORK"),
        (0x8000, "CLONE_PARENT"),
        (0x10000, "CLONE_THREAD"),
        (0x20000, "CLONE_NEWNS"),
        (0x40000, "CLONE_SYSVSEM"),
        (0x80000, "CLONE_SETTLS"),
        (0x100000, "CLONE_PARENT_SETTID"),
        (0x200000, "CLONE_CHILD_CLEARTID"),
        (0x800000, "CLONE_UNTRACED"),
        (0x1000000, "CLONE_CHILD_SETTID"),
        (0x2000000, "CLONE_NEWCGROUP"),
        (0x4000000, "CLONE_NEWUTS"),
        (0x8000000, "CLONE_NEWIPC"),
        (0x10000000, "CLONE_NEWUSER"),
        (0x20000000, "CLONE_NEWPID"),
        (0x40000000, "CLONE_NEWNET"),
        (0x80000000, "CLONE_IO"),
        (0x100000000, "CLONE_CLEAR_SIGHAND"),
        (0x200000000, "CLONE_INTO_CGROUP"),
    ];

    private const ulong CloneNewTime = 0x80;

    /// <summary>clone flags with the exit signal (CSIGNAL, the low byte) printed last by name, as in
    /// <c>CLONE_VM|CLONE_FS|SIGCHLD</c>. For unshare/setns, where the low byte holds no signal, a low
    /// byte of exactly 0x80 prints as CLONE_NEWTIME.</summary>
    private static void AppendCloneFlags(StringBuilder sb, ulong value)
    {
        if (value == 0)
        {
            sb.Append('0');
            return;
        }
        ulong low = value & 0xff;
        ulong flags = value & ~0xffUL;
        bool first = true;
        if (low == CloneNewTime)
        {
            sb.Append("CLONE_NEWTIME");
            first = false;
            low = 0;
        }
        if (flags != 0)
        {
            AppendFlagsCore(sb, flags, s_cloneFlags, "CLONE_???", first);
            first = false;
        }
        if (low != 0)
        {
            if (!first)
                sb.Append('|');
            AppendSignal(sb, (int)low);
        }
    }

    // strace's order (xlat/wait4_options.in), with 2 named WUNTRACED (WSTOPPED for waitid).
    private static readonly (ulong, string)[] s_waitOptions =
    [
        (0x1, "WNOHANG"),
        (0x4, "WEXITED"),
        (0x2, "WUNTRACED"),
        (0x8, "WCONTINUED"),
        (0x01000000, "WNOWAIT"),
        (0x80000000, "__WCLONE"),
        (0x40000000, "__WALL"),
        (0x20000000, "__WNOTHREAD"),
    ];

    private static string? RlimitName(uint value) => value switch
    {
        0 => "RLIMIT_CPU",
        1 => "RLIMIT_FSIZE",
        2 => "RLIMIT_DATA",
        3 => "RLIMIT_STACK",
        4 => "RLIMIT_CORE",
        5 => "RLIMIT_RSS",
        6 => "RLIMIT_NPROC",
        7 => "RLIMIT_NOFILE",
        8 => "RLIMIT_MEMLOCK",
        9 => "RLIMIT_AS",
        10 => "RLIMIT_LOCKS",
        11 => "RLIMIT_SIGPENDING",
        12 => "RLIMIT_MSGQUEUE",
        13 => "RLIMIT_NICE",
        14 => "RLIMIT_RTPRIO",
        15 => "RLIMIT_RTTIME",
        _ => null,
    };

    private static string? ArchPrctlName(uint value) => value switch
    {
        0x1001 => "ARCH_SET_GS",
        0x1002 => "ARCH_SET_FS",
        0x1003 => "ARCH_GET_FS",
        0x1004 => "ARCH_GET_GS",
        0x1011 => "ARCH_GET_CPUID",
        0x1012 => "ARCH_SET_CPUID",
        0x1021 => "ARCH_GET_XCOMP_SUPP",
        0x1022 => "ARCH_GET_XCOMP_PERM",
        0x1023 => "ARCH_REQ_XCOMP_PERM",
        0x1024 => "ARCH_GET_XCOMP_GUEST_PERM",
        0x1025 => "ARCH_REQ_XCOMP_GUEST_PERM",
        0x2001 => "ARCH_MAP_VDSO_X32",
        0x2002 => "ARCH_MAP_VDSO_32",
        0x2003 => "ARCH_MAP_VDSO_64",
        0x4001 => "ARCH_GET_UNTAG_MASK",
        0x4002 => "ARCH_ENABLE_TAGGED_ADDR",
        0x4003 => "ARCH_GET_MAX_TAG_BITS",
        0x4004 => "ARCH_FORCE_TAGGED_SVA",
        0x5001 => "ARCH_SHSTK_ENABLE",
        0x5002 => "ARCH_SHSTK_DISABLE",
        0x5003 => "ARCH_SHSTK_LOCK",
        0x5004 => "ARCH_SHSTK_UNLOCK",
        0x5005 => "ARCH_SHSTK_STATUS",
        _ => null,
    };

    private static string? PrctlName(uint value) => value switch
    {
        1 => "PR_SET_PDEATHSIG",
        2 => "PR_GET_PDEATHSIG",
        3 => "PR_GET_DUMPABLE",
        4 => "PR_SET_DUMPABLE",
        5 => "PR_GET_UNALIGN",
        6 => "PR_SET_UNALIGN",
        7 => "PR_GET_KEEPCAPS",
        8 => "PR_SET_KEEPCAPS",
        9 => "PR_GET_FPEMU",
        10 => "PR_SET_FPEMU",
        11 => "PR_GET_FPEXC",
        12 => "PR_SET_FPEXC",
        13 => "PR_GET_TIMING",
        14 => "PR_SET_TIMING",
        15 => "PR_SET_NAME",
        16 => "PR_GET_NAME",
        19 => "PR_GET_ENDIAN",
        20 => "PR_SET_ENDIAN",
        21 => "PR_GET_SECCOMP",
        22 => "PR_SET_SECCOMP",
        23 => "PR_CAPBSET_READ",
        24 => "PR_CAPBSET_DROP",
        25 => "PR_GET_TSC",
        26 => "PR_SET_TSC",
        27 => "PR_GET_SECUREBITS",
        28 => "PR_SET_SECUREBITS",
        29 => "PR_SET_TIMERSLACK",
        30 => "PR_GET_TIMERSLACK",
        31 => "PR_TASK_PERF_EVENTS_DISABLE",
        32 => "PR_TASK_PERF_EVENTS_ENABLE",
        33 => "PR_MCE_KILL",
        34 => "PR_MCE_KILL_GET",
        35 => "PR_SET_MM",
        36 => "PR_SET_CHILD_SUBREAPER",
        37 => "PR_GET_CHILD_SUBREAPER",
        38 => "PR_SET_NO_NEW_PRIVS",
        39 => "PR_GET_NO_NEW_PRIVS",
        40 => "PR_GET_TID_ADDRESS",
        41 => "PR_SET_THP_DISABLE",
        42 => "PR_GET_THP_DISABLE",
        43 => "PR_MPX_ENABLE_MANAGEMENT",
        44 => "PR_MPX_DISABLE_MANAGEMENT",
        45 => "PR_SET_FP_MODE",
        46 => "PR_GET_FP_MODE",
        47 => "PR_CAP_AMBIENT",
        50 => "PR_SVE_SET_VL",
        51 => "PR_SVE_GET_VL",
        52 => "PR_GET_SPECULATION_CTRL",
        53 => "PR_SET_SPECULATION_CTRL",
        54 => "PR_PAC_RESET_KEYS",
        55 => "PR_SET_TAGGED_ADDR_CTRL",
        56 => "PR_GET_TAGGED_ADDR_CTRL",
        57 => "PR_SET_IO_FLUSHER",
        58 => "PR_GET_IO_FLUSHER",
        59 => "PR_SET_SYSCALL_USER_DISPATCH",
        60 => "PR_PAC_SET_ENABLED_KEYS",
        61 => "PR_PAC_GET_ENABLED_KEYS",
        62 => "PR_SCHED_CORE",
        63 => "PR_SME_SET_VL",
        64 => "PR_SME_GET_VL",
        65 => "PR_SET_MDWE",
        66 => "PR_GET_MDWE",
        67 => "PR_SET_MEMORY_MERGE",
        68 => "PR_GET_MEMORY_MERGE",
        69 => "PR_RISCV_V_SET_CONTROL",
        70 => "PR_RISCV_V_GET_CONTROL",
        71 => "PR_RISCV_SET_ICACHE_FLUSH_CTX",
        72 => "PR_PPC_GET_DEXCR",
        73 => "PR_PPC_SET_DEXCR",
        0x41555856 => "PR_GET_AUXV",
        0x53564d41 => "PR_SET_VMA",
        0x59616d61 => "PR_SET_PTRACER",
        _ => null,
    };

    // ---- files ----

    private static string? FcntlCmdName(uint value) => value switch
    {
        0 => "F_DUPFD",
        1 => "F_GETFD",
        2 => "F_SETFD",
        3 => "F_GETFL",
        4 => "F_SETFL",
        5 => "F_GETLK",
        6 => "F_SETLK",
        7 => "F_SETLKW",
        8 => "F_SETOWN",
        9 => "F_GETOWN",
        10 => "F_SETSIG",
        11 => "F_GETSIG",
        15 => "F_SETOWN_EX",
        16 => "F_GETOWN_EX",
        17 => "F_GETOWNER_UIDS",
        36 => "F_OFD_GETLK",
        37 => "F_OFD_SETLK",
        38 => "F_OFD_SETLKW",
        1024 => "F_SETLEASE",
        1025 => "F_GETLEASE",
        1026 => "F_NOTIFY",
        1027 => "F_DUPFD_QUERY",
        1028 => "F_CREATED_QUERY",
        1029 => "F_CANCELLK",
        1030 => "F_DUPFD_CLOEXEC",
        1031 => "F_SETPIPE_SZ",
        1032 => "F_GETPIPE_SZ",
        1033 => "F_ADD_SEALS",
        1034 => "F_GET_SEALS",
        1035 => "F_GET_RW_HINT",
        1036 => "F_SET_RW_HINT",
        1037 => "F_GET_FILE_RW_HINT",
        1038 => "F_SET_FILE_RW_HINT",
        _ => null,
    };

    private static void AppendIoctlCmd(StringBuilder sb, uint value)
    {
        string? name = value switch
        {
            0x5401 => "TCGETS",
            0x5402 => "TCSETS",
            0x5403 => "TCSETSW",
            0x5404 => "TCSETSF",
            0x5405 => "TCGETA",
            0x5406 => "TCSETA",
            0x5407 => "TCSETAW",
            0x5408 => "TCSETAF",
            0x5409 => "TCSBRK",
            0x540a => "TCXONC",
            0x540b => "TCFLSH",
            0x540c => "TIOCEXCL",
            0x540d => "TIOCNXCL",
            0x540e => "TIOCSCTTY",
            0x540f => "TIOCGPGRP",
            0x5410 => "TIOCSPGRP",
            0x5411 => "TIOCOUTQ",
            0x5412 => "TIOCSTI",
            0x5413 => "TIOCGWINSZ",
            0x5414 => "TIOCSWINSZ",
            0x5415 => "TIOCMGET",
            0x5416 => "TIOCMBIS",
            0x5417 => "TIOCMBIC",
            0x5418 => "TIOCMSET",
            0x5419 => "TIOCGSOFTCAR",
            0x541a => "TIOCSSOFTCAR",
            0x541b => "FIONREAD",       // also TIOCINQ
            0x541c => "TIOCLINUX",
            0x541d => "TIOCCONS",
            0x541e => "TIOCGSERIAL",
            0x541f => "TIOCSSERIAL",
            0x5420 => "TIOCPKT",
            0x5421 => "FIONBIO",
            0x5422 => "TIOCNOTTY",
            0x5423 => "TIOCSETD",
            0x5424 => "TIOCGETD",
            0x5425 => "TCSBRKP",
            0x5427 => "TIOCSBRK",
            0x5428 => "TIOCCBRK",
            0x5429 => "TIOCGSID",
            0x802c542a => "TCGETS2",
            0x402c542b => "TCSETS2",
            0x402c542c => "TCSETSW2",
            0x402c542d => "TCSETSF2",
            0x542e => "TIOCGRS485",
            0x542f => "TIOCSRS485",
            0x80045430 => "TIOCGPTN",
            0x40045431 => "TIOCSPTLCK",
            0x80045432 => "TIOCGDEV",
            0x5432 => "TCGETX",
            0x5433 => "TCSETX",
            0x5434 => "TCSETXF",
            0x5435 => "TCSETXW",
            0x40045436 => "TIOCSIG",
            0x5437 => "TIOCVHANGUP",
            0x80045438 => "TIOCGPKT",
            0x80045439 => "TIOCGPTLCK",
            0x80045440 => "TIOCGEXCL",
            0x5441 => "TIOCGPTPEER",
            0x5450 => "FIONCLEX",
            0x5451 => "FIOCLEX",
            0x5452 => "FIOASYNC",
            0x5453 => "TIOCSERCONFIG",
            0x5454 => "TIOCSERGWILD",
            0x5455 => "TIOCSERSWILD",
            0x5456 => "TIOCGLCKTRMIOS",
            0x5457 => "TIOCSLCKTRMIOS",
            0x5458 => "TIOCSERGSTRUCT",
            0x5459 => "TIOCSERGETLSR",
            0x545a => "TIOCSERGETMULTI",
            0x545b => "TIOCSERSETMULTI",
            0x545c => "TIOCMIWAIT",
            0x545d => "TIOCGICOUNT",
            0x5460 => "FIOQSIZE",
            _ => null,
        };
        if (name is not null)
            sb.Append(name);
        else
            AppendHex(sb, value);
    }

    // ---- futex ----

    private const uint FutexPrivateFlag = 128;
    private const uint FutexClockRealtime = 256;

    /// <summary><c>FUTEX_WAIT_PRIVATE</c>, <c>FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME</c>; an
    /// unknown command or stray bits print the whole value as <c>0x.. /* FUTEX_??? */</c>.</summary>
    private static void AppendFutexOp(StringBuilder sb, uint op)
    {
        string? name = (op & 127) switch
        {
            0 => "FUTEX_WAIT",
            1 => "FUTEX_WAKE",
            2 => "FUTEX_FD",
            3 => "FUTEX_REQUEUE",
            4 => "FUTEX_CMP_REQUEUE",
            5 => "FUTEX_WAKE_OP",
            6 => "FUTEX_LOCK_PI",
            7 => "FUTEX_UNLOCK_PI",
            8 => "FUTEX_TRYLOCK_PI",
            9 => "FUTEX_WAIT_BITSET",
            10 => "FUTEX_WAKE_BITSET",
            11 => "FUTEX_WAIT_REQUEUE_PI",
            12 => "FUTEX_CMP_REQUEUE_PI",
            13 => "FUTEX_LOCK_PI2",
            _ => null,
        };
        if (name is null || (op & ~(127u | FutexPrivateFlag | FutexClockRealtime)) != 0)
        {
            AppendUnknown(sb, op, "FUTEX_???");
            return;
        }
        sb.Append(name);
        if ((op & FutexPrivateFlag) != 0)
            sb.Append("_PRIVATE");
        if ((op & FutexClockRealtime) != 0)
            sb.Append("|FUTEX_CLOCK_REALTIME");
    }

    // ---- sockets ----

    private static string? SocketDomainName(uint value) => value switch
    {
        0 => "AF_UNSPEC",
        1 => "AF_UNIX",
        2 => "AF_INET",
        3 => "AF_AX25",
        4 => "AF_IPX",
        5 => "AF_APPLETALK",
        6 => "AF_NETROM",
        7 => "AF_BRIDGE",
        8 => "AF_ATMPVC",
        9 => "AF_X25",
        10 => "AF_INET6",
        11 => "AF_ROSE",
        12 => "AF_DECnet",
        13 => "AF_NETBEUI",
        14 => "AF_SECURITY",
        15 => "AF_KEY",
        16 => "AF_NETLINK",
        17 => "AF_PACKET",
        18 => "AF_ASH",
        19 => "AF_ECONET",
        20 => "AF_ATMSVC",
        21 => "AF_RDS",
        22 => "AF_SNA",
        23 => "AF_IRDA",
        24 => "AF_PPPOX",
        25 => "AF_WANPIPE",
        26 => "AF_LLC",
        27 => "AF_IB",
        28 => "AF_MPLS",
        29 => "AF_CAN",
        30 => "AF_TIPC",
        31 => "AF_BLUETOOTH",
        32 => "AF_IUCV",
        33 => "AF_RXRPC",
        34 => "AF_ISDN",
        35 => "AF_PHONET",
        36 => "AF_IEEE802154",
        37 => "AF_CAIF",
        38 => "AF_ALG",
        39 => "AF_NFC",
        40 => "AF_VSOCK",
        41 => "AF_KCM",
        42 => "AF_QIPCRTR",
        43 => "AF_SMC",
        44 => "AF_XDP",
        45 => "AF_MCTP",
        _ => null,
    };

    private static readonly (ulong, string)[] s_sockTypeFlags =
    [
        (0x80000, "SOCK_CLOEXEC"),
        (0x800, "SOCK_NONBLOCK"),
    ];

    /// <summary>The socket type (low nibble) then SOCK_CLOEXEC/SOCK_NONBLOCK: <c>SOCK_STREAM|SOCK_CLOEXEC</c>;
    /// with no type, as for accept4's flags, just the flags.</summary>
    private static void AppendSocketType(StringBuilder sb, uint value)
    {
        uint type = value & 0xf;
        uint flags = value & ~0xfu;
        if (type == 0)
        {
            AppendFlags(sb, flags, s_sockTypeFlags, "SOCK_???");
            return;
        }
        string? name = type switch
        {
            1 => "SOCK_STREAM",
            2 => "SOCK_DGRAM",
            3 => "SOCK_RAW",
            4 => "SOCK_RDM",
            5 => "SOCK_SEQPACKET",
            6 => "SOCK_DCCP",
            10 => "SOCK_PACKET",
            _ => null,
        };
        AppendEnum(sb, type, name, "SOCK_???");
        if (flags != 0)
        {
            sb.Append('|');
            AppendFlagsCore(sb, flags, s_sockTypeFlags, "SOCK_???", first: true);
        }
    }
}
