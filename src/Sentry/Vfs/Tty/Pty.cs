using Sandbox.Linux;
using Sandbox.Sentry.Kernel;
using static Sandbox.Linux.Abi.Termios;

namespace Sandbox.Sentry.Vfs.Tty;

/// <summary>
/// A pseudo-terminal pair (pty(7)): the master (/dev/ptmx) and its replica (/dev/pts/N) share
/// one line discipline. What the master writes is typed input; what the replica writes, after
/// output processing, the master reads. Data fields are guarded by <see cref="Lock"/>; the
/// session and foreground process group by the kernel's lock.
/// </summary>
public sealed class Pty
{
    internal readonly LineDiscipline Ld = new();
    private readonly Kernel.Kernel _kernel;
    private int _masters, _replicas;
    private bool _replicaOpened, _hungUp;
    private byte _packetStatus;

    internal Pty(Kernel.Kernel kernel, DevPtsFilesystem fs, int index, uint uid, uint gid)
    {
        _kernel = kernel; Fs = fs; Index = index;
        Inode = new ReplicaInode(fs, this, uid, gid);
    }

    public object Lock { get; } = new();
    public WaitQueue Queue { get; } = new();
    public DevPtsFilesystem Fs { get; }
    public int Index { get; }
    public ReplicaInode Inode { get; }

    /// <summary>The session this is the controlling terminal of (0: none), and its foreground group. Kernel lock.</summary>
    public int Session, Pgrp;

    /// <summary>TIOCSPTLCK: the replica cannot be opened while locked (a new pair starts locked; unlockpt(3)).</summary>
    public bool Locked = true;
    public bool PacketMode;
    public bool Exclusive;
    public ushort Rows, Cols, XPixel, YPixel;

    /// <summary>Called after any change, for waiters outside the sandbox (the host side of `run -t`).</summary>
    public event Action? Changed;

    internal void Notify()
    {
        Queue.Notify();
        lock (Lock) Monitor.PulseAll(Lock);
        Changed?.Invoke();
    }

    /// <summary>Encoded as /proc/PID/stat's tty_nr (new_encode_dev of 136:N).</summary>
    public int TtyNr => (Index & 0xff) | ((int)PtsMajor << 8) | ((Index & ~0xff) << 12);

    public string Name => $"pts/{Index}";

    // ---- opening and closing ----

    internal void OpenMaster() { lock (Lock) _masters++; }

    internal int OpenReplica(Credentials creds, bool ignoreLock = false)
    {
        lock (Lock)
        {
            if (_hungUp || _masters == 0) return -(int)Errno.EIO;
            if (Locked && !ignoreLock) return -(int)Errno.EIO;
            if (Exclusive && !creds.Has(Linux.Abi.Cap.SYS_ADMIN)) return -(int)Errno.EBUSY;
            _replicas++;
            _replicaOpened = true;
        }
        return 0;
    }

    internal void CloseMaster()
    {
        bool last;
        lock (Lock) last = --_masters == 0;
        if (!last) return;
        Fs.Remove(this);
        HangUp();
    }

    internal void CloseReplica()
    {
        lock (Lock) _replicas--;
        Notify();
    }

    /// <summary>The master went away (tty_vhangup): the session leader hears SIGHUP and SIGCONT, the replica reads end of file.</summary>
    internal void HangUp()
    {
        lock (Lock) _hungUp = true;
        lock (_kernel.Lock)
        {
            if (Session != 0)
            {
                foreach (var g in _kernel.Groups())
                {
                    if (g.Sid != Session || g.Zombie) continue;
                    if (g.Tty == this) g.Tty = null;
                    if (g.Tgid == Session)
                    {
                        _kernel.SendToGroup(g, new SignalInfo(Signals.SIGHUP, SignalInfo.SI_KERNEL));
                        _kernel.SendToGroup(g, new SignalInfo(Signals.SIGCONT, SignalInfo.SI_KERNEL));
                    }
                }
            }
            Session = Pgrp = 0;
        }
        Notify();
    }

    public bool HungUp { get { lock (Lock) return _hungUp; } }

    // ---- data ----

