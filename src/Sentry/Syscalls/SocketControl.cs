using System.Buffers.Binary;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Net;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Syscalls;

/// <summary>Ancillary data (cmsg(3)): decoding what sendmsg passes, encoding what recvmsg returns.</summary>
internal static partial class SocketMsgCalls
{
    /// <summary>net.core.optmem_max: the largest control buffer sendmsg accepts.</summary>
    private const int OptMemMax = 131072;

    /// <summary>__scm_send: SOL_SOCKET messages are SCM_RIGHTS or SCM_CREDENTIALS; other levels are skipped.</summary>
    private static long ParseControl(Task t, Socket s, ulong addr, int len, out ControlMessages? control)
    {
        control = null;
        if (len < SocketAbi.CmsghdrSize) return 0; // CMSG_FIRSTHDR is NULL: nothing to look at
        if (len > OptMemMax) return -(long)Errno.ENOBUFS;
        var buf = new byte[len];
        if (t.MM.CopyIn(addr, buf) < 0) return Err.EFAULT;
        var c = new ControlMessages();
        int off = 0;
        while (off + SocketAbi.CmsghdrSize <= len)
        {
            ulong cmsgLen = BinaryPrimitives.ReadUInt64LittleEndian(buf.AsSpan(off));
            int level = BinaryPrimitives.ReadInt32LittleEndian(buf.AsSpan(off + 8));
            int type = BinaryPrimitives.ReadInt32LittleEndian(buf.AsSpan(off + 12));
            if (cmsgLen < SocketAbi.CmsghdrSize || cmsgLen > (ulong)(len - off)) { c.Release(); return Err.EINVAL; }
            var data = buf.AsSpan(off + SocketAbi.CmsghdrSize, (int)cmsgLen - SocketAbi.CmsghdrSize);
            if (level == SocketLevel.SOL_SOCKET)
            {
                long r = type switch
                {
                    Scm.SCM_RIGHTS => s.Family == SocketDomain.AF_UNIX ? TakeRights(t, data, c) : Err.EINVAL,
                    Scm.SCM_CREDENTIALS => TakeCreds(t, data, c),
                    _ => Err.EINVAL,
                };
                if (r < 0) { c.Release(); return r; }
            }
            else if (s is Net.Host.HostSocket)
            {
                // IP_PKTINFO, IP_TTL, UDP_SEGMENT...: the host socket reads them itself.
                int at = c.Raw?.Length ?? 0, size = SocketAbi.CmsgAlign((int)cmsgLen);
                var raw = c.Raw ?? Array.Empty<byte>();
                Array.Resize(ref raw, at + size);
                buf.AsSpan(off, Math.Min(size, len - off)).CopyTo(raw.AsSpan(at));
                c.Raw = raw;
            }
            off += SocketAbi.CmsgAlign((int)cmsgLen);
        }
        control = c.IsEmpty ? null : c;
        return 0;
    }

    /// <summary>scm_fp_copy: each fd a reference; at most SCM_MAX_FD in all.</summary>
    private static long TakeRights(Task t, ReadOnlySpan<byte> data, ControlMessages c)
    {
        int num = data.Length / 4;
        if (num <= 0) return 0;
        if (num + (c.Rights?.Count ?? 0) > Scm.MaxFds) return Err.EINVAL;
        c.Rights ??= new List<FileDescription>(num);
        for (int i = 0; i < num; i++)
        {
            var f = t.Fds.Get(BinaryPrimitives.ReadInt32LittleEndian(data.Slice(4 * i)));
            if (f == null) return Err.EBADF;
            f.IncRef();
            c.Rights.Add(f);
        }
        return 0;
    }

