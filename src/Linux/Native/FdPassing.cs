using System.Runtime.InteropServices;

namespace Sandbox.Linux.Native;

/// <summary>
/// Passing file descriptors over a unix stream socket (SCM_RIGHTS, unix(7)) with sendmsg and
/// recvmsg as raw system calls. Results are counts or -errno, as everywhere in Sys.
/// </summary>
public static unsafe class FdPassing
{
    private const int SYS_sendmsg = 46, SYS_recvmsg = 47, SOL_SOCKET = 1, SCM_RIGHTS = 1;
    private const int MSG_NOSIGNAL = 0x4000, MSG_CTRUNC = 0x8, MSG_CMSG_CLOEXEC = 0x40000000;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec { public void* Base; public nuint Len; }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name; public int NameLen; public IoVec* Iov; public nuint IovLen;
        public void* Control; public nuint ControlLen; public int Flags;
    }

    /// <summary>Most descriptors one message carries here (SCM_MAX_FD is 253).</summary>
    public const int MaxFds = 16;

    /// <summary>Control space the single-descriptor receive offers: room for 12, the rest of a larger batch is truncated (and closed).</summary>
    private const int SingleReceiveSpace = 64;

    /// <summary>Sends <paramref name="data"/> (or its first part) with <paramref name="fd"/> attached; returns bytes sent or -errno.</summary>
    public static long Send(int socket, ReadOnlySpan<byte> data, int fd) => Send(socket, data, new ReadOnlySpan<int>(in fd));

    /// <summary>Sends <paramref name="data"/> (or its first part) with every fd of <paramref name="fds"/> attached; bytes sent or -errno.</summary>
    public static long Send(int socket, ReadOnlySpan<byte> data, ReadOnlySpan<int> fds)
    {
        if (fds.Length > MaxFds) return -22; // EINVAL
        int len = 16 + 4 * fds.Length, space = (len + 7) & ~7;
        byte* control = stackalloc byte[16 + 4 * MaxFds + 8];
        new Span<byte>(control, space).Clear();
        *(ulong*)control = (ulong)len;
        *(int*)(control + 8) = SOL_SOCKET;
        *(int*)(control + 12) = SCM_RIGHTS;
        for (int i = 0; i < fds.Length; i++) *(int*)(control + 16 + 4 * i) = fds[i];
        fixed (byte* p = data)
        {
            var iov = new IoVec { Base = p, Len = (nuint)data.Length };
            var msg = new MsgHdr { Iov = &iov, IovLen = 1, Control = fds.Length > 0 ? control : null, ControlLen = fds.Length > 0 ? (nuint)space : 0 };
            return Sys.SyscallRetry(SYS_sendmsg, socket, (long)&msg, MSG_NOSIGNAL);
        }
    }

    /// <summary>
    /// Receives into <paramref name="buf"/>; a passed descriptor (close-on-exec) lands in
    /// <paramref name="fd"/> (-1 when none; extra or truncated ones are closed). Returns bytes or -errno.
    /// </summary>
    public static long Receive(int socket, Span<byte> buf, out int fd)
    {
        fd = -1;
        Span<int> got = stackalloc int[SingleReceiveSpace / 4];
        long n = Receive(socket, buf, SingleReceiveSpace, got, out int count);
        if (n < 0) return n;
        if (count > 0) fd = got[0];
        for (int i = 1; i < count; i++) Sys.Close(got[i]);
        return n;
    }

    /// <summary>
    /// Receives into <paramref name="buf"/>; passed descriptors (close-on-exec) are added to
    /// <paramref name="fds"/> (all are closed if the control data was truncated). Bytes or -errno.
    /// </summary>
    public static long Receive(int socket, Span<byte> buf, List<int> fds)
    {
        const int Space = 16 + 4 * MaxFds + 8;
        Span<int> got = stackalloc int[Space / 4];
        long n = Receive(socket, buf, Space, got, out int count);
        if (n < 0) return n;
        for (int i = 0; i < count; i++) fds.Add(got[i]);
        return n;
    }

    /// <summary>One recvmsg with <paramref name="space"/> bytes of control data; the SCM_RIGHTS
    /// descriptors go to <paramref name="fds"/> (room for all that space can hold), none when
    /// the control data was truncated (those are closed).</summary>
    private static long Receive(int socket, Span<byte> buf, int space, Span<int> fds, out int count)
    {
        count = 0;
        byte* control = stackalloc byte[space];
        long n;
        MsgHdr msg;
        fixed (byte* p = buf)
        {
            var iov = new IoVec { Base = p, Len = (nuint)buf.Length };
            msg = new MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = (nuint)space };
            n = Sys.SyscallRetry(SYS_recvmsg, socket, (long)&msg, MSG_CMSG_CLOEXEC);
        }
        if (n < 0) return n;
        for (nuint off = 0; off + 16 <= msg.ControlLen;)
        {
            ulong len = *(ulong*)(control + off);
            if (len < 16 || off + (nuint)len > msg.ControlLen) break;
            if (*(int*)(control + off + 8) == SOL_SOCKET && *(int*)(control + off + 12) == SCM_RIGHTS)
                for (nuint i = 16; i + 4 <= (nuint)len && count < fds.Length; i += 4) fds[count++] = *(int*)(control + off + i);
            off += (nuint)((len + 7) & ~7UL);
        }
        if ((msg.Flags & MSG_CTRUNC) != 0)
        {
            for (int i = 0; i < count; i++) Sys.Close(fds[i]);
            count = 0;
        }
        return n;
    }
}
