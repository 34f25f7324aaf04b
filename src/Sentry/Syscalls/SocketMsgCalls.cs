using System.Buffers.Binary;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Net;

namespace Sandbox.Sentry.Syscalls;

/// <summary>sendto, recvfrom, sendmsg, recvmsg, sendmmsg, recvmmsg; and read/write/readv/writev on sockets.</summary>
internal static unsafe partial class SocketMsgCalls
{
    private const long MaxRw = 0x7ffff000;
    /// <summary>MSG_CMSG_COMPAT: the kernel's own marker, never the application's.</summary>
    private const int MsgCmsgCompat = unchecked((int)0x80000000);

    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Sendto] = &Sendto;
        t[Sysno.Recvfrom] = &Recvfrom;
        t[Sysno.Sendmsg] = &Sendmsg;
        t[Sysno.Recvmsg] = &Recvmsg;
        t[Sysno.Sendmmsg] = &Sendmmsg;
        t[Sysno.Recvmmsg] = &Recvmmsg;
    }

    /// <summary>read(2)/write(2) on a socket: recv/send with no flags (sock_read_iter, sock_write_iter).</summary>
    internal static long ReadWrite(Task t, Socket s, ulong addr, ulong count, bool toApp)
    {
        var data = MsgBuffers.App(t, addr, (long)Math.Min(count, (ulong)MaxRw));
        return toApp ? Receive(t, s, data) : s.SendMsg(t, data, ReadOnlySpan<byte>.Empty, null, 0);
    }

    /// <summary>readv(2)/writev(2) on a socket.</summary>
    internal static long ReadWriteVector(Task t, Socket s, ulong iovAddr, long iovcnt, bool toApp)
    {
        long r = ReadIovecs(t, iovAddr, iovcnt, out var data, einval: true);
        if (r < 0) return r;
        return toApp ? Receive(t, s, data) : s.SendMsg(t, data, ReadOnlySpan<byte>.Empty, null, 0);
    }

    /// <summary>A receive without a control buffer: passed descriptors are dropped (closed).</summary>
    private static long Receive(Task t, Socket s, in MsgBuffers data)
    {
        var res = new RecvResult();
        long r = s.RecvMsg(t, data, 0, res);
        res.Control?.Release();
        return r;
    }

    /// <summary>Copies in and checks an iovec array (import_iovec): lengths non-negative, total capped at MAX_RW_COUNT.</summary>
    private static long ReadIovecs(Task t, ulong iovAddr, long iovcnt, out MsgBuffers data, bool einval)
    {
        data = default;
        if (iovcnt < 0 || iovcnt > SocketAbi.IovMax) return einval ? Err.EINVAL : -(long)Errno.EMSGSIZE;
        var iov = new ulong[iovcnt * 2];
        if (iovcnt > 0 && t.MM.CopyIn(iovAddr, System.Runtime.InteropServices.MemoryMarshal.AsBytes(iov.AsSpan())) < 0) return Err.EFAULT;
        long total = 0;
        for (int i = 0; i < iovcnt; i++)
        {
            if ((long)iov[2 * i + 1] < 0) return Err.EINVAL;
            long len = Math.Min((long)iov[2 * i + 1], MaxRw - total);
            iov[2 * i + 1] = (ulong)len;
            if (!FileIo.AccessOk(iov[2 * i], (ulong)len)) return Err.EFAULT;
            total += len;
        }
        data = MsgBuffers.AppVector(t, iov, total);
        return 0;
    }

    private static long Sendto(Task t)
    {
        ulong len = Math.Min(t.A2, (ulong)MaxRw);
        if (!FileIo.AccessOk(t.A1, len)) return Err.EFAULT;
        long r = SocketCalls.Lookup(t, t.A0, out var s);
        if (r < 0) return r;
        Span<byte> addr = stackalloc byte[SocketAbi.SockaddrStorageSize];
        long n = 0;
        if (t.A4 != 0)
        {
            n = SocketCalls.ReadAddress(t, t.A4, (ulong)(int)t.A5, addr);
            if (n < 0) return n;
        }
        return s!.SendMsg(t, MsgBuffers.App(t, t.A1, (long)len), addr.Slice(0, (int)n), null, (int)t.A3 & ~MsgCmsgCompat);
    }

    private static long Recvfrom(Task t)
    {
        ulong len = Math.Min(t.A2, (ulong)MaxRw);
        if (!FileIo.AccessOk(t.A1, len)) return Err.EFAULT;
        long r = SocketCalls.Lookup(t, t.A0, out var s);
        if (r < 0) return r;
        var res = new RecvResult();
        long n = s!.RecvMsg(t, MsgBuffers.App(t, t.A1, (long)len), (int)t.A3 & ~MsgCmsgCompat, res);
        res.Control?.Release();
        if (n >= 0 && t.A4 != 0)
        {
            long w = SocketCalls.WriteAddress(t, res.From ?? ReadOnlySpan<byte>.Empty, t.A4, t.A5);
            if (w < 0) return w;
        }
        return n;
    }

    /// <summary>struct msghdr as the application laid it out.</summary>
    private struct MsgHdr
    {
        public ulong Name; public int NameLen; public ulong Iov; public long IovLen; public ulong Control; public ulong ControlLen; public int Flags;

        public static long Read(Task t, ulong addr, out MsgHdr h)
        {
            h = default;
            Span<byte> b = stackalloc byte[SocketAbi.MsghdrSize];
            if (t.MM.CopyIn(addr, b) < 0) return Err.EFAULT;
            h.Name = BinaryPrimitives.ReadUInt64LittleEndian(b);
            h.NameLen = BinaryPrimitives.ReadInt32LittleEndian(b.Slice(8));
            h.Iov = BinaryPrimitives.ReadUInt64LittleEndian(b.Slice(16));
            h.IovLen = BinaryPrimitives.ReadInt64LittleEndian(b.Slice(24));
            h.Control = BinaryPrimitives.ReadUInt64LittleEndian(b.Slice(32));
            h.ControlLen = BinaryPrimitives.ReadUInt64LittleEndian(b.Slice(40));
            h.Flags = BinaryPrimitives.ReadInt32LittleEndian(b.Slice(48));
            return 0;
        }
    }

    private static long Sendmsg(Task t)
    {
        long r = SocketCalls.Lookup(t, t.A0, out var s);
        if (r < 0) return r;
        return SendOne(t, s!, t.A1, (int)t.A2 & ~MsgCmsgCompat);
    }

    /// <summary>___sys_sendmsg: the header, the name, the iovecs, the control messages, then the send.</summary>
    private static long SendOne(Task t, Socket s, ulong msgAddr, int flags)
    {
        long r = MsgHdr.Read(t, msgAddr, out var h);
        if (r < 0) return r;
        Span<byte> addr = stackalloc byte[SocketAbi.SockaddrStorageSize];
        long n = 0;
        if (h.Name != 0)
        {
            // __copy_msghdr: a negative length is invalid, a long one is cut to a sockaddr_storage.
            if (h.NameLen < 0) return Err.EINVAL;
            n = SocketCalls.ReadAddress(t, h.Name, (ulong)Math.Min(h.NameLen, SocketAbi.SockaddrStorageSize), addr);
            if (n < 0) return n;
        }
        r = ReadIovecs(t, h.Iov, h.IovLen, out var data, einval: false);
        if (r < 0) return r;
        if (h.ControlLen > int.MaxValue) return -(long)Errno.ENOBUFS;
        ControlMessages? control = null;
        if (h.ControlLen > 0)
        {
            r = ParseControl(t, s, h.Control, (int)h.ControlLen, out control);
            if (r < 0) return r;
        }
        try
        {
            return s.SendMsg(t, data, addr.Slice(0, (int)n), control, flags);
        }
        finally
        {
            control?.Release();
        }
    }

    private static long Recvmsg(Task t)
    {
        long r = SocketCalls.Lookup(t, t.A0, out var s);
        if (r < 0) return r;
        return RecvOne(t, s!, t.A1, (int)t.A2 & ~MsgCmsgCompat);
    }

    /// <summary>___sys_recvmsg: receive, then name, control messages, msg_flags and msg_controllen written back.</summary>
    private static long RecvOne(Task t, Socket s, ulong msgAddr, int flags)
    {
        long r = MsgHdr.Read(t, msgAddr, out var h);
        if (r < 0) return r;
        if (h.Name != 0 && h.NameLen < 0) return Err.EINVAL;
        r = ReadIovecs(t, h.Iov, h.IovLen, out var data, einval: false);
        if (r < 0) return r;
        var res = new RecvResult();
        long n = s.RecvMsg(t, data, flags, res);
        if (n < 0) { res.Control?.Release(); return n; }
        int msgFlags = res.MsgFlags | (flags & MsgFlags.MSG_CMSG_CLOEXEC);
        long used = WriteControl(t, s, res.Control, h.Control, (long)Math.Min(h.ControlLen, int.MaxValue), (flags & MsgFlags.MSG_CMSG_CLOEXEC) != 0, ref msgFlags);
        if (used < 0) return used;
        if (h.Name != 0)
        {
            long w = SocketCalls.WriteAddress(t, res.From ?? ReadOnlySpan<byte>.Empty, h.Name, msgAddr + 8);
            if (w < 0) return w;
        }
        if (t.MM.Write(msgAddr + 48, msgFlags) < 0) return Err.EFAULT;
        if (t.MM.Write(msgAddr + 40, (ulong)used) < 0) return Err.EFAULT;
        return n;
    }

    private static long Sendmmsg(Task t)
    {
        long r = SocketCalls.Lookup(t, t.A0, out var s);
        if (r < 0) return r;
        uint vlen = Math.Min((uint)t.A2, (uint)SocketAbi.IovMax);
        int flags = (int)t.A3 & ~MsgCmsgCompat;
        long sent = 0;
        for (uint i = 0; i < vlen; i++)
        {
            ulong m = t.A1 + i * (ulong)SocketAbi.MmsghdrSize;
            long n = SendOne(t, s!, m, flags);
            if (n < 0) return sent > 0 ? sent : n;
            if (t.MM.Write(m + SocketAbi.MsghdrSize, (uint)n) < 0) return sent > 0 ? sent : Err.EFAULT;
            sent++;
        }
        return sent;
    }

    private static long Recvmmsg(Task t)
    {
        long r = SocketCalls.Lookup(t, t.A0, out var s);
        if (r < 0) return r;
        int flags = (int)t.A3 & ~MsgCmsgCompat;
        long deadline = -1;
        if (t.A4 != 0)
        {
            long tr = PollCalls.ReadTimeout(t, t.A4, out deadline);
            if (tr < 0) return tr;
        }
        uint vlen = Math.Min((uint)t.A2, (uint)SocketAbi.IovMax);
        long got = 0;
        for (uint i = 0; i < vlen; i++)
        {
            ulong m = t.A1 + i * (ulong)SocketAbi.MmsghdrSize;
            long n = RecvOne(t, s!, m, flags);
            if (n < 0) return got > 0 ? got : n;
            if (t.MM.Write(m + SocketAbi.MsghdrSize, (uint)n) < 0) return got > 0 ? got : Err.EFAULT;
            got++;
            if ((flags & MsgFlags.MSG_WAITFORONE) != 0) flags |= MsgFlags.MSG_DONTWAIT;
            if (deadline >= 0 && Task.MonotonicNow() >= deadline) break;
        }
        if (t.A4 != 0)
        {
            var left = Timespec.FromNanoseconds(Math.Max(0, deadline - Task.MonotonicNow()));
            t.MM.Write(t.A4, left);
        }
        return got;
    }
}
