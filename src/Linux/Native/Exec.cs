using System.Runtime.InteropServices;

namespace Sandbox.Linux.Native;

/// <summary>execve(2) for processes that replace themselves (the Gofer's and the Sentry's re-execution into a mount namespace).</summary>
public static unsafe class Exec
{
    private const int SYS_execve = 59;

    /// <summary>execve; returns -errno only when it fails.</summary>
    public static int Execve(string path, string[] argv, string[] envp)
    {
        var handles = new List<GCHandle>();
        try
        {
            byte* Pin(string s)
            {
                var h = GCHandle.Alloc(Sys.CString(s), GCHandleType.Pinned);
                handles.Add(h);
                return (byte*)h.AddrOfPinnedObject();
            }
            var a = new nint[argv.Length + 1];
            for (int i = 0; i < argv.Length; i++) a[i] = (nint)Pin(argv[i]);
            var e = new nint[envp.Length + 1];
            for (int i = 0; i < envp.Length; i++) e[i] = (nint)Pin(envp[i]);
            fixed (nint* pa = a) fixed (nint* pe = e)
                return (int)Sys.Syscall(SYS_execve, (long)Pin(path), (long)pa, (long)pe);
        }
        finally { foreach (var h in handles) h.Free(); }
    }

    /// <summary>
    /// Replaces this process with <paramref name="argv"/> (argv[0] the program) in an
    /// environment that is ours without <paramref name="stageVariable"/> and the runtime's
    /// diagnostics (their socket lives in /tmp, unreachable once confined, so it would be left
    /// behind), plus <paramref name="stageVariable"/>=<paramref name="stageValue"/> telling the
    /// next stage where it came from. Returns -errno, only on failure.
    /// </summary>
    public static int ReplaceSelf(IReadOnlyList<string> argv, string stageVariable, string stageValue)
    {
        var env = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Where(e => (string)e.Key != stageVariable && (string)e.Key != "DOTNET_EnableDiagnostics")
            .Select(e => $"{e.Key}={e.Value}")
            .Append("DOTNET_EnableDiagnostics=0")
            .Append($"{stageVariable}={stageValue}").ToArray();
        return Execve(argv[0], argv.ToArray(), env);
    }
}
