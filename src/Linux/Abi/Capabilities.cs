namespace Sandbox.Linux.Abi;

/// <summary>capabilities(7) numbers and the capget/capset header versions (linux/capability.h).</summary>
public static class Cap
{
    public const int CHOWN = 0, DAC_OVERRIDE = 1, DAC_READ_SEARCH = 2, FOWNER = 3, FSETID = 4, KILL = 5,
        SETGID = 6, SETUID = 7, SETPCAP = 8, LINUX_IMMUTABLE = 9, NET_BIND_SERVICE = 10, NET_ADMIN = 12,
        NET_RAW = 13, IPC_LOCK = 14, SYS_CHROOT = 18, SYS_PTRACE = 19, SYS_ADMIN = 21, SYS_NICE = 23,
        SYS_RESOURCE = 24, MKNOD = 27, SETFCAP = 31, MAC_OVERRIDE = 32, LAST_CAP = 40;

    public const ulong All = (1UL << (LAST_CAP + 1)) - 1;

    /// <summary>The capabilities an fsuid change from 0 clears from the effective set (setfsuid(2)).</summary>
    public const ulong FsMask = (1UL << CHOWN) | (1UL << DAC_OVERRIDE) | (1UL << DAC_READ_SEARCH) | (1UL << FOWNER)
        | (1UL << FSETID) | (1UL << LINUX_IMMUTABLE) | (1UL << MKNOD) | (1UL << MAC_OVERRIDE);

    public const uint VERSION_1 = 0x19980330, VERSION_2 = 0x20071026, VERSION_3 = 0x20080522;

    public static ulong Bit(int cap) => 1UL << cap;

    /// <summary>The names capabilities(7) gives, by number, without the CAP_ prefix.</summary>
    public static readonly string[] Names =
    {
        "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
        "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
        "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
        "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
        "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
        "CHECKPOINT_RESTORE",
    };

    /// <summary>A capability by name, with or without CAP_, any case; -1 when unknown.</summary>
    public static int Parse(string name)
    {
        var n = name.ToUpperInvariant();
        if (n.StartsWith("CAP_", StringComparison.Ordinal)) n = n[4..];
        return Array.IndexOf(Names, n);
    }
}
