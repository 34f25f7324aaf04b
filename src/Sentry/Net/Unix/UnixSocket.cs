using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Net.Unix;

/// <summary>
/// An AF_UNIX socket (unix(7)) of type SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET. Connected
/// sockets point at each other; a sender puts messages straight into the peer's receive queue
/// and is charged for them against its SO_SNDBUF until they are read. All AF_UNIX state changes
/// under one lock, <see cref="Gate"/>: connections span two sockets and are short.
/// </summary>
public sealed partial class UnixSocket : Socket
{
    /// <summary>The one lock of AF_UNIX state.</summary>
    internal static readonly object Gate = new();

    /// <summary>net.core.somaxconn and net.unix.max_dgram_qlen as a fresh network namespace has them.</summary>
    private const int SoMaxConn = 4096, MaxDgramQlen = 10;

    private const int RcvShutdown = 1, SendShutdown = 2, ShutdownMask = 3;

    private enum State { Unconnected, Listening, Connected }

    private State _state;
    private UnixSocket? _peer;
    private readonly LinkedList<UnixMessage> _recv = new();
    private long _recvBytes;
    /// <summary>Bytes this socket sent that sit unread in some receive queue (sk_wmem_alloc).</summary>
    private long _inflight;
    private int _shutdown;
    private int _error;
    private bool _dead;
    /// <summary>A connection's server end not yet accepted (released with its listener).</summary>
    private bool _embryo;
    private int _backlog;
    private readonly Queue<UnixSocket> _pending = new();
    private Ucred _peerCred = Ucred.None;

    public UnixSocket(int type, int flags) : base(SocketDomain.AF_UNIX, type, 0, flags) { }

    public UnixAddress? Address { get; private set; }
    internal (ulong, ulong)? BoundKey { get; private set; }

    private bool ConnectionOriented => Type != SockType.SOCK_DGRAM;

    /// <summary>socketpair(2): two connected sockets with each other's credentials.</summary>
    public static (UnixSocket, UnixSocket) Pair(Task t, int type, int flags)
    {
        var a = new UnixSocket(type, flags);
        var b = new UnixSocket(type, flags);
        var cred = Ucred.Of(t);
        a._peer = b; b._peer = a;
        a._state = b._state = State.Connected;
        a._peerCred = b._peerCred = cred;
        return (a, b);
    }

    // ---- names ---------------------------------------------------------------------------

    public override long Bind(Task t, ReadOnlySpan<byte> addr)
    {
        if (addr.Length < SocketAbi.SunPathOffset) return -(long)Errno.EINVAL;
        if (addr.Length == SocketAbi.SunPathOffset && BitConverter.ToUInt16(addr) == SocketDomain.AF_UNIX) return AutoBind();
        long r = UnixAddress.Parse(addr, out var a);
        if (r < 0) return r;
        if (a!.IsAbstract)
        {
            lock (Gate)
            {
                if (Address != null) return -(long)Errno.EINVAL;
                if (!UnixNames.TryAddAbstract(a, Type, this)) return -(long)Errno.EADDRINUSE;
                Address = a;
            }
            return 0;
        }
        lock (Gate) if (Address != null) return -(long)Errno.EINVAL;
        r = CreateSocketFile(t, a.Path!, out var inode);
        if (r < 0) return r == -(long)Errno.EEXIST ? -(long)Errno.EADDRINUSE : r;
        lock (Gate)
        {
            // Another thread bound it meanwhile: Linux would have refused before creating the file.
            if (Address != null) return -(long)Errno.EINVAL;
            BoundKey = UnixNames.KeyOf(inode!);
            UnixNames.AddBound(BoundKey.Value, this);
            Address = a;
        }
        return 0;
    }

    /// <summary>mknod(path, S_IFSOCK | 0777 &amp; ~umask) as unix_bind_bsd does it.</summary>
    private static long CreateSocketFile(Task t, string path, out Inode? inode)
    {
        inode = null;
        long r = Syscalls.PathArgs.StartAt(t, AtFlags.AT_FDCWD, path, out var start);
        if (r < 0) return r;
        if (path.EndsWith('/')) return -(long)Errno.ENOENT;
        r = Syscalls.PathArgs.ResolveParent(t, start, path, out var parent, out string name);
        if (r < 0) return r;
        if (!parent.Inode.IsDirectory) return -(long)Errno.ENOTDIR;
        if (name is "." or ".." || parent.Inode.Lookup(name, out _) == 0) return -(long)Errno.EEXIST;
        r = Syscalls.FileNamespace.MayModify(t, parent);
        if (r < 0) return r;
        int c = parent.Inode.Create(name, FileMode.S_IFSOCK | (0x1ff & ~t.Umask), t.Creds.Fsuid, t.Creds.Fsgid, null, out inode);
        if (c == 0) Vfs.Inotify.Fsnotify.Created(parent, name, false);
        return c;
    }

