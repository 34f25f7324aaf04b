using Sandbox.Linux.Native;

namespace Sandbox.Gofer;

/// <summary>Diagnostics to stderr with a plain write(2): safe under the seccomp filter.</summary>
internal static class GoferLog
{
    public static bool Verbose;

    public static unsafe void Write(string message)
    {
        var b = System.Text.Encoding.UTF8.GetBytes($"sandbox-gofer[{Environment.ProcessId}]: {message}\n");
        fixed (byte* p = b) Sys.Syscall(Host.SYS_write, 2, (long)p, b.Length);
    }

    public static void Debug(string message) { if (Verbose) Write(message); }
}
