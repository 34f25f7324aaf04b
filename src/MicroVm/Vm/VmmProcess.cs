using System.Diagnostics;
using System.Net.Sockets;
using Sandbox.MicroVm.Kvm;

namespace Sandbox.MicroVm.Vm;

/// <summary>
/// The launcher's side of a direct-KVM VMM running as a process of its own
/// (<see cref="VmmServer"/>): it listens on the agent socket, starts the VMM (under
/// setpriv --pdeathsig, so it dies with the launcher), and takes the VMM's connection as the
/// agent's channel. <see cref="Exited"/> completes with the VMM's last word when it ends.
/// </summary>
internal sealed class VmmProcess : IDisposable
{
    readonly Process _p;
    readonly Task<string> _stderr;

    /// <summary>
    /// The VMM allocates little once the guest runs, so the GC gets a small allocation budget
    /// (gen0 is sized from the CPU's cache otherwise, several MiB that would stay resident) and
    /// no background GC thread.
    /// </summary>
    static readonly Dictionary<string, string> VmmRuntimeSettings = new() { ["DOTNET_GCgen0size"] = "0x100000", ["DOTNET_gcConcurrent"] = "0" };

    public Socket Agent { get; }
    public Task<string> Exited { get; }
    public Process Process => _p;

    VmmProcess(Process p, Socket agent)
    {
        _p = p;
        Agent = agent;
        _ = p.StandardOutput.ReadToEndAsync();
        _stderr = p.StandardError.ReadToEndAsync();
        Exited = WhyAsync();
    }

    async Task<string> WhyAsync()
    {
        await _p.WaitForExitAsync().ConfigureAwait(false);
        string err = (await _stderr.ConfigureAwait(false)).Trim();
        string last = err.Split('\n')[^1];
        if (last.StartsWith("vmm: stopped: ", StringComparison.Ordinal)) return last["vmm: stopped: ".Length..];
        return $"the VMM process exited with status {_p.ExitCode}" + (err.Length > 0 ? $": {err}" : "");
    }

    /// <param name="command">The VMM program and its arguments before the VMM's options (<see cref="HostSystem.FindVmm"/>).</param>
    public static async Task<VmmProcess> StartAsync(IReadOnlyList<string> command, VmmServer.Spec spec, CancellationToken ct)
    {
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(spec.AgentSocket));
        listener.Listen(1);
        var p = ChildProcesses.Start(command[0], [.. command.Skip(1), .. spec.ToArgs()], VmmRuntimeSettings);
        try
        {
            var accept = listener.AcceptAsync(ct).AsTask();
            var exit = p.WaitForExitAsync(ct);
            if (await Task.WhenAny(accept, exit).ConfigureAwait(false) != accept)
            {
                string err = (await p.StandardError.ReadToEndAsync(CancellationToken.None).ConfigureAwait(false)).Trim();
                ct.ThrowIfCancellationRequested();
                throw new IOException($"the VMM process exited with status {p.ExitCode} before connecting" + (err.Length > 0 ? $": {err}" : ""));
            }
            return new VmmProcess(p, await accept.ConfigureAwait(false));
        }
        catch
        {
            ChildProcesses.Kill(p);
            ChildProcesses.Forget(p);
            p.Dispose();
            throw;
        }
        finally { try { File.Delete(spec.AgentSocket); } catch (IOException) { } }
    }

    /// <summary>Kills the VMM if it is still running (the guest was asked to stop before this).</summary>
    public void Dispose()
    {
        Agent.Dispose();
        ChildProcesses.Kill(_p);
        try { _p.WaitForExit(5000); } catch (Exception) { }
        ChildProcesses.Forget(_p);
        _p.Dispose();
    }
}