    public long MasterRead(Span<byte> dst, bool nonBlocking)
    {
        if (dst.Length == 0) return 0;
        var t = Task.Current;
        while (true)
        {
            lock (Lock)
            {
                if (PacketMode && _packetStatus != 0)
                {
                    dst[0] = _packetStatus;
                    _packetStatus = 0;
                    return 1;
                }
                if (Ld.OutputCount > 0)
                {
                    int n = PacketMode ? Ld.ReadOutput(dst[1..]) + 1 : Ld.ReadOutput(dst);
                    if (PacketMode) dst[0] = TIOCPKT_DATA;
                    Monitor.PulseAll(Lock);
                    Queue.Notify();
                    return n;
                }
                if (_replicaOpened && _replicas == 0) return -(long)Errno.EIO;
                if (nonBlocking || t == null) return -(long)Errno.EAGAIN;
            }
            if (t.BlockUntil(() => { lock (Lock) return Ld.OutputCount > 0 || _packetStatus != 0 || (_replicaOpened && _replicas == 0); }, -1, Queue) == BlockResult.Interrupted)
                return -(long)Errno.ERESTARTSYS;
        }
    }

    /// <summary>Typed input. Blocks (or EAGAIN) while the replica's input queue is full.</summary>
    public long MasterWrite(ReadOnlySpan<byte> src, bool nonBlocking)
    {
        var t = Task.Current;
        long done = 0;
        while (done < src.Length)
        {
            int sig;
            int n;
            lock (Lock)
            {
                n = Ld.Receive(src[(int)done..], out sig);
                done += n;
            }
            if (n > 0) Notify();
            if (sig != 0) SignalForeground(sig);
            if (done == src.Length) break;
            if (n > 0) continue;
            if (nonBlocking) return done > 0 ? done : -(long)Errno.EAGAIN;
            if (t == null)
            {
                lock (Lock) if (Ld.InputFree == 0 && !_hungUp) Monitor.Wait(Lock, 100);
                continue;
            }
            if (t.BlockUntil(() => { lock (Lock) return Ld.InputFree > 0 || _hungUp; }, -1, Queue) == BlockResult.Interrupted)
                return done > 0 ? done : -(long)Errno.ERESTARTSYS;
        }
        return done;
    }

    public long ReplicaRead(Task? t, Span<byte> dst, bool nonBlocking)
    {
        if (t != null)
        {
            long jc = CheckJobControl(t, Signals.SIGTTIN);
            if (jc < 0) return jc;
        }
        if (HungUp) return 0;
        if (dst.Length == 0) return 0;
        int len = dst.Length;
        long deadline = -1;
        while (true)
        {
            int min, time;
            lock (Lock)
            {
                min = Ld.Min; time = Ld.Time;
                bool canon = Ld.Canonical;
                int want = canon ? 0 : Math.Min(min, dst.Length);
                if (Ld.HasInput(want) || (!canon && min == 0 && time == 0) || (!canon && deadline >= 0 && Task.MonotonicNow() >= deadline && (min == 0 || Ld.Readable > 0)))
                {
                    int n = Ld.ReadInput(dst);
                    Monitor.PulseAll(Lock);
                    Queue.Notify();
                    return n;
                }
                if (_hungUp) return -(long)Errno.EIO; // the master closed while this read waited
                if (nonBlocking || t == null) return -(long)Errno.EAGAIN;
                // VTIME: with VMIN 0 a total timeout; with VMIN > 0 a timer that starts with the first byte.
                if (!canon && time > 0 && deadline < 0 && (min == 0 || Ld.Readable > 0))
                    deadline = Task.MonotonicNow() + time * 100_000_000L;
            }
            var r = t.BlockUntil(() =>
            {
                lock (Lock)
                {
                    if (_hungUp) return true;
                    if (Ld.Canonical) return Ld.HasInput(0);
                    return Ld.HasInput(Math.Min(Ld.Min, len)) || (deadline < 0 && Ld.Time > 0 && Ld.Readable > 0);
                }
            }, deadline, Queue);
            if (r == BlockResult.Interrupted) return -(long)Errno.ERESTARTSYS;
        }
    }

    public long ReplicaWrite(Task? t, ReadOnlySpan<byte> src, bool nonBlocking)
    {
        if (t != null && (Ld.LFlag & LTostop) != 0)
        {
            long jc = CheckJobControl(t, Signals.SIGTTOU);
            if (jc < 0) return jc;
        }
        long done = 0;
        while (true)
        {
            lock (Lock)
            {
                if (_hungUp) return done > 0 ? done : -(long)Errno.EIO;
                if (!Ld.Stopped)
                {
                    int n = Ld.Output(src[(int)done..]);
                    done += n;
                    if (n > 0) { Monitor.PulseAll(Lock); Queue.Notify(); }
                    if (done == src.Length) break;
                }
                if (nonBlocking || t == null) { if (done > 0) break; return -(long)Errno.EAGAIN; }
            }
            Changed?.Invoke();
            if (t.BlockUntil(() => { lock (Lock) return _hungUp || (!Ld.Stopped && Ld.OutputFree >= 2); }, -1, Queue) == BlockResult.Interrupted)
                return done > 0 ? done : -(long)Errno.ERESTARTSYS;
        }
        Changed?.Invoke();
        return done;
    }

