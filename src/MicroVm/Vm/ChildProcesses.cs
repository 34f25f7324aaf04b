using System.Collections.Concurrent;
using System.Diagnostics;

namespace Sandbox.MicroVm.Vm;

/// <summary>Starts the VMM and its helpers so that they never outlive this process: each runs
/// under `setpriv --pdeathsig KILL` (the kernel kills it when its parent dies, even by SIGKILL),
/// and every live child is killed on ProcessExit. PR_SET_PDEATHSIG fires when the parent
/// *thread* exits, so all children are started from one dedicated thread that lives as long
/// as the process, never from a pool thread that may retire.</summary>
public static class ChildProcesses
{
    static readonly BlockingCollection<(ProcessStartInfo Psi, TaskCompletionSource<Process> Done)> Queue = new();
    static readonly ConcurrentDictionary<int, Process> Live = new();
    static readonly Lazy<string?> Setpriv = new(() => HostSystem.FindProgram("setpriv"));

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

    /// <summary>Starts program with args; stdin is /dev/null-like (redirected and closed), stdout
    /// and stderr are redirected for the caller to read.</summary>
    public static Process Start(string program, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Setpriv.Value is { } sp)
        {
            psi.FileName = sp;
            foreach (var a in new[] { "--pdeathsig", "KILL", "--", program }) psi.ArgumentList.Add(a);
        }
        else psi.FileName = program;
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
