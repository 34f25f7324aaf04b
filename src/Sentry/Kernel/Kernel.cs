using Sandbox.Linux.Native;
using Sandbox.Sentry.Memory;
using Sandbox.Sentry.Platform;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Kernel;

/// <summary>One sandbox's kernel: its platform, memory file, VFS, and tasks.</summary>
public sealed class Kernel : IDisposable
{
    private int _nextTid = 1;
    private readonly object _logLock = new();

    public Kernel(IPlatform platform, VirtualFs vfs, KernelOptions options)
    {
        Platform = platform; Vfs = vfs; Options = options;
        MemoryFile = new MemoryFile();
        BootTime = DateTimeOffset.UtcNow;
    }

    public IPlatform Platform { get; }
    public VirtualFs Vfs { get; }
    public KernelOptions Options { get; }
    public MemoryFile MemoryFile { get; }
    public DateTimeOffset BootTime { get; }
    public Futexes Futexes { get; } = new();

    public int AllocateTid() => Interlocked.Increment(ref _nextTid) - 1;

    public void Debug(string message)
    {
        var w = Options.DebugLog;
        if (w == null) return;
        lock (_logLock) { w.WriteLine($"{DateTime.UtcNow:HH:mm:ss.ffffff} {message}"); w.Flush(); }
    }

    public void StraceLine(string line)
    {
        var w = Options.Strace;
        if (w == null) return;
        lock (_logLock) { w.WriteLine(line); w.Flush(); }
    }

    public void Dispose() => MemoryFile.Dispose();
}