    private long AutoBind()
    {
        // An already named socket stays as it is: no error (unix_autobind).
        lock (Gate) AutoBindLocked();
        return 0;
    }

    private void AutoBindLocked()
    {
        if (Address != null) return;
        while (true)
        {
            var a = UnixAddress.Auto();
            if (UnixNames.TryAddAbstract(a, Type, this)) { Address = a; return; }
        }
    }

    public override int GetName(Span<byte> addr)
    {
        lock (Gate) return Address is { } a ? a.WriteTo(addr) : UnixAddress.WriteUnnamed(addr);
    }

    public override int GetPeerName(Span<byte> addr)
    {
        lock (Gate)
        {
            if (_peer == null || (ConnectionOriented && _state != State.Connected)) return -(int)Errno.ENOTCONN;
            return _peer.Address is { } a ? a.WriteTo(addr) : UnixAddress.WriteUnnamed(addr);
        }
    }

    // ---- connections ---------------------------------------------------------------------

    protected override bool IsListening { get { lock (Gate) return _state == State.Listening; } }
    protected override Ucred PeerCred { get { lock (Gate) return _peerCred; } }

    protected override int TakeError()
    {
        lock (Gate) { int e = _error; _error = 0; return e; }
    }

    public override long Listen(Task t, int backlog)
    {
        if (!ConnectionOriented) return -(long)Errno.EOPNOTSUPP;
        lock (Gate)
        {
            if (Address == null || (_state != State.Unconnected && _state != State.Listening)) return -(long)Errno.EINVAL;
            int b = (uint)backlog > SoMaxConn ? SoMaxConn : backlog;
            bool grew = b > _backlog;
            _backlog = b;
            _state = State.Listening;
            _peerCred = Ucred.Of(t);
            if (grew) Queue.Notify();
        }
        return 0;
    }

    public override long Connect(Task t, ReadOnlySpan<byte> addr)
    {
        if (!ConnectionOriented) return ConnectDatagram(t, addr);
        long r = UnixAddress.Parse(addr, out var a);
        if (r < 0) return r;
        if (PassCred) lock (Gate) AutoBindLocked();
        long deadline = SendDeadline;
        while (true)
        {
            lock (Gate)
            {
                if (_state == State.Connected) return -(long)Errno.EISCONN;
                if (_state != State.Unconnected) return -(long)Errno.EINVAL;
            }
            r = UnixNames.Find(t, a!, Type, out var other);
            if (r < 0) return r;
            lock (Gate)
            {
                if (other!.Type != Type) return -(long)Errno.EPROTOTYPE;
                if (other._state != State.Listening || other._dead || (other._shutdown & RcvShutdown) != 0) return -(long)Errno.ECONNREFUSED;
                if (_state == State.Connected) return -(long)Errno.EISCONN;
                if (other._pending.Count <= other._backlog)
                {
                    var server = new UnixSocket(Type, 0)
                    {
                        _state = State.Connected, _peer = this, _peerCred = Ucred.Of(t), _embryo = true,
                        Address = other.Address, PassCred = other.PassCred, SndBuf = other.SndBuf, RcvBuf = other.RcvBuf,
                    };
                    _peer = server;
                    _peerCred = other._peerCred;
                    _state = State.Connected;
                    other._pending.Enqueue(server);
                    other.Queue.Notify();
                    Queue.Notify();
                    return 0;
                }
                if (NonBlocking) return -(long)Errno.EAGAIN;
            }
            // The listener's queue is full: wait for an accept or a larger backlog.
            r = Wait(t, () => { lock (Gate) return other._dead || other._state != State.Listening || other._pending.Count <= other._backlog; },
                deadline, other.Queue);
            if (r < 0) return r;
        }
    }

    private long ConnectDatagram(Task t, ReadOnlySpan<byte> addr)
    {
        if (addr.Length >= 2 && BitConverter.ToUInt16(addr) == SocketDomain.AF_UNSPEC)
        {
            lock (Gate) { _peer = null; _peerCred = Ucred.None; }
            return 0;
        }
        long r = UnixAddress.Parse(addr, out var a);
        if (r < 0) return r;
        if (PassCred) lock (Gate) AutoBindLocked();
        r = UnixNames.Find(t, a!, Type, out var other);
        if (r < 0) return r;
        lock (Gate)
        {
            if (other!.Type != Type) return -(long)Errno.EPROTOTYPE;
            if (other._dead) return -(long)Errno.ECONNREFUSED;
            _peer = other;
            _peerCred = other._peerCred;
        }
        Queue.Notify();
        return 0;
    }

