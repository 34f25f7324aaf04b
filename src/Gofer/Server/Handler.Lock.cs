using Sandbox.P9;
using E = Sandbox.Linux.Errno;

namespace Sandbox.Gofer.Server;

// POSIX record locks as open-file-description locks on the fid's open fd: they belong to the
// fid, and never block the Gofer (a conflicting Tlock answers BLOCKED; the client retries).
internal sealed partial class Handler
{
    private Message Lock(Tlock m)
    {
        var s = _fids.Get(m.Fid);
        if (s == null) return Err(E.EBADF);
        try
        {
            int fd = s.OpenFd;
            if (fd < 0) return Err(E.EBADF);
            if (m.LockType > P9.P9.LockTypeUnlck || m.Start > long.MaxValue || m.Length > long.MaxValue
                || (m.Flags & ~(P9.P9.LockFlagsBlock | P9.P9.LockFlagsReclaim)) != 0)
                return Err(E.EINVAL);
            var fl = new Host.Flock { Type = m.LockType, Whence = 0, Start = (long)m.Start, Len = (long)m.Length };
            int r = Host.FcntlLock(fd, Host.F_OFD_SETLK, ref fl);
            byte status = r == 0 ? P9.P9.LockSuccess
                : r == -(int)E.EAGAIN || r == -(int)E.EACCES ? P9.P9.LockBlocked : P9.P9.LockError;
            return new Rlock(status);
        }
        finally { s.Release(); }
    }

    private Message GetLock(Tgetlock m)
    {
        var s = _fids.Get(m.Fid);
        if (s == null) return Err(E.EBADF);
        try
        {
            int fd = s.OpenFd;
            if (fd < 0) return Err(E.EBADF);
            if (m.LockType > P9.P9.LockTypeWrlck || m.Start > long.MaxValue || m.Length > long.MaxValue) return Err(E.EINVAL);
            var fl = new Host.Flock { Type = m.LockType, Whence = 0, Start = (long)m.Start, Len = (long)m.Length };
            int r = Host.FcntlLock(fd, Host.F_OFD_GETLK, ref fl);
            if (r < 0) return Err(r);
            return fl.Type == P9.P9.LockTypeUnlck
                ? new Rgetlock(P9.P9.LockTypeUnlck, m.Start, m.Length, m.ProcId, m.ClientId)
                : new Rgetlock((byte)fl.Type, (ulong)fl.Start, (ulong)fl.Len, unchecked((uint)fl.Pid), "");
        }
        finally { s.Release(); }
    }
}
