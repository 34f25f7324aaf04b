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

    public IAddressSpace NewAddressSpace(MemoryFile file) => StubProcess.Spawn(StubPath, file);
}
