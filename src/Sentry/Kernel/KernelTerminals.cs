using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Vfs;
using Sandbox.Sentry.Vfs.Tty;

namespace Sandbox.Sentry.Kernel;

/// <summary>Controlling terminals and sessions (credentials(7), Linux disassociate_ctty()).</summary>
public sealed partial class Kernel
{
    /// <summary>
    /// A new pty for a first process (`run -t`, a pod's tty exec): the replica, as seen from
    /// <paramref name="root"/>'s /dev/pts, becomes its stdin, stdout and stderr and the
    /// controlling terminal of its group, which leads its own session. Returns the pty; the
    /// caller relays its master.
    /// </summary>
    internal Pty OpenControllingTerminal(ThreadGroup group, FdTable fds, Location root, (int Rows, int Cols) size)
    {
        var creds = Credentials.FromHost();
        var pty = DevPts.Allocate(creds);
        pty.OpenMaster();
        pty.Locked = false;
        pty.OpenReplica(creds);
        pty.SetWindowSize((ushort)size.Rows, (ushort)size.Cols);
        var replica = new ReplicaFile(pty) { Flags = OpenFlags.O_RDWR };
        if (Vfs.Resolve(root, root, $"/dev/pts/{pty.Index}", true, out var loc) == 0 && loc.Inode == pty.Inode)
            replica.Location = loc;
        fds.InstallAt(0, replica, false);
        replica.IncRef();
        fds.InstallAt(1, replica, false);
        replica.IncRef();
        fds.InstallAt(2, replica, false);
        lock (Lock) TtyIoctl.Attach(group, pty);
        return pty;
    }

    /// <summary>
    /// A session leader gives up its controlling terminal (TIOCNOTTY, or its exit): the
    /// foreground group hears SIGHUP (and SIGCONT unless the leader is exiting), and no process
    /// of the session keeps the terminal.
    /// </summary>
    internal void ReleaseControllingTerminal(ThreadGroup leader, bool onExit)
    {
        lock (Lock)
        {
            var pty = leader.Tty;
            if (pty == null) return;
            int pgrp = pty.Pgrp;
            if (pgrp != 0)
                foreach (var g in _groups.Values)
                {
                    if (g.Pgid != pgrp || (g.Zombie && g != leader)) continue;
                    SendToGroup(g, new SignalInfo(Signals.SIGHUP, SignalInfo.SI_KERNEL));
                    if (!onExit) SendToGroup(g, new SignalInfo(Signals.SIGCONT, SignalInfo.SI_KERNEL));
                }
            foreach (var g in _groups.Values)
                if (g.Sid == leader.Sid && g.Tty == pty) g.Tty = null;
            if (pty.Session == leader.Sid) pty.Session = pty.Pgrp = 0;
        }
    }
}
