using System.Globalization;
using Sandbox.MicroVm.Protocol;

namespace Sandbox.MicroVm.Agent;

/// <summary>
/// Applies a container's ProcessSecurity to the exec helper's main thread just before it spawns
/// the program, which inherits all of it (credentials, capability sets, no_new_privs, the
/// seccomp filter). The order is runc's: the bounding set first (it needs CAP_SETPCAP), then
/// groups, gid and uid with PR_SET_KEEPCAPS so the permitted set survives a switch away from
/// root, then capset(2) and the ambient set, no_new_privs, and seccomp last. Without
/// no_new_privs loading a filter needs CAP_SYS_ADMIN, so then it is loaded before anything is
/// dropped (as runc does), and the filter also sees the calls that follow.
/// </summary>
internal static unsafe class Security
{
    /// <summary>The helper's argument form: UID GID GROUPS CAPS AMBIENT NNP SECCOMP (groups comma
    /// separated or "-", capability sets in hex, seccomp base64 or "-").</summary>
    public static string[] ToArgs(ProcessSecurity s) =>
    [
        s.Uid.ToString(CultureInfo.InvariantCulture), s.Gid.ToString(CultureInfo.InvariantCulture),
        s.Groups.Count == 0 ? "-" : string.Join(',', s.Groups),
        s.Capabilities.ToString("x", CultureInfo.InvariantCulture), s.Ambient.ToString("x", CultureInfo.InvariantCulture),
        s.NoNewPrivs ? "1" : "0", s.Seccomp.Length == 0 ? "-" : Convert.ToBase64String(s.Seccomp),
    ];

    public const int ArgCount = 7;

    public static ProcessSecurity FromArgs(ReadOnlySpan<string> a) => new(
        uint.Parse(a[0], CultureInfo.InvariantCulture), uint.Parse(a[1], CultureInfo.InvariantCulture),
        a[2] == "-" ? [] : a[2].Split(',').Select(g => uint.Parse(g, CultureInfo.InvariantCulture)).ToArray(),
        ulong.Parse(a[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture), ulong.Parse(a[4], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
        a[5] == "1", a[6] == "-" ? [] : Convert.FromBase64String(a[6]));

    /// <summary>Why the agent refuses this security, or null.</summary>
    public static string? Check(ProcessSecurity s)
    {
        if (s.Seccomp.Length % 8 != 0 || s.Seccomp.Length > 4096 * 8) return "seccomp: not a classic-BPF program of 1 to 4096 instructions";
        if ((s.Ambient & ~s.Capabilities) != 0) return "ambient capabilities must also be in the capability set";
        if (s.Groups.Count > 65536) return "too many supplementary groups";
        return null;
    }

    static int LastCap()
    {
        try { return int.Parse(File.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim(), CultureInfo.InvariantCulture); }
        catch (Exception e) when (e is IOException or FormatException) { return 40; }
    }

    /// <summary>Applies <paramref name="s"/> to this thread (credentials to the whole process);
    /// on failure returns what failed with errno set.</summary>
    public static string? Apply(ProcessSecurity s)
    {
        int last = LastCap();
        ulong known = last >= 63 ? ulong.MaxValue : (1UL << (last + 1)) - 1;
        ulong keep = s.Capabilities & known, ambient = s.Ambient & known;
        bool root = s.Uid == 0 && s.Gid == 0 && s.Groups.Count == 0;
        if (s.Seccomp.Length > 0 && !s.NoNewPrivs && LoadSeccomp(s.Seccomp) != 0) return "seccomp";
        for (int c = 0; c <= last; c++)
            if ((keep & (1UL << c)) == 0 && Native.prctl(Native.PR_CAPBSET_DROP, c) != 0) return $"drop capability {c} from the bounding set";
        if (!root)
        {
            if (Native.prctl(Native.PR_SET_KEEPCAPS, 1) != 0) return "PR_SET_KEEPCAPS";
            var groups = s.Groups.ToArray();
            fixed (uint* g = groups)
                if (Native.setgroups(groups.Length, g) != 0) return "setgroups";
            if (Native.setresgid(s.Gid, s.Gid, s.Gid) != 0) return "setresgid";
            if (Native.setresuid(s.Uid, s.Uid, s.Uid) != 0) return "setresuid";
        }
        if (keep != known || ambient != 0 || !root)
        {
            // struct __user_cap_header_struct { u32 version, int pid } + two __user_cap_data_struct
            // { u32 effective, permitted, inheritable } (version 3: 64-bit sets); capset(2).
            uint* hdr = stackalloc uint[2];
            hdr[0] = 0x20080522; hdr[1] = 0;
            uint* data = stackalloc uint[6];
            data[0] = (uint)keep; data[1] = (uint)keep; data[2] = (uint)ambient;
            data[3] = (uint)(keep >> 32); data[4] = (uint)(keep >> 32); data[5] = (uint)(ambient >> 32);
            if (Native.syscall(Native.SYS_capset, (long)hdr, (long)data, 0) != 0) return "capset";
        }
        for (int c = 0; c <= last; c++)
            if ((ambient & (1UL << c)) != 0 && Native.prctl(Native.PR_CAP_AMBIENT, Native.PR_CAP_AMBIENT_RAISE, c) != 0)
                return $"raise ambient capability {c}";
        if (s.NoNewPrivs && Native.prctl(Native.PR_SET_NO_NEW_PRIVS, 1) != 0) return "PR_SET_NO_NEW_PRIVS";
        if (s.Seccomp.Length > 0 && s.NoNewPrivs && LoadSeccomp(s.Seccomp) != 0) return "seccomp";
        return null;
    }

    /// <summary>seccomp(SECCOMP_SET_MODE_FILTER, 0, &amp;prog) for this thread only: the runtime's
    /// other threads keep running unfiltered, the program spawned from this one inherits it.</summary>
    static int LoadSeccomp(byte[] program)
    {
        fixed (byte* f = program)
        {
            // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
            long* prog = stackalloc long[2];
            prog[0] = program.Length / 8;
            prog[1] = (long)f;
            return (int)Native.syscall(Native.SYS_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, 0, (long)prog);
        }
    }
}
