using Sandbox.Linux.Abi;
using FileMode = Sandbox.Linux.Abi.FileMode;
using Sandbox.P9;
using E = Sandbox.Linux.Errno;

namespace Sandbox.Gofer.Server;

internal sealed partial class Handler
{
    private const long UTIME_NOW = (1L << 30) - 1, UTIME_OMIT = (1L << 30) - 2;

    private Message GetAttr(Tgetattr m)
    {
        var s = _fids.Get(m.Fid);
        if (s == null) return Err(E.EBADF);
        try
        {
            if (Host.Fstat(s.PathFd, out var st) is var r and < 0) return Err(r);
            return new Rgetattr
            {
                Valid = P9.P9.GetattrBasic, Qid = QidOf(st), Mode = st.Mode, Uid = st.Uid, Gid = st.Gid,
                Nlink = st.Nlink, Rdev = st.Rdev, Size = (ulong)st.Size, Blksize = (ulong)st.Blksize,
                Blocks = (ulong)st.Blocks, AtimeSec = (ulong)st.Atime.Sec, AtimeNsec = (ulong)st.Atime.Nsec,
                MtimeSec = (ulong)st.Mtime.Sec, MtimeNsec = (ulong)st.Mtime.Nsec,
                CtimeSec = (ulong)st.Ctime.Sec, CtimeNsec = (ulong)st.Ctime.Nsec,
            };
        }
        finally { s.Release(); }
    }

    private Message SetAttr(Tsetattr m)
    {
        var s = _fids.Get(m.Fid);
        if (s == null) return Err(E.EBADF);
        try
        {
            const uint Known = 0x1ff;
            if ((m.Valid & ~Known) != 0) return Err(E.EINVAL);
            if (m.Valid == 0) return new Rsetattr();
            if (tree.ReadOnly) return Err(E.EROFS);
            bool link = FileMode.IsLink(s.Mode);
            if ((m.Valid & P9.P9.SetattrSize) != 0)
            {
                if (FileMode.IsDir(s.Mode)) return Err(E.EISDIR);
                if (!FileMode.IsReg(s.Mode)) return Err(E.EINVAL);
                if (m.Size > long.MaxValue) return Err(E.EFBIG);
                int fd = s.OpenFd;
                bool own = fd < 0 || (s.OpenFlags & OpenFlags.O_ACCMODE) == OpenFlags.O_RDONLY;
                if (own) fd = Reopen(s, OpenFlags.O_WRONLY);
                if (fd < 0) return Err(fd);
                int r = Host.Ftruncate(fd, (long)m.Size);
                if (own) Host.Close(fd);
                if (r < 0) return Err(r);
            }
            if ((m.Valid & P9.P9.SetattrMode) != 0)
            {
                if (link) return Err(E.EOPNOTSUPP);
                if (tree.ProcSelfFd < 0) return Err(E.EOPNOTSUPP);
                int r = Host.FchmodAt(tree.ProcSelfFd, s.PathFd.ToString(), m.Mode & 0xfff);
                if (r < 0) return Err(r);
            }
            if ((m.Valid & (P9.P9.SetattrUid | P9.P9.SetattrGid)) != 0)
            {
                int uid = (m.Valid & P9.P9.SetattrUid) != 0 ? (int)m.Uid : -1;
                int gid = (m.Valid & P9.P9.SetattrGid) != 0 ? (int)m.Gid : -1;
                int r = Host.FchownAt(s.PathFd, "", uid, gid, EmptyNoFollow);
                if (r < 0) return Err(r);
            }
            if ((m.Valid & (P9.P9.SetattrAtime | P9.P9.SetattrMtime)) != 0)
            {
                if (m.AtimeNsec >= 1_000_000_000 || m.MtimeNsec >= 1_000_000_000 || m.AtimeSec > long.MaxValue || m.MtimeSec > long.MaxValue)
                    return Err(E.EINVAL);
                Timespec Pick(uint set, uint explicitBit, ulong sec, ulong nsec)
                    => (m.Valid & set) == 0 ? new Timespec(0, UTIME_OMIT)
                     : (m.Valid & explicitBit) != 0 ? new Timespec((long)sec, (long)nsec) : new Timespec(0, UTIME_NOW);
                var a = Pick(P9.P9.SetattrAtime, P9.P9.SetattrAtimeSet, m.AtimeSec, m.AtimeNsec);
                var t = Pick(P9.P9.SetattrMtime, P9.P9.SetattrMtimeSet, m.MtimeSec, m.MtimeNsec);
                int r = Host.UtimensAt(s.PathFd, "", a, t, EmptyNoFollow);
                if (r < 0) return Err(r);
            }
            return new Rsetattr();
        }
        finally { s.Release(); }
    }

    private Message StatFs(Tstatfs m)
    {
        var s = _fids.Get(m.Fid);
        if (s == null) return Err(E.EBADF);
        try
        {
            if (Host.Fstatfs(s.PathFd, out var f) is var r and < 0) return Err(r);
            return new Rstatfs((uint)f.Type, (uint)f.Bsize, (ulong)f.Blocks, (ulong)f.Bfree, (ulong)f.Bavail,
                (ulong)f.Files, (ulong)f.Ffree, f.Fsid, (uint)f.Namelen);
        }
        finally { s.Release(); }
    }
}
