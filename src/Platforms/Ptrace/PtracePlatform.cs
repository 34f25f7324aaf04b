using System.Collections.Concurrent;
using Sandbox.Linux;
using Sandbox.Linux.Native;
using Sandbox.Sentry.Memory;
using Sandbox.Sentry.Platform;

namespace Sandbox.Platforms.Ptrace;

/// <summary>
/// The PTRACE_SYSEMU platform: each address space is a stub process whose memory is the
/// Sentry's memory file; each application thread is a thread of that stub, seized and driven
/// by the Sentry thread that runs the task.
/// </summary>
public sealed class PtracePlatform : IPlatform, IDisposable
{
    public string Name => "ptrace";
    public string StubPath { get; private set; }

    /// <summary>
    /// Spawns stubs from <paramref name="path"/> from now on: a copy the Sentry made inside its
    /// confined root, where the original path no longer exists.
    /// </summary>
    public void UseStubAt(string path) => StubPath = path;
    internal ulong StubSyscall { get; }
    internal ulong CloneEntry { get; }

    /// <summary>
    /// Whether each tracer thread and its stub thread share one CPU. Every syscall is two
    /// context switches between them; on the same CPU they are direct hand-offs, across CPUs
    /// each one is a wake-up IPI (measured here: 11 µs against 60 µs per round trip, bench/run.sh).
    /// </summary>
    public bool PinPairs { get; init; } = Environment.GetEnvironmentVariable("SANDBOX_PTRACE_PIN") != "0";

    private readonly BlockingCollection<(TaskCompletionSource<int> Done, int MemFd)> _spawnRequests = new();
    private readonly Thread _spawner;

    public PtracePlatform(string? stubPath = null)
    {
        StubPath = stubPath ?? Path.Combine(AppContext.BaseDirectory, "sandbox-stub");
        if (!File.Exists(StubPath))
            throw new FileNotFoundException($"ptrace platform: stub program not found at {StubPath} (build native/ first)", StubPath);
        var syms = File.ReadAllLines(StubPath + ".syms").Select(l => l.Split(' ')).ToDictionary(p => p[0], p => Convert.ToUInt64(p[1], 16));
        StubSyscall = syms["stub_syscall"];
        CloneEntry = syms["clone_entry"];
        _spawner = new Thread(SpawnLoop) { IsBackground = true, Name = "stub spawner" };
        _spawner.Start();
    }

    public IAddressSpace NewAddressSpace(MemoryFile file)
    {
        var req = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _spawnRequests.Add((req, file.Fd));
        int pid = req.Task.GetAwaiter().GetResult();
        return StubAddressSpace.Create(this, pid);
    }

    /// <summary>
    /// Stubs are children of this one long-lived thread: PR_SET_PDEATHSIG fires when the
    /// thread that spawned a process ends, and task threads come and go.
    /// </summary>
    private void SpawnLoop()
    {
        while (!_spawnRequests.IsCompleted)
        {
            if (_spawnRequests.TryTake(out var req, 200))
            {
                try { req.Done.SetResult(SpawnOne(req.MemFd)); }
                catch (Exception e) { req.Done.SetException(e); }
            }
            // Never wait(-1) here: the tracers are threads of this same process, so the kernel
            // would hand this thread their tracees' ptrace stops. Each tracer collects its own
            // thread's end, and the first thread's end reaps the process.
        }
    }

    /// <summary>The fd number the memory file has inside every stub.</summary>
    internal const int StubMemoryFd = 3;

    private int SpawnOne(int memFd)
    {
        // A stub that died before its first instruction stopped it (once in a CI run: killed by
        // SIGSEGV right after the spawn, cause not found) is replaced once; the application has
        // run nothing in it yet.
        for (int attempt = 1; ; attempt++)
        {
            int pid = Sys.SpawnIsolated(StubPath, memFd, StubMemoryFd);
            if (pid < 0) throw new PlatformException($"cannot start the ptrace stub {StubPath}: {ErrnoText.Name(-pid)}");
            int w = Sys.WaitPid(pid, out int status, Wait.WUNTRACED | Wait.__WALL | Wait.__WNOTHREAD);
            if (w == pid && Wait.IfStopped(status) && Wait.StopSig(status) == Signals.SIGSTOP) return pid;
            Sys.Syscall(Sys.SYS_kill, pid, Signals.SIGKILL);
            if (w == pid && Wait.IfStopped(status)) Sys.WaitPid(pid, out _, Wait.__WALL | Wait.__WNOTHREAD);
            else if (w != pid) Sys.WaitPid(pid, out _, Wait.__WALL | Wait.__WNOTHREAD);
            if (attempt == 2 || w != pid || Wait.IfStopped(status))
                throw new PlatformException($"ptrace stub did not stop as expected (wait={w}, status=0x{status:x})");
        }
    }

    public void Dispose() => _spawnRequests.CompleteAdding();
}

public sealed class PlatformException(string message) : Exception(message);
