using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Sandbox.Linux.Abi;
using FileMode = Sandbox.Linux.Abi.FileMode;
using Sandbox.P9;
using E = Sandbox.Linux.Errno;

namespace Sandbox.Gofer.Server;

internal sealed partial class Handler
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private Message ReadDir(Treaddir m)
    {
        var s = _fids.Get(m.Fid);
        if (s == null) return Err(E.EBADF);
        try
        {
            int fd = s.OpenFd;
            if (fd < 0) return Err(E.EBADF);
            if (!FileMode.IsDir(s.Mode)) return Err(E.ENOTDIR);
            if (m.Offset > long.MaxValue) return Err(E.EINVAL);
            int limit = (int)Math.Min(m.Count, Msize - P9.P9.ReadWriteOverhead);
            var outBuf = new byte[limit];
            var w = new WireWriter(outBuf);
            var raw = ArrayPool<byte>.Shared.Rent(Math.Max(limit, 4096));
            try
            {
                // The fd's position is shared state: one reader at a time per fid.
                lock (s)
                {
                    if (Host.Lseek(fd, (long)m.Offset, 0) is var sr and < 0) return Err(sr);
                    long n = Host.Getdents(fd, raw.AsSpan(0, Math.Max(limit, 4096)));
                    if (n < 0) return Err(n);
                    int pos = 0;
                    while (pos < n)
                    {
                        var d = raw.AsSpan(pos, (int)n - pos);
                        ulong ino = BinaryPrimitives.ReadUInt64LittleEndian(d);
                        ulong off = BinaryPrimitives.ReadUInt64LittleEndian(d[8..]);
                        int reclen = BinaryPrimitives.ReadUInt16LittleEndian(d[16..]);
                        byte type = d[18];
                        var nameBytes = d[19..reclen];
                        nameBytes = nameBytes[..nameBytes.IndexOf((byte)0)];
                        pos += reclen;
                        string name;
                        try { name = StrictUtf8.GetString(nameBytes); }
                        catch (DecoderFallbackException) { continue; } // not representable in 9P strings
                        byte qt = type == 4 ? P9.P9.QidDir : type == 10 ? P9.P9.QidSymlink : P9.P9.QidFile;
                        var e = new DirEntry(new Qid(qt, 0, ino), off, type, name);
                        if (w.Length + e.WireSize > limit) break;
                        e.Write(ref w);
                    }
                    if (w.Length == 0 && pos < n) return Err(E.EINVAL); // count too small for one entry
                }
            }
            finally { ArrayPool<byte>.Shared.Return(raw); }
            return new Rreaddir(outBuf.AsMemory(0, w.Length));
        }
        finally { s.Release(); }
    }

    /// <summary>Runs <paramref name="op"/> with the O_PATH fd of a directory fid after the checks every create shares.</summary>
    private Message InDir(uint dirFid, string name, Func<FidState, Message> op)
    {
        var d = _fids.Get(dirFid);
        if (d == null) return Err(E.EBADF);
        try
        {
            if (!ValidName(name)) return Err(E.EINVAL);
            if (!FileMode.IsDir(d.Mode)) return Err(E.ENOTDIR);
            if (tree.ReadOnly) return Err(E.EROFS);
            return op(d);
        }
        finally { d.Release(); }
    }

    private Message Mkdir(Tmkdir m) => InDir(m.DirFid, m.Name, d =>
    {
        int r = Host.MkdirAt(d.PathFd, m.Name, m.Mode & 0xfff);
        if (r < 0) return Err(r);
        Own(d.PathFd, m.Name, m.Gid);
        return StatQid(d.PathFd, m.Name, q => new Rmkdir(q));
    });

    private Message Mknod(Tmknod m) => InDir(m.DirFid, m.Name, d =>
    {
        uint type = m.Mode & FileMode.S_IFMT;
        // Device nodes would give the sandbox raw hardware: only regular files, fifos, sockets.
        if (type is not (FileMode.S_IFREG or FileMode.S_IFIFO or FileMode.S_IFSOCK or 0)) return Err(E.EPERM);
        int r = Host.MknodAt(d.PathFd, m.Name, m.Mode & (FileMode.S_IFMT | 0xfff), 0);
        if (r < 0) return Err(r);
        Own(d.PathFd, m.Name, m.Gid);
        return StatQid(d.PathFd, m.Name, q => new Rmknod(q));
    });

    private Message Symlink(Tsymlink m) => InDir(m.Fid, m.Name, d =>
    {
        if (m.Target.Length == 0 || Encoding.UTF8.GetByteCount(m.Target) > 4095) return Err(E.EINVAL);
        int r = Host.SymlinkAt(m.Target, d.PathFd, m.Name);
        if (r < 0) return Err(r);
        Own(d.PathFd, m.Name, m.Gid);
        return StatQid(d.PathFd, m.Name, q => new Rsymlink(q));
    });

    private Message Link(Tlink m) => InDir(m.DirFid, m.Name, d =>
    {
        var s = _fids.Get(m.Fid);
        if (s == null) return Err(E.EBADF);
        try
        {
            if (FileMode.IsDir(s.Mode)) return Err(E.EPERM);
            int r = Host.LinkAt(s.PathFd, "", d.PathFd, m.Name, AtFlags.AT_EMPTY_PATH);
            return r < 0 ? Err(r) : new Rlink();
        }
        finally { s.Release(); }
    });

    private Message Readlink(Treadlink m)
    {
        var s = _fids.Get(m.Fid);
        if (s == null) return Err(E.EBADF);
        try
        {
            if (!FileMode.IsLink(s.Mode)) return Err(E.EINVAL);
            Span<byte> buf = stackalloc byte[4096];
            long n = Host.ReadlinkAt(s.PathFd, "", buf);
            if (n < 0) return Err(n);
            try { return new Rreadlink(StrictUtf8.GetString(buf[..(int)n])); }
            catch (DecoderFallbackException) { return Err(E.EILSEQ); }
        }
        finally { s.Release(); }
    }

    private Message RenameAt(Trenameat m) => InDir(m.OldDirFid, m.OldName, od => InDir(m.NewDirFid, m.NewName, nd =>
    {
        int r = Host.RenameAt(od.PathFd, m.OldName, nd.PathFd, m.NewName, 0);
        return r < 0 ? Err(r) : new Rrenameat();
    }));

    private Message Rename(Trename m) => InDir(m.DirFid, m.Name, d =>
    {
        var s = _fids.Get(m.Fid);
        if (s == null) return Err(E.EBADF);
        try
        {
            lock (s)
            {
                if (s.Path.Length == 0) return Err(E.EBUSY);
                int parent = WalkFromRoot(s.Path.AsSpan(0, s.Path.Length - 1));
                if (parent < 0) return Err(parent);
                int r = Host.RenameAt(parent, s.Path[^1], d.PathFd, m.Name, 0);
                Host.Close(parent);
                if (r < 0) return Err(r);
                s.Path = [.. d.Path, m.Name];
                return new Rrename();
            }
        }
        finally { s.Release(); }
    });

    private Message UnlinkAt(Tunlinkat m) => InDir(m.DirFid, m.Name, d =>
    {
        if ((m.Flags & ~P9.P9.AtRemoveDir) != 0) return Err(E.EINVAL);
        int r = Host.UnlinkAt(d.PathFd, m.Name, (int)m.Flags);
        return r < 0 ? Err(r) : new Runlinkat();
    });
}
