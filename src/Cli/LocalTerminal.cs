using System.Runtime.InteropServices;

namespace Sandbox.Cli;

/// <summary>The terminal `sandbox` itself runs on: its size, and raw mode for `-t`.</summary>
internal static unsafe partial class LocalTerminal
{
    [LibraryImport("libc", SetLastError = true)]
    private static partial int tcgetattr(int fd, byte* termios);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int tcsetattr(int fd, int action, byte* termios);
    [LibraryImport("libc")]
    private static partial void cfmakeraw(byte* termios);
    [LibraryImport("libc")]
    public static partial int isatty(int fd);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int ioctl(int fd, ulong request, ushort* winsize);

    /// <summary>Rows and columns of the first of stdout, stdin, stderr that is a terminal; 24x80 otherwise.</summary>
    public static (int Rows, int Cols) Size()
    {
        // ioctl, not Console.WindowHeight: the Console's terminal handling would take the terminal
        // back out of raw mode before each of its reads.
        ushort* ws = stackalloc ushort[4];
        foreach (var fd in new[] { 1, 0, 2 })
            if (isatty(fd) == 1 && ioctl(fd, 0x5413 /* TIOCGWINSZ */, ws) == 0 && ws[0] > 0) return (ws[0], ws[1]);
        return (24, 80);
    }

    /// <summary>
    /// Puts the local terminal (stdin) in raw mode until disposed, so keys such as ^C and ^D
    /// reach the program's terminal instead of acting here. Null when stdin is no terminal.
    /// </summary>
    public static IDisposable? EnterRawMode() => RawMode.Enter();

    private sealed class RawMode : IDisposable
    {
        private readonly byte[] _saved = new byte[128];

        public static RawMode? Enter()
        {
            if (isatty(0) != 1) return null;
            var t = new RawMode();
            var raw = new byte[128];
            fixed (byte* s = t._saved, r = raw)
            {
                if (tcgetattr(0, s) != 0) return null;
                Buffer.MemoryCopy(s, r, 128, 128);
                cfmakeraw(r);
                tcsetattr(0, 0 /* TCSANOW */, r);
            }
            return t;
        }

        public void Dispose()
        {
            fixed (byte* s = _saved) tcsetattr(0, 0, s);
        }
    }
}
