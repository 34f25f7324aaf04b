using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Linux.Native;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Net.Host;

public sealed unsafe partial class HostSocket
{
    /// <summary>Host iovecs per call: the application's buffers, split where its mappings are.</summary>
    private const int MaxRanges = 1024;
    /// <summary>Room for the ancillary data one host receive may return (timestamps, IP_PKTINFO, errors).</summary>
    private const int ControlRoom = 1024;
    private const int NameRoom = 128;

    private bool IsStream => Type == SockType.SOCK_STREAM;

    // struct msghdr (x86-64): name, namelen, iov, iovlen, control, controllen, flags.
    private struct MsgHdr
    {
        public byte* Name; public int NameLen; public int Pad0;
        public long* Iov; public long IovLen;
        public byte* Control; public long ControlLen;
        public int Flags; public int Pad1;
    }

    /// <summary>
    /// The data moves between the host socket and the application's memory in place (host
    /// iovecs into the memory file): no copy through the Sentry. A datagram whose buffers the
    /// Sentry cannot describe in <see cref="MaxRanges"/> pieces is copied whole instead.
    /// </summary>
    public override long SendMsg(Task t, in MsgBuffers data, ReadOnlySpan<byte> addr, ControlMessages? control, int flags)
    {
        long total = data.Length;
        byte[]? raw = control?.Raw;
        bool dontWait = NonBlocking || (flags & MsgFlags.MSG_DONTWAIT) != 0;
        // MSG_ZEROCOPY would let the host read the pages after the call, when they may be another mapping's.
        int hostFlags = (flags & ~(MsgFlags.MSG_CMSG_CLOEXEC | MsgFlags.MSG_ZEROCOPY)) | MsgFlags.MSG_DONTWAIT | MsgFlags.MSG_NOSIGNAL;
        long deadline = long.MinValue;
        long sent = 0;
        long* iov = stackalloc long[2 * MaxRanges];
        byte[]? whole = null;
        while (true)
        {
            int count = data.HostRanges(sent, total - sent, new Span<long>(iov, 2 * MaxRanges), write: false, out long covered);
            if (Family == SocketDomain.AF_NETLINK && whole == null)
            {
                // Looked at in a copy of the Sentry's own, so the application cannot change it after the check.
                if (total > 1 << 20) return -(long)Errno.EMSGSIZE;
                whole = new byte[total];
                int c = data.CopyIn(0, whole);
                if (c < 0) return c;
                if (Refuse(whole)) return total;
            }
            if (whole != null) count = 0;
            else if (covered < total - sent && !IsStream)
            {
                // A datagram goes out whole or not at all.
                if (whole == null)
                {
                    if (total > 16 << 20) return -(long)Errno.EMSGSIZE;
                    whole = new byte[total];
                    int c = data.CopyIn(0, whole);
                    if (c < 0) return c;
                }
                count = 0;
            }
            else if (count == 0 && total - sent > 0) return sent > 0 ? sent : -(long)Errno.EFAULT;
            long r;
            fixed (byte* a = addr)
            fixed (byte* cm = raw)
            fixed (byte* w = whole)
            {
                if (whole != null) { iov[0] = (long)w; iov[1] = whole.Length; count = 1; }
                var h = new MsgHdr { Name = addr.IsEmpty ? null : a, NameLen = addr.Length, Iov = iov, IovLen = count,
                    Control = cm, ControlLen = raw?.Length ?? 0 };
                r = Sys.Syscall(SYS_sendmsg, _fd, (long)&h, hostFlags);
            }
            if (r >= 0)
            {
                raw = null;
                sent += r;
                if (!IsStream || sent >= total || (dontWait && r < covered)) return sent;
                continue;
            }
            if (r == -(long)Errno.EAGAIN && !dontWait)
            {
                if (deadline == long.MinValue) deadline = SendDeadline;
                long wr = WaitFor(t, Poll.POLLOUT, deadline);
                if (wr < 0) return sent > 0 ? sent : wr;
                continue;
            }
            if (sent > 0) return sent;
            return r == -(long)Errno.EPIPE ? BrokenPipe(t, flags) : r;
        }
    }

    /// <summary>Answers to routing netlink requests that were not passed on, waiting to be read.</summary>
    private readonly Queue<byte[]> _refusals = new();

    private bool HasRefusals { get { lock (_refusals) return _refusals.Count > 0; } }

