using System.Collections.Concurrent;
using System.Diagnostics;

namespace Sandbox.MicroVm.Vm;

/// <summary>Starts the VMM and its helpers so that they never outlive this process: each runs
/// under `setpriv --pdeathsig KILL` (the kernel kills it when its parent dies, even by SIGKILL)
/// in a session of its own (`setsid`),
/// and every live child is killed on ProcessExit. PR_SET_PDEATHSIG fires when the parent
/// *thread* exits, so all children are started from one dedicated thread that lives as long
/// as the process, never from a pool thread that may retire.</summary>
public static class ChildProcesses
{
    static readonly BlockingCollection<(ProcessStartInfo Psi, TaskCompletionSource<Process> Done)> Queue = new();
    static readonly ConcurrentDictionary<int, Process> Live = new();
    static readonly Lazy<string?> Setpriv = new(() => HostSystem.FindProgram("setpriv"));
    static readonly Lazy<string?> Setsid = new(() => HostSystem.FindProgram("setsid"));

    static ChildProcesses()
    {
        new Thread(() =>
        {
            foreach (var (psi, done) in Queue.GetConsumingEnumerable())
            {
                try
                {
                    var p = Process.Start(psi)!;
                    Live[p.Id] = p;
                    done.SetResult(p);
                }
                catch (Exception e) { done.SetException(e); }
            }
        }) { IsBackground = true, Name = "microvm-spawner" }.Start();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
    }

    /// <summary>Starts program with args (and env added to ours); stdin is /dev/null-like (redirected and closed), stdout
    /// and stderr are redirected for the caller to read.</summary>
    public static Process Start(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        // setsid: a session of its own, so that ^C on the launcher's terminal (SIGINT to the whole
        // foreground process group) reaches the launcher, which forwards it into the VM, and not
        // QEMU, which would exit.
        var chain = new List<string>();
        if (Setpriv.Value is { } sp) chain.AddRange([sp, "--pdeathsig", "KILL", "--"]);
        if (Setsid.Value is { } ss) chain.AddRange([ss, "--"]);
        chain.Add(program);
        psi.FileName = chain[0];
        foreach (var a in chain.Skip(1)) psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var tcs = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        Queue.Add((psi, tcs));
        var p = tcs.Task.GetAwaiter().GetResult();
        p.StandardInput.Close();
        return p;
    }

    public static void Forget(Process p) => Live.TryRemove(p.Id, out _);

    public static void Kill(Process p)
    {
        try { if (!p.HasExited) p.Kill(); } catch (InvalidOperationException) { } catch (System.ComponentModel.Win32Exception) { }
    }

    public static void KillAll()
    {
        foreach (var p in Live.Values) Kill(p);
    }
}
