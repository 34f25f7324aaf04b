using System.Globalization;

namespace Sandbox.Linux;

/// <summary>Names and messages for Linux errno values, as strace prints them: <c>ENOENT (No such file
/// or directory)</c>. The messages are glibc's <c>strerror</c> text; the kernel-internal restart codes
/// (512..516) use strace's wording, since glibc has none.</summary>
public static class ErrnoText
{
    // Indexed by errno. 0, 41 and 58 are no errno: they hold what the fallback would give, so that no
    // value below 134 allocates.
    private static readonly string[] s_names =
    [
        "0", // 0
        "EPERM", // 1
        "ENOENT", // 2
        "ESRCH", // 3
        "EINTR", // 4
        "EIO", // 5
        "ENXIO", // 6
        "E2BIG", // 7
        "ENOEXEC", // 8
        "EBADF", // 9
        "ECHILD", // 10
        "EAGAIN", // 11
        "ENOMEM", // 12
        "EACCES", // 13
        "EFAULT", // 14
        "ENOTBLK", // 15
        "EBUSY", // 16
        "EEXIST", // 17
        "EXDEV", // 18
        "ENODEV", // 19
        "ENOTDIR", // 20
        "EISDIR", // 21
        "EINVAL", // 22
        "ENFILE", // 23
        "EMFILE", // 24
        "ENOTTY", // 25
        "ETXTBSY", // 26
        "EFBIG", // 27
        "ENOSPC", // 28
        "ESPIPE", // 29
        "EROFS", // 30
        "EMLINK", // 31
        "EPIPE", // 32
        "EDOM", // 33
        "ERANGE", // 34
        "EDEADLK", // 35
        "ENAMETOOLONG", // 36
        "ENOLCK", // 37
        "ENOSYS", // 38
        "ENOTEMPTY", // 39
        "ELOOP", // 40
        "41", // 41
        "ENOMSG", // 42
        "EIDRM", // 43
        "ECHRNG", // 44
        "EL2NSYNC", // 45
        "EL3HLT", // 46
        "EL3RST", // 47
        "ELNRNG", // 48
        "EUNATCH", // 49
        "ENOCSI", // 50
        "EL2HLT", // 51
        "EBADE", // 52
        "EBADR", // 53
        "EXFULL", // 54
        "ENOANO", // 55
        "EBADRQC", // 56
        "EBADSLT", // 57
        "58", // 58
        "EBFONT", // 59
        "ENOSTR", // 60
        "ENODATA", // 61
        "ETIME", // 62
        "ENOSR", // 63
        "ENONET", // 64
        "ENOPKG", // 65
        "EREMOTE", // 66
        "ENOLINK", // 67
        "EADV", // 68
        "ESRMNT", // 69
        "ECOMM", // 70
        "EPROTO", // 71
        "EMULTIHOP", // 72
        "EDOTDOT", // 73
        "EBADMSG", // 74
        "EOVERFLOW", // 75
        "ENOTUNIQ", // 76
        "EBADFD", // 77
        "EREMCHG", // 78
        "ELIBACC", // 79
        "ELIBBAD", // 80
        "ELIBSCN", // 81
        "ELIBMAX", // 82
        "ELIBEXEC", // 83
        "EILSEQ", // 84
        "ERESTART", // 85
        "ESTRPIPE", // 86
        "EUSERS", // 87
        "ENOTSOCK", // 88
        "EDESTADDRREQ", // 89
        "EMSGSIZE", // 90
        "EPROTOTYPE", // 91
        "ENOPROTOOPT", // 92
        "EPROTONOSUPPORT", // 93
        "ESOCKTNOSUPPORT", // 94
        "EOPNOTSUPP", // 95
        "EPFNOSUPPORT", // 96
        "EAFNOSUPPORT", // 97
        "EADDRINUSE", // 98
        "EADDRNOTAVAIL", // 99
        "ENETDOWN", // 100
        "ENETUNREACH", // 101
        "ENETRESET", // 102
        "ECONNABORTED", // 103
        "ECONNRESET", // 104
        "ENOBUFS", // 105
        "EISCONN", // 106
        "ENOTCONN", // 107
        "ESHUTDOWN", // 108
        "ETOOMANYREFS", // 109
        "ETIMEDOUT", // 110
        "ECONNREFUSED", // 111
        "EHOSTDOWN", // 112
        "EHOSTUNREACH", // 113
        "EALREADY", // 114
        "EINPROGRESS", // 115
        "ESTALE", // 116
        "EUCLEAN", // 117
        "ENOTNAM", // 118
        "ENAVAIL", // 119
        "EISNAM", // 120
        "EREMOTEIO", // 121
        "EDQUOT", // 122
        "ENOMEDIUM", // 123
        "EMEDIUMTYPE", // 124
        "ECANCELED", // 125
        "ENOKEY", // 126
        "EKEYEXPIRED", // 127
        "EKEYREVOKED", // 128
        "EKEYREJECTED", // 129
        "EOWNERDEAD", // 130
        "ENOTRECOVERABLE", // 131
        "ERFKILL", // 132
        "EHWPOISON", // 133
    ];