    /// <summary>
    /// A routing netlink request may read the host's configuration (RTM_GET*: the type's low two
    /// bits are 2) but never change it: the host's network is shared with everything else on it.
    /// A batch holding a change is not sent; the first change is answered with NLMSG_ERROR EPERM,
    /// which is what an unprivileged process gets from Linux (netlink_ack with the request).
    /// </summary>
    private bool Refuse(byte[] msgs)
    {
        const int NlmsgHdrLen = 16, RtmBase = 16, NLMSG_ERROR = 2;
        int off = 0;
        while (msgs.Length - off >= NlmsgHdrLen)
        {
            var m = msgs.AsSpan(off);
            uint len = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(m);
            ushort type = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(m.Slice(4));
            if (len < NlmsgHdrLen || len > msgs.Length - off) return false; // the host rejects it as malformed
            if (type >= RtmBase && (type & 3) != 2)
            {
                Span<byte> addr = stackalloc byte[NameRoom];
                int an = GetName(addr);
                uint portId = an >= 8 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(addr.Slice(4)) : 0;
                var err = new byte[NlmsgHdrLen + 4 + (int)len];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(err, (uint)err.Length);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(err.AsSpan(4), NLMSG_ERROR);
                m.Slice(8, 4).CopyTo(err.AsSpan(8)); // nlmsg_seq
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(err.AsSpan(12), portId);
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(err.AsSpan(16), -(int)Errno.EPERM);
                m.Slice(0, (int)len).CopyTo(err.AsSpan(20));
                lock (_refusals) _refusals.Enqueue(err);
                Queue.Notify();
                return true;
            }
            off += (int)((len + 3) & ~3u);
        }
        return false;
    }

    /// <summary>Delivers a queued refusal as one datagram; -1 when there is none.</summary>
    private long TakeRefusal(in MsgBuffers data, int flags, RecvResult result)
    {
        byte[] err;
        lock (_refusals)
        {
            if (_refusals.Count == 0) return -1;
            err = (flags & MsgFlags.MSG_PEEK) != 0 ? _refusals.Peek() : _refusals.Dequeue();
        }
        int n = (int)Math.Min(err.Length, data.Length);
        if (n > 0 && data.CopyOut(0, err.AsSpan(0, n)) < 0) return -(long)Errno.EFAULT;
        var from = new byte[12];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(from, (ushort)SocketDomain.AF_NETLINK);
        result.From = from; // the kernel, port 0
        if (n < err.Length) result.MsgFlags |= MsgFlags.MSG_TRUNC;
        return (flags & MsgFlags.MSG_TRUNC) != 0 ? err.Length : n;
    }

    public override long RecvMsg(Task t, in MsgBuffers data, int flags, RecvResult result)
    {
        byte* name = stackalloc byte[NameRoom];
        byte* control = stackalloc byte[ControlRoom];
        long* iov = stackalloc long[2 * MaxRanges];
        bool peek = (flags & MsgFlags.MSG_PEEK) != 0;
        bool waitAll = IsStream && !peek && (flags & MsgFlags.MSG_WAITALL) != 0;
        // The error queue never blocks (sock_recv_errqueue).
        bool dontWait = NonBlocking || (flags & (MsgFlags.MSG_DONTWAIT | MsgFlags.MSG_ERRQUEUE)) != 0;
        int hostFlags = (flags & ~(MsgFlags.MSG_WAITALL | MsgFlags.MSG_CMSG_CLOEXEC)) | MsgFlags.MSG_DONTWAIT;
        long deadline = long.MinValue;
        long got = 0;
        if (Family == SocketDomain.AF_NETLINK && TakeRefusal(data, flags, result) is var refused && refused != -1) return refused;
        while (true)
        {
            // Only memory the application can write is offered to the host: a bad buffer is EFAULT
            // before anything is taken from the socket, so a stream loses no data.
            int count = data.HostRanges(got, data.Length - got, new Span<long>(iov, 2 * MaxRanges), write: true, out long covered);
            if (count == 0 && data.Length - got > 0) return got > 0 ? got : -(long)Errno.EFAULT;
            var h = new MsgHdr { Name = name, NameLen = NameRoom, Iov = iov, IovLen = count, Control = control, ControlLen = ControlRoom };
            long r = Sys.Syscall(SYS_recvmsg, _fd, (long)&h, hostFlags);
            if (r >= 0)
            {
                if (got == 0)
                {
                    result.From = h.NameLen > 0 ? new ReadOnlySpan<byte>(name, Math.Min(h.NameLen, NameRoom)).ToArray() : null;
                    result.MsgFlags = h.Flags & (MsgFlags.MSG_TRUNC | MsgFlags.MSG_CTRUNC | MsgFlags.MSG_EOR | MsgFlags.MSG_OOB | MsgFlags.MSG_ERRQUEUE);
                    if (h.ControlLen > 0)
                        result.Control = new ControlMessages { Raw = new ReadOnlySpan<byte>(control, (int)h.ControlLen).ToArray() };
                }
                if (!IsStream) return r;
                got += r;
                if (r == 0 || !waitAll || got >= data.Length) return got;
                continue;
            }
            if (r == -(long)Errno.EAGAIN && !dontWait)
            {
                // A blocking zero-length read of a stream does not wait (as Linux answers it).
                if (IsStream && data.Length == 0) return 0;
                if (deadline == long.MinValue) deadline = RecvDeadline;
                long w = WaitFor(t, Poll.POLLIN, deadline);
                if (w < 0) return got > 0 ? got : w;
                continue;
            }
            return got > 0 ? got : r;
        }
    }
}
