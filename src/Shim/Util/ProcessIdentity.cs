namespace Sandbox.Shim.Util;

/// <summary>
/// Identifies a host process by pid and start time (field 22 of /proc/PID/stat, clock ticks
/// since boot), so a pid recycled after the process died is never taken for it.
/// </summary>
public static class ProcessIdentity
{
    public static ulong StartTime(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // fields[0] is field 3 (state); field 22 is fields[19].
            return ulong.Parse(fields[19]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }

    public static bool IsAlive(int pid, ulong startTime) => pid > 0 && startTime != 0 && StartTime(pid) == startTime;

    /// <summary>CPU time (user+system, including reaped children) in nanoseconds, and resident bytes.</summary>
    public static (ulong CpuNs, ulong RssBytes) Usage(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // utime, stime, cutime, cstime are fields 14..17 → f[11..14]; rss (pages) is field 24 → f[21].
            ulong ticks = ulong.Parse(f[11]) + ulong.Parse(f[12]) + (ulong)Math.Max(0, long.Parse(f[13])) + (ulong)Math.Max(0, long.Parse(f[14]));
            ulong rss = (ulong)Math.Max(0, long.Parse(f[21])) * (ulong)Environment.SystemPageSize;
            return (ticks * 10_000_000UL, rss); // USER_HZ is 100 on Linux x86-64
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return (0, 0);
        }
    }
}