    private const uint LTostop = TOSTOP;

    public short MasterReadiness(short events)
    {
        lock (Lock)
        {
            short r = 0;
            if (Ld.OutputCount > 0 || (PacketMode && _packetStatus != 0)) r |= Linux.Abi.Poll.POLLIN | Linux.Abi.Poll.POLLRDNORM;
            if (Ld.InputFree > 0) r |= Linux.Abi.Poll.POLLOUT | Linux.Abi.Poll.POLLWRNORM;
            if (_replicaOpened && _replicas == 0) r |= Linux.Abi.Poll.POLLHUP;
            return (short)(r & (events | Linux.Abi.Poll.POLLHUP | Linux.Abi.Poll.POLLERR));
        }
    }

    public short ReplicaReadiness(short events)
    {
        lock (Lock)
        {
            if (_hungUp)
                return (short)((Linux.Abi.Poll.POLLIN | Linux.Abi.Poll.POLLOUT | Linux.Abi.Poll.POLLRDNORM | Linux.Abi.Poll.POLLWRNORM) & events
                    | Linux.Abi.Poll.POLLHUP | Linux.Abi.Poll.POLLERR);
            short r = 0;
            int min = Ld.Time == 0 ? Ld.Min : 1;
            if (Ld.HasInput(min)) r |= Linux.Abi.Poll.POLLIN | Linux.Abi.Poll.POLLRDNORM;
            if (!Ld.Stopped && Ld.OutputFree > 0) r |= Linux.Abi.Poll.POLLOUT | Linux.Abi.Poll.POLLWRNORM;
            return (short)(r & events);
        }
    }

    // ---- job control (Linux tty_check_change) ----

    /// <summary>
    /// A background process of this terminal's session touching it: its group is stopped with
    /// <paramref name="sig"/> (ERESTARTSYS); EIO when that cannot work (orphaned group, or
    /// SIGTTIN ignored/blocked); SIGTTOU ignored or blocked lets the call go on.
    /// </summary>
    internal long CheckJobControl(Task t, int sig)
    {
        var k = t.Kernel;
        lock (k.Lock)
        {
            if (t.Group.Tty != this || Pgrp == 0 || t.Pgid == Pgrp) return 0;
            bool ignored = t.Group.Handlers.Actions[sig].Handler == SigAction.SIG_IGN || (t.SignalMask & PendingSignals.Bit(sig)) != 0;
            if (ignored) return sig == Signals.SIGTTIN ? -(long)Errno.EIO : 0;
            if (k.IsOrphanedPgrp(t.Pgid, null)) return -(long)Errno.EIO;
            foreach (var g in k.Groups())
                if (g.Pgid == t.Pgid && !g.Zombie) k.SendToGroup(g, new SignalInfo(sig, SignalInfo.SI_KERNEL));
            return -(long)Errno.ERESTARTSYS;
        }
    }

    /// <summary>Sends <paramref name="sig"/> to the foreground process group (ISIG characters, window changes).</summary>
    internal void SignalForeground(int sig)
    {
        lock (_kernel.Lock)
        {
            if (Pgrp == 0) return;
            foreach (var g in _kernel.Groups())
                if (g.Pgid == Pgrp && !g.Zombie) _kernel.SendToGroup(g, new SignalInfo(sig, SignalInfo.SI_KERNEL));
        }
    }

    /// <summary>TIOCPKT status for the master's next read.</summary>
    internal void PacketEvent(byte status)
    {
        lock (Lock) if (PacketMode) _packetStatus |= status;
    }

    /// <summary>Sets the window size; the foreground group hears SIGWINCH when it changed.</summary>
    public void SetWindowSize(ushort rows, ushort cols, ushort xpixel = 0, ushort ypixel = 0)
    {
        bool changed;
        lock (Lock)
        {
            changed = rows != Rows || cols != Cols || xpixel != XPixel || ypixel != YPixel;
            Rows = rows; Cols = cols; XPixel = xpixel; YPixel = ypixel;
        }
        if (changed) SignalForeground(Signals.SIGWINCH);
    }
}
