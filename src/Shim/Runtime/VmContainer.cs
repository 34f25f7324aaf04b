using Sandbox.Shim.Backends;
using Sandbox.Shim.Logs;
using Sandbox.Shim.Util;

namespace Sandbox.Shim.Runtime;

/// <summary>
/// A container of a microvm pod: an agent container in the pod's VM whose first process (the
/// container's command) writes, through this server, to the CRI log. The container lives as
/// long as the VM, which lives as long as this server (QEMU dies with it).
/// </summary>
internal sealed class VmContainer : RunningContainer
{
    private readonly PodVm _vm;
    private readonly VmExec _main;
    private readonly CriLogWriter _log;
    private readonly Task _pumps;
    private readonly bool _stdinOnce;
    private int _stdinTaken;

    private VmContainer(string id, PodVm vm, VmExec main, CriLogWriter log, string outputLog, bool hasStdin, bool stdinOnce, bool tty)
        : base(id, outputLog, hasStdin)
    {
        _vm = vm;
        _main = main;
        _log = log;
        _stdinOnce = stdinOnce;
        // With a terminal everything the program writes is one stream, logged as stdout.
        _pumps = Task.WhenAll(log.PumpAsync(main.Stdout, "stdout"), tty ? Task.CompletedTask : log.PumpAsync(main.Stderr, "stderr"));
    }

    /// <param name="create">The agent container (VmSecurity.RequestFor: identity, capabilities, seccomp, paths, sysctls).</param>
    public static async Task<VmContainer> StartAsync(string id, PodVm vm, string hostRootfs, Sandbox.MicroVm.Protocol.CreateContainer create, IReadOnlyList<string> argv,
        IReadOnlyList<string> env, string cwd, string outputLog, bool stdin, bool stdinOnce, bool tty, CancellationToken ct)
    {
        PodVm.EnsureMountPoints(hostRootfs);
        await vm.CreateContainerAsync(create, ct).ConfigureAwait(false);
        VmExec main;
        try
        {
            main = await vm.ExecAsync(id, argv, env, cwd, tty, 24, 80, ct).ConfigureAwait(false);
        }
        catch
        {
            await vm.DestroyContainerAsync(id).ConfigureAwait(false);
            throw;
        }
        if (!stdin) await main.CloseStdinAsync().ConfigureAwait(false);
        return new VmContainer(id, vm, main, new CriLogWriter(outputLog), outputLog, stdin, stdinOnce, tty);
    }

    /// <summary>The exit status once the program has exited and its output is in the log; the
    /// agent container (whatever else still runs in it) goes then.</summary>
    public override async Task<int?> WaitForExitCodeAsync(CancellationToken ct)
    {
        int code = await _main.WaitAsync(ct).ConfigureAwait(false);
        await _pumps.ConfigureAwait(false);
        _log.Dispose();
        await _vm.DestroyContainerAsync(Id).ConfigureAwait(false);
        return code == 255 && !_main.Session.Exited.IsCompletedSuccessfully ? null : code;
    }

    public override void Signal(int signal) => _ = _main.SignalAsync(signal);

    /// <summary>
    /// SIGKILL to the program and every other process of the container (destroying the agent
    /// container kills them all), as killing a runc container's init does. In the pod's or the
    /// node's PID namespace the program is not PID 1, so its children would otherwise live on and
    /// keep its output open, and the agent reports the exit only after the output's end.
    /// </summary>
    public override void Kill(bool everything)
    {
        _ = Task.Run(async () =>
        {
            await _main.SignalAsync(Native.SIGKILL).ConfigureAwait(false);
            await _vm.DestroyContainerAsync(Id).ConfigureAwait(false);
        });
    }

    public override void ReopenLog() => _log.Reopen();

    /// <summary>The VM's accounting on the host: QEMU's CPU time and resident memory (the guest
    /// has no per-container cgroups yet, so every container of the pod reports its VM).</summary>
    public override (ulong CpuNs, ulong RssBytes) Usage() => ProcessIdentity.Usage(_vm.QemuPid);

    public override Task<Stream?> OpenStdinAsync()
    {
        if (!HasStdin || Finished.IsCompleted) return Task.FromResult<Stream?>(null);
        if (_stdinOnce && Interlocked.Exchange(ref _stdinTaken, 1) != 0) return Task.FromResult<Stream?>(null);
        return Task.FromResult<Stream?>(new ExecStdinStream(_main, closeOnDispose: _stdinOnce));
    }

    public override Task ResizeAsync(int rows, int cols) => _main.ResizeAsync(rows, cols);
}
