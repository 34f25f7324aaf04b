using Sandbox.Linux.Abi;
using FileMode = Sandbox.Linux.Abi.FileMode;
using Sandbox.P9;
using E = Sandbox.Linux.Errno;

namespace Sandbox.Gofer.Server;

internal sealed partial class Handler
{
    /// <summary>Linux's XATTR_SIZE_MAX.</summary>
    private const int MaxXattr = 64 << 10;

    private Message XattrWalk(Txattrwalk m)
    {
        var s = _fids.Get(m.Fid);
        if (s == null) return Err(E.EBADF);
        try
        {
            if (s.Xattr != null) return Err(E.EBADF);
            if (m.NewFid == m.Fid) return Err(E.EINVAL);
            if (FileMode.IsLink(s.Mode)) return Err(E.ENODATA);
            if (!FileMode.IsReg(s.Mode) && !FileMode.IsDir(s.Mode)) return Err(E.EOPNOTSUPP);
            if (m.Name.Length > 255) return Err(E.ERANGE);
            int fd = Reopen(s, FileMode.IsDir(s.Mode) ? OpenFlags.O_DIRECTORY : OpenFlags.O_RDONLY);
            if (fd < 0) return Err(fd);
            byte[] value;
            try
            {
                var buf = new byte[MaxXattr];
                long n = m.Name.Length == 0 ? Host.Flistxattr(fd, buf) : Host.Fgetxattr(fd, m.Name, buf);
                if (n < 0) return Err(n);
                value = buf[..(int)n];
            }
            finally { Host.Close(fd); }
            int pfd = (int)Host.Dup(s.PathFd);
            if (pfd < 0) return Err(pfd);
            var x = new FidState(pfd, s.Path, s.Qid, s.Mode) { Xattr = new XattrBuffer(value, null, 0) };
            return _fids.TryAdd(m.NewFid, x, out int e) ? new Rxattrwalk((ulong)value.Length) : Err(-e);
        }
        finally { s.Release(); }
    }

    private Message XattrCreate(Txattrcreate m)
    {
        var s = _fids.Get(m.Fid);
        if (s == null) return Err(E.EBADF);
        try
        {
            if (tree.ReadOnly) return Err(E.EROFS);
            if (m.AttrSize > MaxXattr) return Err(E.E2BIG);
            if ((m.Flags & ~3u) != 0 || m.Name.Length is 0 or > 255) return Err(E.EINVAL);
            if (!FileMode.IsReg(s.Mode) && !FileMode.IsDir(s.Mode)) return Err(E.EOPNOTSUPP);
            lock (s)
            {
                if (s.OpenFd >= 0 || s.Xattr != null) return Err(E.EINVAL);
                s.Xattr = new XattrBuffer(new byte[m.AttrSize], m.Name, (int)m.Flags);
            }
            return new Rxattrcreate();
        }
        finally { s.Release(); }
    }
}
