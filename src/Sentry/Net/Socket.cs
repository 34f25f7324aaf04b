using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Net;

/// <summary>What a receive produced besides the data: the sender's address, flags and ancillary data.</summary>
public sealed class RecvResult
{
    /// <summary>The source address in sockaddr form, or null when there is none (msg_namelen 0).</summary>
    public byte[]? From;
    /// <summary>MSG_TRUNC, MSG_CTRUNC, MSG_EOR as recvmsg reports them in msg_flags.</summary>
    public int MsgFlags;
    public ControlMessages? Control;
}

/// <summary>
/// A socket file (socket(7)): the operations the socket syscalls dispatch to, one subclass per
/// address family (AF_UNIX here; AF_INET/AF_INET6 from the netstack). The SOL_SOCKET options
/// every family shares live here.
/// </summary>
public abstract partial class Socket : FileDescription
{
    private static long _nextIno = 1;

    protected Socket(int family, int type, int protocol, int flags)
    {
        Family = family; Type = type; Protocol = protocol;
        Flags = OpenFlags.O_RDWR | (flags & OpenFlags.O_NONBLOCK);
    }

    public int Family { get; }
    public int Type { get; }
    public int Protocol { get; }
    public ulong Ino { get; } = (ulong)Interlocked.Increment(ref _nextIno);
    public WaitQueue Queue { get; } = new();
    public override WaitQueue? ReadinessQueue => Queue;

    /// <summary>bind(2): the address as the application passed it (length checked by the caller against 128).</summary>
    public abstract long Bind(Task t, ReadOnlySpan<byte> addr);
    public abstract long Listen(Task t, int backlog);
    /// <summary>accept(2): blocks unless the socket is non-blocking; the new socket carries one reference.</summary>
    public abstract long Accept(Task t, out Socket? accepted);
    public abstract long Connect(Task t, ReadOnlySpan<byte> addr);
    /// <summary>Sends data; <paramref name="addr"/> is empty when the caller gave none. Bytes sent or -errno.</summary>
    public abstract long SendMsg(Task t, in MsgBuffers data, ReadOnlySpan<byte> addr, ControlMessages? control, int flags);
    /// <summary>Receives into data; fills <paramref name="result"/>. Bytes (or the full length with MSG_TRUNC) or -errno.</summary>
    public abstract long RecvMsg(Task t, in MsgBuffers data, int flags, RecvResult result);
    public abstract long Shutdown(Task t, int how);
    /// <summary>getsockname(2): writes the address into addr (128 bytes) and returns its length.</summary>
    public abstract int GetName(Span<byte> addr);
    /// <summary>getpeername(2): the length, or -ENOTCONN.</summary>
    public abstract int GetPeerName(Span<byte> addr);

    /// <summary>Received but not yet read bytes (SIOCINQ), or -errno.</summary>
    public abstract long InQueue();
    /// <summary>Sent but not yet consumed bytes (SIOCOUTQ).</summary>
    public abstract long OutQueue();

    public override long Read(Span<byte> dst, long offset)
    {
        unsafe
        {
            var res = new RecvResult();
            long r;
            fixed (byte* p = dst)
                r = RecvMsg(Task.Current!, MsgBuffers.Host(p, dst.Length), 0, res);
            res.Control?.Release();
            return r;
        }
    }

    public override long Write(ReadOnlySpan<byte> src, long offset)
    {
        unsafe
        {
            fixed (byte* p = src)
                return SendMsg(Task.Current!, MsgBuffers.Host(p, src.Length), ReadOnlySpan<byte>.Empty, null, 0);
        }
    }

    public override int Stat(out Stat st)
    {
        var t = Task.Current;
        st = new Stat { Dev = FileMode.MakeDev(0, 8), Ino = Ino, Nlink = 1, Mode = FileMode.S_IFSOCK | 0x1ff, Blksize = 4096,
            Uid = t?.Creds.Euid ?? 0, Gid = t?.Creds.Egid ?? 0 };
        return 0;
    }

    public override long Available() => InQueue();

    private const uint SIOCOUTQ = 0x5411, SIOCINQ = Linux.Abi.Ioctl.FIONREAD;

    public override long Ioctl(Task task, uint cmd, ulong arg)
    {
        long v;
        switch (cmd)
        {
            case SIOCINQ: v = InQueue(); break;
            case SIOCOUTQ: v = OutQueue(); break;
            // Socket-level commands (type 0x89) fall through to the network devices (sock_ioctl → dev_ioctl).
            default:
                if ((cmd >> 8 & 0xff) != 0x89) return -(long)Errno.ENOTTY;
                return task.Kernel.Options.Network == Inet.NetworkMode.Host
                    ? Host.HostInterfaceIoctl.Handle(task, cmd, arg)
                    : Inet.InterfaceIoctl.Handle(task, task.Kernel.Inet.Stack, cmd, arg);
        }
        return v < 0 ? v : task.MM.Write(arg, (int)v);
    }

    /// <summary>Blocks the task until ready holds; 0, -EAGAIN at the SO_RCVTIMEO/SO_SNDTIMEO deadline, or the signal errno.</summary>
    protected static long Wait(Task t, Func<bool> ready, long deadline, WaitQueue q, WaitQueue? q2 = null)
    {
        var r = t.BlockUntil(ready, deadline, q, queue2: q2);
        return r switch
        {
            BlockResult.Ready => 0,
            BlockResult.TimedOut => -(long)Errno.EAGAIN,
            // sock_intr_errno(): restartable only without a timeout.
            _ => deadline < 0 ? -(long)Errno.ERESTARTSYS : -(long)Errno.EINTR,
        };
    }

    protected long RecvDeadline => RcvTimeoNs == 0 ? -1 : Task.MonotonicNow() + RcvTimeoNs;
    protected long SendDeadline => SndTimeoNs == 0 ? -1 : Task.MonotonicNow() + SndTimeoNs;

    /// <summary>EPIPE, with SIGPIPE to the calling thread unless MSG_NOSIGNAL.</summary>
    protected static long BrokenPipe(Task t, int flags)
    {
        if ((flags & MsgFlags.MSG_NOSIGNAL) == 0)
            t.Kernel.SendToTask(t, new SignalInfo(Signals.SIGPIPE, SignalInfo.SI_USER) { Pid = t.Tgid, Uid = t.Creds.Uid });
        return -(long)Errno.EPIPE;
    }
}
