using Sandbox.Sentry.Memory;
using Sandbox.Sentry.Platform;

namespace Sandbox.Platforms.Ptrace;

/// <summary>
/// The PTRACE_SYSEMU platform: each address space is a stub process whose memory is the
/// Sentry's memory file; each application thread is a stub thread traced by the Sentry thread
/// that runs the task.
/// </summary>
public sealed class PtracePlatform : IPlatform
{
    public string Name => "ptrace";
    public string StubPath { get; }

    public PtracePlatform(string? stubPath = null)
    {
        StubPath = stubPath ?? Path.Combine(AppContext.BaseDirectory, "sandbox-stub");
        if (!File.Exists(StubPath))
            throw new FileNotFoundException($"ptrace platform: stub program not found at {StubPath} (build native/ first)", StubPath);
    }

    /// <summary>
    /// Whether each tracer thread and its stub share one CPU. Every syscall is two context
    /// switches between them; on the same CPU they are direct hand-offs, across CPUs each one
    /// is a wake-up IPI (measured here: 11 µs against 60 µs per round trip, bench/run.sh).
    /// </summary>
    public bool PinPairs { get; init; } = Environment.GetEnvironmentVariable("SANDBOX_PTRACE_PIN") != "0";

    public IAddressSpace NewAddressSpace(MemoryFile file) => StubProcess.Spawn(StubPath, file, PinPairs);
}
