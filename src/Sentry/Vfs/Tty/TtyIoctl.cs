using System.Buffers.Binary;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using static Sandbox.Linux.Abi.Termios;

namespace Sandbox.Sentry.Vfs.Tty;

/// <summary>
/// The terminal ioctls (ioctl_tty(2)) on either side of a pair. Termios, window size and job
/// control act on the replica's state from both sides, as Linux's tty_mode_ioctl does.
/// </summary>
public static class TtyIoctl
{
    public static long Handle(Task t, Pty pty, bool master, uint cmd, ulong arg)
    {
        if (!master && pty.HungUp) return cmd == TIOCSPGRP ? -(long)Errno.ENOTTY : -(long)Errno.EIO;
        switch (cmd)
        {
            case TCGETS or TCGETS2:
            {
                bool v2 = cmd == TCGETS2;
                Span<byte> buf = stackalloc byte[Size2];
                lock (pty.Lock) pty.Ld.GetTermios(buf, v2);
                return t.MM.CopyOut(arg, buf[..(v2 ? Size2 : Size)]);
            }
            case TCSETS or TCSETSW or TCSETSF or TCSETS2 or TCSETSW2 or TCSETSF2:
            {
                bool v2 = cmd is TCSETS2 or TCSETSW2 or TCSETSF2;
                Span<byte> buf = stackalloc byte[Size2];
                int r = t.MM.CopyIn(arg, buf[..(v2 ? Size2 : Size)]);
                if (r < 0) return r;
                long jc = master ? 0 : pty.CheckJobControl(t, Signals.SIGTTOU);
                if (jc < 0) return jc;
                lock (pty.Lock)
                {
                    pty.Ld.SetTermios(buf, v2);
                    if (cmd is TCSETSF or TCSETSF2) pty.Ld.FlushInput();
                }
                pty.Notify();
                return 0;
            }
            case TIOCGWINSZ:
            {
                Span<byte> ws = stackalloc byte[8];
                lock (pty.Lock)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(ws, pty.Rows);
                    BinaryPrimitives.WriteUInt16LittleEndian(ws[2..], pty.Cols);
                    BinaryPrimitives.WriteUInt16LittleEndian(ws[4..], pty.XPixel);
                    BinaryPrimitives.WriteUInt16LittleEndian(ws[6..], pty.YPixel);
                }
                return t.MM.CopyOut(arg, ws);
            }
            case TIOCSWINSZ:
            {
                Span<byte> ws = stackalloc byte[8];
                int r = t.MM.CopyIn(arg, ws);
                if (r < 0) return r;
                pty.SetWindowSize(BinaryPrimitives.ReadUInt16LittleEndian(ws), BinaryPrimitives.ReadUInt16LittleEndian(ws[2..]),
                    BinaryPrimitives.ReadUInt16LittleEndian(ws[4..]), BinaryPrimitives.ReadUInt16LittleEndian(ws[6..]));
                return 0;
            }
            case TIOCGPGRP:
            {
                int pgrp;
                lock (t.Kernel.Lock)
                {
                    if (!master && t.Group.Tty != pty) return -(long)Errno.ENOTTY;
                    pgrp = pty.Pgrp;
                }
                return t.MM.Write(arg, pgrp);
            }
            case TIOCSPGRP: return SetForeground(t, pty, master, arg);
            case TIOCGSID:
            {
                int sid;
                lock (t.Kernel.Lock)
                {
                    if (!master && t.Group.Tty != pty) return -(long)Errno.ENOTTY;
                    if (pty.Session == 0) return -(long)Errno.ENOTTY;
                    sid = pty.Session;
                }
                return t.MM.Write(arg, sid);
            }
            case TIOCSCTTY: return MakeControlling(t, pty, (long)arg);
            case TIOCNOTTY: return Disassociate(t, pty);
            case Ioctl.FIONREAD:
            {
                int n;
                lock (pty.Lock) n = master ? pty.Ld.OutputCount : pty.Ld.Readable;
                return t.MM.Write(arg, n);
            }
            case TIOCOUTQ:
            {
                int n;
                lock (pty.Lock) n = master ? 0 : pty.Ld.OutputCount;
                return t.MM.Write(arg, n);
            }
            case TCFLSH:
            {
                if (arg > TCIOFLUSH) return -(long)Errno.EINVAL;
                long jc = master ? 0 : pty.CheckJobControl(t, Signals.SIGTTOU);
                if (jc < 0) return jc;
                // Each side can only discard its own input queue: what the other side already
                // received stays (Linux flushes just the peer's unprocessed flip buffers).
                bool input = arg != TCOFLUSH, output = arg != TCIFLUSH;
                lock (pty.Lock)
                {
                    if (input && master) pty.Ld.FlushOutput();
                    else if (input) pty.Ld.FlushInput();
                }
                if (!master) pty.PacketEvent((byte)((input ? TIOCPKT_FLUSHREAD : 0) | (output ? TIOCPKT_FLUSHWRITE : 0)));
                pty.Notify();
                return 0;
            }
            case TCXONC:
            {
                if (arg > TCION) return -(long)Errno.EINVAL;
                long jc = master ? 0 : pty.CheckJobControl(t, Signals.SIGTTOU);
                if (jc < 0) return jc;
                if (arg is TCOOFF or TCOON)
                {
                    lock (pty.Lock) pty.Ld.Stopped = arg == TCOOFF;
                    pty.PacketEvent(arg == TCOOFF ? TIOCPKT_STOP : TIOCPKT_START);
                    pty.Notify();
                }
                return 0;
            }
            case TCSBRK or TCSBRKP:
                return master ? 0 : Math.Min(0, pty.CheckJobControl(t, Signals.SIGTTOU));
            case TIOCSBRK or TIOCCBRK: return 0;
            case TIOCEXCL: lock (pty.Lock) pty.Exclusive = true; return 0;
            case TIOCNXCL: lock (pty.Lock) pty.Exclusive = false; return 0;
            case TIOCGEXCL: { bool e; lock (pty.Lock) e = pty.Exclusive; return t.MM.Write(arg, e ? 1 : 0); }
            case TIOCGETD: return t.MM.Write(arg, 0); // N_TTY
            case TIOCSETD:
            {
                int r = t.MM.Read(arg, out int ld);
                if (r < 0) return r;
                return ld == 0 ? 0 : -(long)Errno.EINVAL;
            }
            case TIOCSTI:
            {
                bool ctty;
                lock (t.Kernel.Lock) ctty = t.Group.Tty == pty;
                if (!ctty && !t.Creds.Has(Cap.SYS_ADMIN)) return -(long)Errno.EPERM;
                Span<byte> c = stackalloc byte[1];
                int r = t.MM.CopyIn(arg, c);
                if (r < 0) return r;
                int sig;
                lock (pty.Lock) pty.Ld.Receive(c, out sig);
                pty.Notify();
                if (sig != 0) pty.SignalForeground(sig);
                return 0;
            }
            case TIOCVHANGUP:
                if (!t.Creds.Has(Cap.SYS_ADMIN)) return -(long)Errno.EPERM;
                pty.HangUp();
                return 0;
            case TIOCGDEV when !master:
                return t.MM.Write(arg, (int)((uint)pty.Index & 0xff | (PtsMajor << 8) | (((uint)pty.Index & ~0xffu) << 12)));
        }
        if (!master) return -(long)Errno.ENOTTY;
        switch (cmd)
        {
            case TIOCGPTN: return t.MM.Write(arg, pty.Index);
            case TIOCSPTLCK:
            {
                int r = t.MM.Read(arg, out int v);
                if (r < 0) return r;
                lock (pty.Lock) pty.Locked = v != 0;
                return 0;
            }
            case TIOCGPTLCK: { bool l; lock (pty.Lock) l = pty.Locked; return t.MM.Write(arg, l ? 1 : 0); }
            case TIOCPKT:
            {
                int r = t.MM.Read(arg, out int v);
                if (r < 0) return r;
                lock (pty.Lock) pty.PacketMode = v != 0;
                return 0;
            }
            case TIOCGPKT: { bool p; lock (pty.Lock) p = pty.PacketMode; return t.MM.Write(arg, p ? 1 : 0); }
            case TIOCGPTPEER: return OpenPeer(t, pty, (int)arg);
        }
        return -(long)Errno.ENOTTY;
    }

    /// <summary>TIOCSPGRP: only on the caller's controlling terminal, to a group of its session.</summary>
    private static long SetForeground(Task t, Pty pty, bool master, ulong arg)
    {
        int r = t.MM.Read(arg, out int pgrp);
        if (r < 0) return r;
        long jc = pty.CheckJobControl(t, Signals.SIGTTOU);
        if (jc == -(long)Errno.EIO) return -(long)Errno.ENOTTY; // as Linux's tiocspgrp() answers
        if (jc < 0) return jc;
        lock (t.Kernel.Lock)
            if (t.Group.Tty != pty || pty.Session != t.Sid) return -(long)Errno.ENOTTY;
        if (pgrp < 0) return -(long)Errno.EINVAL;
        lock (t.Kernel.Lock)
        {
            bool exists = false, sameSession = false;
            foreach (var g in t.Kernel.Groups())
            {
                if (g.Pgid != pgrp || g.Zombie) continue;
                exists = true;
                if (g.Sid == t.Sid) sameSession = true;
            }
            if (!exists) return -(long)Errno.ESRCH;
            if (!sameSession) return -(long)Errno.EPERM;
            pty.Pgrp = pgrp;
        }
        return 0;
    }

    /// <summary>TIOCSCTTY: a session leader without a controlling terminal takes this one.</summary>
    private static long MakeControlling(Task t, Pty pty, long steal)
    {
        var k = t.Kernel;
        lock (k.Lock)
        {
            var g = t.Group;
            if (g.Sid == g.Tgid && g.Tty == pty) return 0;
            if (g.Sid != g.Tgid || g.Tty != null) return -(long)Errno.EPERM;
            if (pty.Session != 0)
            {
                if (steal != 1 || !t.Creds.Has(Cap.SYS_ADMIN)) return -(long)Errno.EPERM;
                foreach (var o in k.Groups())
                    if (o.Tty == pty) o.Tty = null;
            }
            Attach(g, pty);
        }
        return 0;
    }

    /// <summary>Makes <paramref name="pty"/> the controlling terminal of <paramref name="leader"/>'s session. Kernel lock held.</summary>
    public static void Attach(ThreadGroup leader, Pty pty)
    {
        pty.Session = leader.Sid;
        pty.Pgrp = leader.Pgid;
        leader.Tty = pty;
    }

    /// <summary>
    /// open(2) of a terminal without O_NOCTTY: a session leader with no controlling terminal
    /// gets this one if no session has it yet.
    /// </summary>
    public static void OpenedWithoutNoctty(Task t, Pty pty)
    {
        lock (t.Kernel.Lock)
        {
            var g = t.Group;
            if (g.Sid != g.Tgid || g.Tty != null || pty.Session != 0 || pty.HungUp) return;
            Attach(g, pty);
        }
    }

    /// <summary>TIOCNOTTY: gives the controlling terminal up; a session leader takes the whole session off it.</summary>
    private static long Disassociate(Task t, Pty pty)
    {
        var k = t.Kernel;
        lock (k.Lock)
        {
            var g = t.Group;
            if (g.Tty != pty) return -(long)Errno.ENOTTY;
            if (g.Sid != g.Tgid) { g.Tty = null; return 0; }
        }
        k.ReleaseControllingTerminal(t.Group, onExit: false);
        return 0;
    }

    /// <summary>TIOCGPTPEER: opens the replica from the master without a path lookup.</summary>
    private static long OpenPeer(Task t, Pty pty, int flags)
    {
        const int allowed = OpenFlags.O_ACCMODE | OpenFlags.O_NOCTTY | OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC;
        if ((flags & ~allowed) != 0) return -(long)Errno.EINVAL;
        int r = pty.OpenReplica(t.Creds);
        if (r < 0) return r;
        var file = new ReplicaFile(pty) { Flags = flags & ~(OpenFlags.O_NOCTTY | OpenFlags.O_CLOEXEC) };
        if (t.Kernel.Vfs.Resolve(t.Root, t.Root, $"/dev/pts/{pty.Index}", true, out var loc) == 0 && loc.Inode == pty.Inode)
            file.Location = loc;
        long fd = t.Fds.Install(file, (flags & OpenFlags.O_CLOEXEC) != 0);
        if (fd < 0) return fd;
        if ((flags & OpenFlags.O_NOCTTY) == 0) OpenedWithoutNoctty(t, pty);
        return fd;
    }
}