    public override long Accept(Task t, out Socket? accepted)
    {
        accepted = null;
        if (!ConnectionOriented) return -(long)Errno.EOPNOTSUPP;
        long deadline = RecvDeadline;
        while (true)
        {
            lock (Gate)
            {
                if (_state != State.Listening) return -(long)Errno.EINVAL;
                if (_pending.Count > 0)
                {
                    var s = _pending.Dequeue();
                    s._embryo = false;
                    accepted = s;
                    Queue.Notify(); // room in the backlog for a waiting connect
                    return 0;
                }
                if (NonBlocking) return -(long)Errno.EAGAIN;
            }
            long r = Wait(t, () => { lock (Gate) return _pending.Count > 0 || _state != State.Listening; }, deadline, Queue);
            if (r < 0) return r;
        }
    }

    public override long Shutdown(Task t, int how)
    {
        if (how < ShutdownHow.SHUT_RD || how > ShutdownHow.SHUT_RDWR) return -(long)Errno.EINVAL;
        int mode = how + 1; // SHUT_RD → RCV_SHUTDOWN, SHUT_WR → SEND_SHUTDOWN, SHUT_RDWR → both
        lock (Gate)
        {
            _shutdown |= mode;
            Queue.Notify();
            if (_peer is { } other && ConnectionOriented)
            {
                int peerMode = ((mode & RcvShutdown) != 0 ? SendShutdown : 0) | ((mode & SendShutdown) != 0 ? RcvShutdown : 0);
                other._shutdown |= peerMode;
                other.Queue.Notify();
            }
        }
        return 0;
    }

    // ---- readiness -----------------------------------------------------------------------

    public override short Readiness(short events)
    {
        const short In = Poll.POLLIN | Poll.POLLRDNORM, Out = Poll.POLLOUT | Poll.POLLWRNORM | Poll.POLLWRBAND;
        short mask = 0;
        lock (Gate)
        {
            if (_error != 0) mask |= Poll.POLLERR;
            if (_shutdown == ShutdownMask) mask |= Poll.POLLHUP;
            if ((_shutdown & RcvShutdown) != 0) mask |= Poll.POLLRDHUP | In;
            if (_recv.Count > 0 || (_state == State.Listening && _pending.Count > 0)) mask |= In;
            if (ConnectionOriented && _state == State.Unconnected) mask |= Poll.POLLHUP;
            bool writable = _state != State.Listening && _inflight * 4 <= SndBuf;
            // A datagram sender waits for a full receiver that is not talking back to it.
            if (writable && !ConnectionOriented && _peer is { } other && other._peer != this && other._recv.Count > MaxDgramQlen) writable = false;
            if (writable) mask |= Out;
        }
        return (short)(mask & (events | Poll.POLLHUP | Poll.POLLERR));
    }

    public override long InQueue()
    {
        lock (Gate)
        {
            if (_state == State.Listening) return -(long)Errno.EINVAL;
            if (Type == SockType.SOCK_DGRAM) return _recv.First?.Value.Data.Length ?? 0;
            return _recvBytes;
        }
    }

    public override long OutQueue() { lock (Gate) return _inflight; }

    // ---- the end -------------------------------------------------------------------------

    protected override void Release()
    {
        var drop = new List<ControlMessages>();
        List<UnixSocket>? embryos = null;
        lock (Gate)
        {
            _dead = true;
            _shutdown = ShutdownMask;
            UnixNames.Remove(this);
            if (_peer is { } other)
            {
                if (ConnectionOriented)
                {
                    other._shutdown = ShutdownMask;
                    if (_recv.Count > 0 || _embryo) other._error = (int)Errno.ECONNRESET;
                }
                other.Queue.Notify();
                _peer = null;
            }
            foreach (var m in _recv)
            {
                m.Sender.Uncharge(m.Data.Length);
                if (m.Control != null) drop.Add(m.Control);
            }
            _recv.Clear();
            _recvBytes = 0;
            if (_pending.Count > 0) { embryos = new List<UnixSocket>(_pending); _pending.Clear(); }
            Queue.Notify();
        }
        // Outside the lock's logic but still safe: Gate is re-entrant for the sockets these release.
        foreach (var c in drop) c.Release();
        if (embryos != null) foreach (var e in embryos) e.DecRef();
    }

    /// <summary>A message this socket sent was read or dropped. Caller holds Gate.</summary>
    private void Uncharge(int bytes)
    {
        _inflight -= bytes;
        Queue.Notify();
    }
}
