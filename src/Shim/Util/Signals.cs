namespace Sandbox.Shim.Util;

/// <summary>Linux x86-64 signal numbers by name, for stop signals (CRI enum names and image StopSignal strings).</summary>
public static class Signals
{
    private static readonly Dictionary<string, int> Numbers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["HUP"] = 1, ["INT"] = 2, ["QUIT"] = 3, ["ILL"] = 4, ["TRAP"] = 5, ["ABRT"] = 6, ["IOT"] = 6, ["BUS"] = 7,
        ["FPE"] = 8, ["KILL"] = 9, ["USR1"] = 10, ["SEGV"] = 11, ["USR2"] = 12, ["PIPE"] = 13, ["ALRM"] = 14,
        ["TERM"] = 15, ["STKFLT"] = 16, ["CHLD"] = 17, ["CLD"] = 17, ["CONT"] = 18, ["STOP"] = 19, ["TSTP"] = 20,
        ["TTIN"] = 21, ["TTOU"] = 22, ["URG"] = 23, ["XCPU"] = 24, ["XFSZ"] = 25, ["VTALRM"] = 26, ["PROF"] = 27,
        ["WINCH"] = 28, ["IO"] = 29, ["POLL"] = 29, ["PWR"] = 30, ["SYS"] = 31, ["RTMIN"] = 34, ["RTMAX"] = 64,
    };

    /// <summary>"SIGTERM", "TERM", "15", "SIGRTMIN+3", "RTMINPLUS3" → the number; null if unknown.</summary>
    public static int? Parse(string s)
    {
        s = s.Trim();
        if (int.TryParse(s, out int n)) return n is > 0 and < 65 ? n : null;
        if (s.StartsWith("SIG", StringComparison.OrdinalIgnoreCase)) s = s[3..];
        s = s.Replace("PLUS", "+", StringComparison.OrdinalIgnoreCase);
        int plus = s.IndexOf('+');
        if (plus > 0 && s[..plus].Equals("RTMIN", StringComparison.OrdinalIgnoreCase) && int.TryParse(s[(plus + 1)..], out int k))
            return 34 + k is <= 64 ? 34 + k : null;
        return Numbers.TryGetValue(s, out int v) ? v : null;
    }

    public static string Name(int n)
        => n == 6 ? "SIGABRT" : n == 29 ? "SIGIO" : n == 17 ? "SIGCHLD" : n >= 34 ? (n == 34 ? "SIGRTMIN" : $"SIGRTMIN+{n - 34}")
         : Numbers.FirstOrDefault(kv => kv.Value == n).Key is { } k ? "SIG" + k : n.ToString();
}
