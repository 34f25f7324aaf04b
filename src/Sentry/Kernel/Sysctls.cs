namespace Sandbox.Sentry.Kernel;

/// <summary>
/// The sysctls a sandbox may be given (`--sysctl`, CRI's sysctls): those Linux keeps per IPC or
/// network namespace, as runc allows them, with Linux's defaults. Their values show in /proc/sys;
/// net.ipv4.ip_local_port_range also sets the stack's ephemeral ports.
/// </summary>
public static class Sysctls
{
    /// <summary>Key (dotted) → default value.</summary>
    public static readonly IReadOnlyDictionary<string, string> Defaults = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["kernel.shm_rmid_forced"] = "0",
        ["kernel.shmmax"] = "18446744073692774399",
        ["kernel.shmall"] = "18446744073692774399",
        ["kernel.shmmni"] = "4096",
        ["kernel.msgmax"] = "8192",
        ["kernel.msgmnb"] = "16384",
        ["kernel.msgmni"] = "32000",
        ["kernel.sem"] = "32000\t1024000000\t500\t32000",
        ["fs.mqueue.queues_max"] = "256",
        ["fs.mqueue.msg_max"] = "10",
        ["fs.mqueue.msgsize_max"] = "8192",
        ["fs.mqueue.msg_default"] = "10",
        ["fs.mqueue.msgsize_default"] = "8192",
        ["net.core.somaxconn"] = "4096",
        ["net.ipv4.ip_forward"] = "0",
        ["net.ipv4.ip_local_port_range"] = "32768\t60999",
        ["net.ipv4.ip_unprivileged_port_start"] = "1024",
        ["net.ipv4.ping_group_range"] = "1\t0",
        ["net.ipv4.tcp_syncookies"] = "1",
        ["net.ipv6.conf.all.disable_ipv6"] = "0",
    };

    /// <summary>A key as given (dots or slashes) in its dotted form.</summary>
    public static string Normalize(string key) => key.Trim().Replace('/', '.');

    /// <summary>Null when the key and value can be set; otherwise why not.</summary>
    public static string? Check(string key, string value)
    {
        if (!Defaults.TryGetValue(key, out var def))
        {
            bool namespaced = key.StartsWith("kernel.shm", StringComparison.Ordinal) || key.StartsWith("kernel.msg", StringComparison.Ordinal)
                || key == "kernel.sem" || key.StartsWith("fs.mqueue.", StringComparison.Ordinal) || key.StartsWith("net.", StringComparison.Ordinal);
            return namespaced
                ? $"{key} is not one the sandbox provides (it has {string.Join(", ", Defaults.Keys)})"
                : $"{key} is not a namespaced sysctl: it would change the host (only kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.* and net.* are allowed)";
        }
        int fields = def.Split('\t').Length;
        var parts = value.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != fields || !parts.All(p => ulong.TryParse(p, out _) || long.TryParse(p, out _)))
            return $"{key}: '{value}' is not {(fields == 1 ? "a number" : $"{fields} numbers")}";
        return null;
    }

    /// <summary>The stack settings the net.* sysctls decide (today: the ephemeral port range).</summary>
    public static Netstack.StackOptions StackOptions(KernelOptions options)
    {
        var o = new Netstack.StackOptions();
        var range = Value(options, "net.ipv4.ip_local_port_range").Split('\t');
        if (int.TryParse(range[0], out int low) && int.TryParse(range[1], out int high) && low > 0 && low <= high && high < 65536)
        {
            o.EphemeralLow = low;
            o.EphemeralHigh = high;
        }
        return o;
    }

    /// <summary>The value the sandbox shows for <paramref name="key"/>.</summary>
    public static string Value(KernelOptions options, string key)
    {
        if (options.Sysctls != null && options.Sysctls.TryGetValue(key, out var v))
            return string.Join('\t', v.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
        return Defaults[key];
    }
}
