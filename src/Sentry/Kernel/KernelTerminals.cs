using Sandbox.Linux;

namespace Sandbox.Sentry.Kernel;

/// <summary>Controlling terminals and sessions (credentials(7), Linux disassociate_ctty()).</summary>
public sealed partial class Kernel
{
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
