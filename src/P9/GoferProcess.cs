using System.Diagnostics;
using System.Net.Sockets;
using Sandbox.Linux.Native;

namespace Sandbox.P9;

/// <summary>
/// Starts a Gofer serving one tree on one end of a socketpair and connects a
/// <see cref="P9Client"/> to the other end. <c>command</c> is how to run the Gofer, e.g.
/// <c>["/usr/bin/sandbox", "gofer"]</c> or <c>["dotnet", ".../sandbox-gofer.dll"]</c>.
/// </summary>
public sealed class GoferProcess : IDisposable
{
    public Process Process { get; }
    public P9Client Client { get; }

    private GoferProcess(Process p, P9Client c) { Process = p; Client = c; }

    public static GoferProcess Start(IReadOnlyList<string> command, string root, bool readOnly = false,
        IEnumerable<string>? extraArgs = null, uint msize = 1 << 20)
    {
        var (p, ours) = Spawn(command, root, readOnly, extraArgs);
        try { return new GoferProcess(p, P9Client.FromFd(ours, msize)); }
        catch
        {
            try { p.Kill(); } catch (InvalidOperationException) { }
            throw;
        }
    }

    /// <summary>
    /// Starts a Gofer and returns it with our end of its connection, unused: for a Sentry
    /// that gets the connection passed to it (a pod, confined before its containers come).
    /// </summary>
    public static (Process Process, int Fd) Spawn(IReadOnlyList<string> command, string root, bool readOnly = false,
        IEnumerable<string>? extraArgs = null)
    {
        var (p, fds) = Spawn(command, root, readOnly, [], extraArgs);
        return (p, fds[0]);
    }

    /// <summary>
    /// One Gofer serving <paramref name="root"/> and each of <paramref name="volumes"/> (host
    /// directory, the guest path it is for, read-only), each tree on a connection of its own:
    /// our ends come back in that order, the root's first.
    /// </summary>
    public static unsafe (Process Process, int[] Fds) Spawn(IReadOnlyList<string> command, string root, bool readOnly,
        IReadOnlyList<(string Host, string Guest, bool ReadOnly)> volumes, IEnumerable<string>? extraArgs = null)
    {
        const int AF_UNIX = 1, SOCK_STREAM = 1, SYS_socketpair = 53;
        var ours = new List<int>();
        var theirs = new List<int>();
        try
        {
            int* sv = stackalloc int[2];
            for (int i = 0; i <= volumes.Count; i++)
            {
                long r = Sys.Syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)sv);
                if (r < 0) throw new IOException($"socketpair: {Linux.ErrnoText.Name((int)-r)}");
                ours.Add(sv[0]);
                theirs.Add(sv[1]);
                // Only the Gofer's ends are inheritable; ours must not leak into it.
                Sys.Syscall(Sys.SYS_fcntl, sv[0], 2 /*F_SETFD*/, 1 /*FD_CLOEXEC*/);
            }
            var psi = new ProcessStartInfo(command[0]) { UseShellExecute = false, RedirectStandardInput = true };
            foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
            psi.ArgumentList.Add("--root"); psi.ArgumentList.Add(root);
            if (readOnly) psi.ArgumentList.Add("--ro");
            psi.ArgumentList.Add("--fd"); psi.ArgumentList.Add(theirs[0].ToString());
            for (int i = 0; i < volumes.Count; i++)
            {
                var (host, guest, ro) = volumes[i];
                psi.ArgumentList.Add("--volume"); psi.ArgumentList.Add($"{host}:{guest}{(ro ? ":ro" : "")}");
                psi.ArgumentList.Add("--volume-fd"); psi.ArgumentList.Add(theirs[i + 1].ToString());
            }
            foreach (var a in extraArgs ?? []) psi.ArgumentList.Add(a);
            var p = Process.Start(psi) ?? throw new IOException("the Gofer did not start");
            foreach (var fd in theirs) Sys.Close(fd);
            return (p, ours.ToArray());
        }
        catch
        {
            foreach (var fd in ours) Sys.Close(fd);
            foreach (var fd in theirs) Sys.Close(fd);
            throw;
        }
    }

    /// <summary>Whether <paramref name="path"/> can be a --volume HOST or GUEST (the flag's fields are split at ':').</summary>
    public static bool FitsVolumeFlag(string path) => path.StartsWith('/') && !path.Contains(':');

    public void Dispose()
    {
        Client.Dispose();
        if (!Process.WaitForExit(5000)) { try { Process.Kill(); } catch (InvalidOperationException) { } }
        Process.Dispose();
    }
}
