using System.Runtime.InteropServices;

namespace Sandbox.Shim.Util;

internal static partial class NativeForTests
{
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