    private static readonly string[] s_messages =
    [
        "Success", // 0
        "Operation not permitted", // 1
        "No such file or directory", // 2
        "No such process", // 3
        "Interrupted system call", // 4
        "Input/output error", // 5
        "No such device or address", // 6
        "Argument list too long", // 7
        "Exec format error", // 8
        "Bad file descriptor", // 9
        "No child processes", // 10
        "Resource temporarily unavailable", // 11
        "Cannot allocate memory", // 12
        "Permission denied", // 13
        "Bad address", // 14
        "Block device required", // 15
        "Device or resource busy", // 16
        "File exists", // 17
        "Invalid cross-device link", // 18
        "No such device", // 19
        "Not a directory", // 20
        "Is a directory", // 21
        "Invalid argument", // 22
        "Too many open files in system", // 23
        "Too many open files", // 24
        "Inappropriate ioctl for device", // 25
        "Text file busy", // 26
        "File too large", // 27
        "No space left on device", // 28
        "Illegal seek", // 29
        "Read-only file system", // 30
        "Too many links", // 31
        "Broken pipe", // 32
        "Numerical argument out of domain", // 33
        "Numerical result out of range", // 34
        "Resource deadlock avoided", // 35
        "File name too long", // 36
        "No locks available", // 37
        "Function not implemented", // 38
        "Directory not empty", // 39
        "Too many levels of symbolic links", // 40
        "Unknown error 41", // 41
        "No message of desired type", // 42
        "Identifier removed", // 43
        "Channel number out of range", // 44
        "Level 2 not synchronized", // 45
        "Level 3 halted", // 46
        "Level 3 reset", // 47
        "Link number out of range", // 48
        "Protocol driver not attached", // 49
        "No CSI structure available", // 50
        "Level 2 halted", // 51
        "Invalid exchange", // 52
        "Invalid request descriptor", // 53
        "Exchange full", // 54
        "No anode", // 55
        "Invalid request code", // 56
        "Invalid slot", // 57
        "Unknown error 58", // 58
        "Bad font file format", // 59
        "Device not a stream", // 60
        "No data available", // 61
        "Timer expired", // 62
        "Out of streams resources", // 63
        "Machine is not on the network", // 64
        "Package not installed", // 65
        "Object is remote", // 66
        "Link has been severed", // 67
        "Advertise error", // 68
        "Srmount error", // 69
        "Communication error on send", // 70
        "Protocol error", // 71
        "Multihop attempted", // 72
        "RFS specific error", // 73
        "Bad message", // 74
        "Value too large for defined data type", // 75
        "Name not unique on network", // 76
        "File descriptor in bad state", // 77
        "Remote address changed", // 78
        "Can not access a needed shared library", // 79
        "Accessing a corrupted shared library", // 80
        ".lib section in a.out corrupted", // 81
        "Attempting to link in too many shared libraries", // 82
        "Cannot exec a shared library directly", // 83
        "Invalid or incomplete multibyte or wide character", // 84
        "Interrupted system call should be restarted", // 85
        "Streams pipe error", // 86
        "Too many users", // 87
        "Socket operation on non-socket", // 88
        "Destination address required", // 89
        "Message too long", // 90
        "Protocol wrong type for socket", // 91
        "Protocol not available", // 92
        "Protocol not supported", // 93
        "Socket type not supported", // 94
        "Operation not supported", // 95
        "Protocol family not supported", // 96
        "Address family not supported by protocol", // 97
        "Address already in use", // 98
        "Cannot assign requested address", // 99
        "Network is down", // 100
        "Network is unreachable", // 101
        "Network dropped connection on reset", // 102
        "Software caused connection abort", // 103
        "Connection reset by peer", // 104
        "No buffer space available", // 105
        "Transport endpoint is already connected", // 106
        "Transport endpoint is not connected", // 107
        "Cannot send after transport endpoint shutdown", // 108
        "Too many references: cannot splice", // 109
        "Connection timed out", // 110
        "Connection refused", // 111
        "Host is down", // 112
        "No route to host", // 113
        "Operation already in progress", // 114
        "Operation now in progress", // 115
        "Stale file handle", // 116
        "Structure needs cleaning", // 117
        "Not a XENIX named type file", // 118
        "No XENIX semaphores available", // 119
        "Is a named type file", // 120
        "Remote I/O error", // 121
        "Disk quota exceeded", // 122
        "No medium found", // 123
        "Wrong medium type", // 124
        "Operation canceled", // 125
        "Required key not available", // 126
        "Key has expired", // 127
        "Key has been revoked", // 128
        "Key was rejected by service", // 129
        "Owner died", // 130
        "State not recoverable", // 131
        "Operation not possible due to RF-kill", // 132
        "Memory page has hardware error", // 133
    ];

    /// <summary>The symbolic name (<c>"ENOENT"</c>) of a positive errno value; aliases give the kernel's
    /// primary name (11 is EAGAIN, 35 EDEADLK, 95 EOPNOTSUPP). Unknown values give the number.</summary>
    public static string Name(int errno)
    {
        if ((uint)errno < (uint)s_names.Length)
            return s_names[errno];
        return errno switch
        {
            512 => "ERESTARTSYS",
            513 => "ERESTARTNOINTR",
            514 => "ERESTARTNOHAND",
            515 => "ENOIOCTLCMD",
            516 => "ERESTART_RESTARTBLOCK",
            _ => errno.ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>The glibc <c>strerror</c> text for <paramref name="errno"/> (<c>"No such file or
    /// directory"</c>); unknown values give glibc's <c>"Unknown error N"</c>.</summary>
    public static string Message(int errno)
    {
        if ((uint)errno < (uint)s_messages.Length)
            return s_messages[errno];
        return errno switch
        {
            512 => "To be restarted if SA_RESTART is set",
            513 => "To be restarted",
            514 => "To be restarted if no handler",
            515 => "No ioctl command",
            516 => "Interrupted by signal",
            _ => "Unknown error " + errno.ToString(CultureInfo.InvariantCulture),
        };
    }
}
