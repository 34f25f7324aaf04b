using Sandbox.Linux;
using Sandbox.Linux.Native;
using Sandbox.Sentry.Memory;
using Sandbox.Sentry.Platform;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Kernel;

/// <summary>One sandbox's kernel: its platform, memory file, VFS, and the process tree.</summary>
public sealed partial class Kernel : IDisposable
{
    private readonly object _logLock = new();
    private int _lastPid;
    private readonly Dictionary<int, Task> _tasks = new();
    private readonly Dictionary<int, ThreadGroup> _groups = new();
    private int _liveThreads;
    private readonly ManualResetEventSlim _allDone = new(false);

    public Kernel(IPlatform platform, VirtualFs vfs, KernelOptions options)
    {
        Platform = platform; Vfs = vfs; Options = options;
        MemoryFile = new MemoryFile();
        BootTime = DateTimeOffset.UtcNow;
        CpuMask = HostCpuMask();
        DevPts = new Vfs.Tty.DevPtsFilesystem(this);
    }

    /// <summary>The sandbox's one devpts instance (/dev/pts, /dev/ptmx), as gVisor has.</summary>
    public Vfs.Tty.DevPtsFilesystem DevPts { get; }

    /// <summary>
    /// The CPUs the sandbox may use: the Sentry process's affinity when it started, before
    /// the platform pinned any of its threads. What sched_getaffinity shows by default.
    /// </summary>
    public byte[] CpuMask { get; }

    private static unsafe byte[] HostCpuMask()
    {
        byte* buf = stackalloc byte[128];
        long n = Linux.Native.Sys.Syscall(204 /* sched_getaffinity */, 0, 128, (long)buf);
        return n > 0 ? new ReadOnlySpan<byte>(buf, (int)n).ToArray() : new byte[8] { 1, 0, 0, 0, 0, 0, 0, 0 };
    }

    /// <summary>Guards the process tree, thread groups' state and pending signals.</summary>
    public object Lock { get; } = new();

    public IPlatform Platform { get; }
    public VirtualFs Vfs { get; }
    public KernelOptions Options { get; }
    public MemoryFile MemoryFile { get; }
    public DateTimeOffset BootTime { get; }
    /// <summary>/proc/sys/kernel/random/boot_id: one per sandbox.</summary>
    public string BootId { get; } = Guid.NewGuid().ToString();
    public Futexes Futexes { get; } = new();
    private global::Sandbox.Sentry.Kernel.Ipc.IpcNamespace? _ipc;
    /// <summary>The sandbox's System V IPC namespace (made when first used).</summary>
    public global::Sandbox.Sentry.Kernel.Ipc.IpcNamespace Ipc => LazyInitializer.EnsureInitialized(ref _ipc, () => new global::Sandbox.Sentry.Kernel.Ipc.IpcNamespace(this));
    public ThreadGroup? Init { get; private set; }
    public ExitStatus? InitStatus { get; private set; }

    /// <summary>The next free id (Linux hands out ids in increasing order and wraps at pid_max).</summary>
    public int AllocateTid()
    {
        lock (Lock)
        {
            for (int i = 0; i < 4_194_304; i++)
            {
                int pid = _lastPid = _lastPid >= 4_194_303 ? 1 : _lastPid + 1;
                if (!_tasks.ContainsKey(pid) && !_groups.ContainsKey(pid)) return pid;
            }
            return -(int)Errno.EAGAIN;
        }
    }

    public Task? FindTask(int tid) { lock (Lock) return _tasks.GetValueOrDefault(tid); }
    public ThreadGroup? FindGroup(int tgid) { lock (Lock) return _groups.TryGetValue(tgid, out var g) && !g.Zombie ? g : _groups.GetValueOrDefault(tgid); }
    public List<ThreadGroup> Groups() { lock (Lock) return _groups.Values.ToList(); }

    /// <summary>The exec'ing thread becomes the process's leader and takes its id.</summary>
    public void BecomeLeader(Task t)
    {
        lock (Lock)
        {
            _tasks.Remove(t.Tid);
            t.TakeLeaderId();
            _tasks[t.Tid] = t;
            t.Group.SetLeader(t);
        }
    }

    /// <summary>Registers a new task (and its group when it is the first) before its thread starts.</summary>
    public void Register(Task t)
    {
        lock (Lock)
        {
            _tasks[t.Tid] = t;
            if (!_groups.ContainsKey(t.Tgid))
            {
                _groups[t.Tgid] = t.Group;
                t.Group.SetLeader(t);
                if (t.Group.Parent == null && !Options.Pod) Init = t.Group;
            }
            t.Group.Tasks.Add(t);
        }
    }

    /// <summary>
    /// Runs a task on a new OS thread. <paramref name="setup"/> runs first on that thread (the
    /// platform context must be created there); if it fails the task dies with SIGKILL.
    /// </summary>
    public void Start(Task t, Func<bool> setup)
    {
        Interlocked.Increment(ref _liveThreads);
        var thread = new Thread(() =>
        {
            try
            {
                t.BindToThread();
                bool ok;
                try { ok = setup(); }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Debug($"task {t.Tid}: could not start: {e.Message}");
                    ok = false;
                }
                if (!ok) t.BeginExit(new ExitStatus(0, Signals.SIGKILL));
                else t.Run();
            }
            catch (Exception e)
            {
                // A bug in the Sentry ends this task, never the sandbox.
                Debug($"task {t.Tid}: internal error: {e}");
                t.BeginExit(new ExitStatus(0, Signals.SIGKILL));
            }
            finally
            {
                try { TaskExited(t); }
                catch (Exception e) { Debug($"task {t.Tid}: error while exiting: {e}"); }
                if (Interlocked.Decrement(ref _liveThreads) == 0) _allDone.Set();
            }
        }, 16 << 20) { Name = $"task {t.Tid}", IsBackground = true };
        thread.Start();
    }

    /// <summary>Waits until every task has ended; returns the first process's status.</summary>
    public ExitStatus WaitAll()
    {
        _allDone.Wait();
        return InitStatus ?? new ExitStatus(0, Signals.SIGKILL);
    }

    /// <summary>Writes every task's state to the debug log (or stderr).</summary>
    public void DumpState()
    {
        var sb = new System.Text.StringBuilder("task dump:\n");
        lock (Lock)
            foreach (var t in _tasks.Values)
                sb.Append($"  task {t.Tid} (tg {t.Tgid}, parent {t.Group.Parent?.Tgid ?? 0}): {t.State}; mask 0x{t.SignalMask:x} pending 0x{t.Pending.Mask:x}/0x{t.Group.SharedPending.Mask:x} exit={t.Group.GroupExit}\n");
        var w = Options.DebugLog ?? Console.Error;
        lock (_logLock) { w.Write(sb.ToString()); w.Flush(); }
    }

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

    public void Dispose()
    {
        DisposeNetwork();
        MemoryFile.Dispose();
    }
}