    /// <summary>scm_check_creds: one's own pid, and ids one could switch to, unless privileged.</summary>
    private static long TakeCreds(Task t, ReadOnlySpan<byte> data, ControlMessages c)
    {
        if (data.Length != SocketAbi.UcredSize) return Err.EINVAL;
        int pid = BinaryPrimitives.ReadInt32LittleEndian(data);
        uint uid = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(4)), gid = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(8));
        var cr = t.Creds;
        bool pidOk = pid == t.Tgid || cr.Has(Cap.SYS_ADMIN);
        bool uidOk = uid == cr.Uid || uid == cr.Euid || uid == cr.Suid || cr.Has(Cap.SETUID);
        bool gidOk = gid == cr.Gid || gid == cr.Egid || gid == cr.Sgid || cr.Has(Cap.SETGID);
        if (!pidOk || !uidOk || !gidOk) return Err.EPERM;
        c.Creds = new Ucred(pid, uid, gid);
        return 0;
    }

    /// <summary>
    /// scm_recv: SCM_CREDENTIALS (with SO_PASSCRED) then SCM_RIGHTS into the control buffer;
    /// what does not fit is cut (MSG_CTRUNC) and descriptors that do not fit are closed.
    /// The bytes of control buffer used, or -EFAULT.
    /// </summary>
    private static long WriteControl(Task t, Socket s, ControlMessages? c, ulong addr, long len, bool cloexec, ref int msgFlags)
    {
        if (c == null) return 0;
        try
        {
            if (addr == 0 || len == 0)
            {
                if (c.Creds != null || c.Rights != null || c.Other != null || c.Raw != null) msgFlags |= MsgFlags.MSG_CTRUNC;
                return 0;
            }
            if (c.Raw is { } raw) return WriteRawControl(t, raw, addr, len, ref msgFlags);
            long used = 0;
            if (c.Creds is { } cr)
            {
                Span<byte> u = stackalloc byte[SocketAbi.UcredSize];
                cr.WriteTo(u);
                long w = PutCmsg(t, addr, len, ref used, Scm.SCM_CREDENTIALS, u, ref msgFlags);
                if (w < 0) return w;
            }
            if (c.Other is { } other)
                foreach (var (level, type, data) in other)
                {
                    long w = PutCmsg(t, addr, len, ref used, type, data, ref msgFlags, level);
                    if (w < 0) return w;
                }
            if (c.Rights is { } rights)
            {
                long room = len - used;
                int fdmax = room > SocketAbi.CmsghdrSize ? (int)Math.Min((room - SocketAbi.CmsghdrSize) / 4, rights.Count) : 0;
                Span<int> fds = stackalloc int[Math.Max(fdmax, 1)];
                int i = 0;
                for (; i < fdmax; i++)
                {
                    var f = rights[i];
                    rights[i] = null!;
                    int fd = t.Fds.Install(f, cloexec);
                    if (fd < 0) break;
                    fds[i] = fd;
                }
                if (i > 0)
                {
                    int cmlen = SocketAbi.CmsgLen(i * 4);
                    Span<byte> hdr = stackalloc byte[SocketAbi.CmsghdrSize];
                    BinaryPrimitives.WriteUInt64LittleEndian(hdr, (ulong)cmlen);
                    BinaryPrimitives.WriteInt32LittleEndian(hdr.Slice(8), SocketLevel.SOL_SOCKET);
                    BinaryPrimitives.WriteInt32LittleEndian(hdr.Slice(12), Scm.SCM_RIGHTS);
                    ulong at = addr + (ulong)used;
                    if (t.MM.CopyOut(at, hdr) < 0 || t.MM.CopyOut(at + SocketAbi.CmsghdrSize, System.Runtime.InteropServices.MemoryMarshal.AsBytes(fds.Slice(0, i))) < 0)
                        return Err.EFAULT;
                    used += Math.Min(SocketAbi.CmsgSpace(i * 4), room);
                }
                if (i < rights.Count) msgFlags |= MsgFlags.MSG_CTRUNC;
                // Installed ones belong to the fd table now; the rest are dropped in finally.
                rights.RemoveRange(0, i);
            }
            return used;
        }
        finally
        {
            if (c.Rights != null) c.Rights.RemoveAll(f => f == null);
            c.Release();
        }
    }

    /// <summary>
    /// A host socket's control messages, already in the cmsg layout: as many whole messages as fit,
    /// MSG_CTRUNC for the rest.
    /// </summary>
    private static long WriteRawControl(Task t, byte[] raw, ulong addr, long len, ref int msgFlags)
    {
        int off = 0;
        while (off + SocketAbi.CmsghdrSize <= raw.Length)
        {
            int cmlen = (int)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(raw.AsSpan(off)), (ulong)(raw.Length - off));
            int space = Math.Min(SocketAbi.CmsgAlign(cmlen), raw.Length - off);
            if (cmlen < SocketAbi.CmsghdrSize || off + cmlen > len) { msgFlags |= MsgFlags.MSG_CTRUNC; break; }
            off += Math.Min(space, (int)Math.Min(len - off, int.MaxValue));
        }
        if (off > 0 && t.MM.CopyOut(addr, raw.AsSpan(0, off)) < 0) return Err.EFAULT;
        return off;
    }

    /// <summary>put_cmsg: a header and data, cut to the room left (MSG_CTRUNC).</summary>
    private static long PutCmsg(Task t, ulong addr, long len, ref long used, int type, ReadOnlySpan<byte> data, ref int msgFlags,
        int level = SocketLevel.SOL_SOCKET)
    {
        long room = len - used;
        if (room < SocketAbi.CmsghdrSize) { msgFlags |= MsgFlags.MSG_CTRUNC; return 0; }
        long cmlen = SocketAbi.CmsgLen(data.Length);
        if (room < cmlen) { msgFlags |= MsgFlags.MSG_CTRUNC; cmlen = room; }
        Span<byte> b = stackalloc byte[SocketAbi.CmsghdrSize + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(b, (ulong)cmlen);
        BinaryPrimitives.WriteInt32LittleEndian(b.Slice(8), level);
        BinaryPrimitives.WriteInt32LittleEndian(b.Slice(12), type);
        data.CopyTo(b.Slice(SocketAbi.CmsghdrSize));
        if (t.MM.CopyOut(addr + (ulong)used, b.Slice(0, (int)cmlen)) < 0) return Err.EFAULT;
        used += Math.Min(SocketAbi.CmsgSpace(data.Length), room);
        return 0;
    }
}
