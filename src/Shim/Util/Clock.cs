namespace Sandbox.Shim.Util;

/// <summary>Time as the CRI counts it: nanoseconds since the Unix epoch.</summary>
public static class Clock
{
    public static long NowNs() => ToNs(DateTime.UtcNow);

    public static long ToNs(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    /// <summary>Go's time.RFC3339Nano: fraction without trailing zeros, "Z" for UTC.</summary>
    public static string Rfc3339Nano(DateTime utc)
    {
        string frac = (utc.Ticks % TimeSpan.TicksPerSecond * 100).ToString("D9").TrimEnd('0');
        return utc.ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)
            + (frac.Length > 0 ? "." + frac : "") + "Z";
    }
}
