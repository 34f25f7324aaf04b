using System.Buffers.Binary;

namespace Sandbox.P9;

// The helpers the Sentry's 9P filesystem uses, one per 9P2000.L request.
public sealed partial class P9Client
{
    /// <summary>Attaches to the served tree; returns the root fid.</summary>
    public uint Attach(string aname = "", string uname = "root", uint nUname = 0)
    {
        uint fid = AllocateFid();
        try { Rpc<Rattach>(new Tattach(fid, P9.NoFid, uname, aname, nUname)); return fid; }
        catch { FreeFid(fid); throw; }
    }

    /// <summary>
    /// Walks <paramref name="names"/> from <paramref name="fid"/> into a new fid (any number of
    /// names; 16 per Twalk). Throws ENOENT (or the server's errno) when a component is missing.
    /// </summary>
    public uint Walk(uint fid, params string[] names) => Walk(fid, names, out _);

    public uint Walk(uint fid, string[] names, out Qid[] qids)
    {
        uint newFid = AllocateFid();
        var all = new List<Qid>(names.Length);
        try
        {
            int done = 0;
            uint from = fid;
            do
            {
                int n = Math.Min(P9.MaxWalkElements, names.Length - done);
                var chunk = names.AsSpan(done, n).ToArray();
                var r = Rpc<Rwalk>(new Twalk(from, newFid, chunk));
                if (r.Qids.Length != n) throw new P9ErrorException((int)Linux.Errno.ENOENT, MessageType.Twalk);
                all.AddRange(r.Qids);
                done += n;
                from = newFid;
            } while (done < names.Length);
        }
        catch
        {
            // After a first chunk newFid exists on the server; a failed later Twalk leaves it so.
            if (all.Count > 0 && all.Count < names.Length) { try { Clunk(newFid, freeNumber: false); } catch (Exception e) when (e is P9ErrorException or P9ConnectionException) { } }
            FreeFid(newFid);
            throw;
        }
        qids = all.ToArray();
        return newFid;
    }

    /// <summary>A second fid for the same file (a walk of no names).</summary>
    public uint Clone(uint fid) => Walk(fid);

    public Rlopen Open(uint fid, uint flags) => Open(fid, flags, out _);

    /// <summary>
    /// Opens a fid; <paramref name="hostFile"/> is the host fd the Gofer donated with the reply
    /// (regular files, when it runs with --donate-fds), null otherwise. The caller owns it.
    /// </summary>
    public Rlopen Open(uint fid, uint flags, out Microsoft.Win32.SafeHandles.SafeFileHandle? hostFile)
        => RpcWithFd<Rlopen>(new Tlopen(fid, flags), out hostFile);

    /// <summary>Creates <paramref name="name"/> in directory <paramref name="dirFid"/> and opens it; the fid now names the new file.</summary>
    public Rlcreate Create(uint dirFid, string name, uint flags, uint mode, uint gid = 0)
        => Create(dirFid, name, flags, mode, gid, out _);

    public Rlcreate Create(uint dirFid, string name, uint flags, uint mode, uint gid, out Microsoft.Win32.SafeHandles.SafeFileHandle? hostFile)
        => RpcWithFd<Rlcreate>(new Tlcreate(dirFid, name, flags, mode, gid), out hostFile);

    private T RpcWithFd<T>(Message request, out Microsoft.Win32.SafeHandles.SafeFileHandle? hostFile) where T : Message
    {
        hostFile = null;
        var p = Send(request);
        try
        {
            var (_, m) = Codec.Decode(p.Frame.AsMemory(0, p.Length), Msize);
            if (m is Rlerror e) throw new P9ErrorException((int)e.Ecode, request.Type);
            if (m is not T t) throw new P9ConnectionException($"{request.Type} answered with {m.Type}");
            if (p.DonatedFd >= 0)
            {
                hostFile = new Microsoft.Win32.SafeHandles.SafeFileHandle(p.DonatedFd, ownsHandle: true);
                p.DonatedFd = -1;
            }
            return t;
        }
        finally { _t.Release(p); }
    }

    /// <summary>Reads up to dest.Length bytes (split into IoUnit-sized requests only when needed: one call, one Tread).</summary>
    public int Read(uint fid, ulong offset, Span<byte> dest)
    {
        int want = Math.Min(dest.Length, IoUnit);
        var p = Send(new Tread(fid, offset, (uint)want));
        try
        {
            CheckReplyHeader(p, MessageType.Tread, MessageType.Rread);
            var f = p.Frame.AsSpan(0, p.Length);
            if (p.Length < P9.HeaderSize + 4) throw new P9ConnectionException("short Rread");
            uint n = BinaryPrimitives.ReadUInt32LittleEndian(f[P9.HeaderSize..]);
            if (n > (uint)want || n != (uint)(p.Length - P9.HeaderSize - 4))
                throw new P9ConnectionException($"Rread of {n} bytes for a Tread of {want}");
            f.Slice(P9.HeaderSize + 4, (int)n).CopyTo(dest);
            return (int)n;
        }
        finally { _t.Release(p); }
    }

    /// <summary>Writes up to IoUnit bytes of <paramref name="data"/> in one Twrite; returns the count written.</summary>
    public int Write(uint fid, ulong offset, ReadOnlySpan<byte> data)
    {
        var chunk = data[..Math.Min(data.Length, IoUnit)];
        var p = _t.Acquire();
        var buf = System.Buffers.ArrayPool<byte>.Shared.Rent(P9.ReadWriteOverhead + chunk.Length);
        try
        {
            // Encoded in place: the payload is copied once, from the caller's span to the frame.
            var w = new WireWriter(buf);
            w.SkipHeader();
            w.U32(fid); w.U64(offset); w.U32((uint)chunk.Length); w.Bytes(chunk);
            w.PatchHeader(MessageType.Twrite, p.Tag);
            Transmit(p, buf.AsSpan(0, w.Length));
        }
        catch
        {
            _t.Release(p);
            throw;
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(buf); }
        try
        {
            CheckReplyHeader(p, MessageType.Twrite, MessageType.Rwrite);
            if (p.Length != P9.HeaderSize + 4) throw new P9ConnectionException("malformed Rwrite");
            uint n = BinaryPrimitives.ReadUInt32LittleEndian(p.Frame.AsSpan(P9.HeaderSize));
            if (n > (uint)chunk.Length) throw new P9ConnectionException("Rwrite count exceeds the data sent");
            return (int)n;
        }
        finally { _t.Release(p); }
    }

    /// <summary>Clunks a fid and frees its number.</summary>
    public void Clunk(uint fid) => Clunk(fid, freeNumber: true);

    private void Clunk(uint fid, bool freeNumber)
    {
        try { Rpc<Rclunk>(new Tclunk(fid)); }
        finally { if (freeNumber) FreeFid(fid); }
    }

    /// <summary>Removes the file and clunks the fid (even when the removal fails, as the spec says).</summary>
    public void Remove(uint fid)
    {
        try { Rpc<Rremove>(new Tremove(fid)); }
        finally { FreeFid(fid); }
    }

    public Rgetattr GetAttr(uint fid, ulong mask = P9.GetattrBasic) => Rpc<Rgetattr>(new Tgetattr(fid, mask));

    public void SetAttr(Tsetattr request) => Rpc<Rsetattr>(request);

    public Rstatfs StatFs(uint fid) => Rpc<Rstatfs>(new Tstatfs(fid));

    /// <summary>One Treaddir from <paramref name="offset"/> (0 to start, then the last entry's Offset); empty at the end.</summary>
    public List<DirEntry> ReadDir(uint fid, ulong offset, uint count = 0)
    {
        if (count == 0 || count > (uint)IoUnit) count = (uint)IoUnit;
        var p = Send(new Treaddir(fid, offset, count));
        try
        {
            CheckReplyHeader(p, MessageType.Treaddir, MessageType.Rreaddir);
            var (_, m) = Codec.Decode(p.Frame.AsMemory(0, p.Length), Msize);
            return DirEntry.Parse(((Rreaddir)m).Data.Span);
        }
        finally { _t.Release(p); }
    }

    /// <summary>Every entry of an opened directory.</summary>
    public List<DirEntry> ReadDirAll(uint fid)
    {
        var all = new List<DirEntry>();
        ulong off = 0;
        while (true)
        {
            var batch = ReadDir(fid, off);
            if (batch.Count == 0) return all;
            all.AddRange(batch);
            off = batch[^1].Offset;
        }
    }

    public void Fsync(uint fid, bool dataOnly = false) => Rpc<Rfsync>(new Tfsync(fid, dataOnly ? 1u : 0u));
    public Qid Mkdir(uint dirFid, string name, uint mode, uint gid = 0) => Rpc<Rmkdir>(new Tmkdir(dirFid, name, mode, gid)).Qid;
    public Qid Mknod(uint dirFid, string name, uint mode, uint major, uint minor, uint gid = 0)
        => Rpc<Rmknod>(new Tmknod(dirFid, name, mode, major, minor, gid)).Qid;
    public Qid Symlink(uint dirFid, string name, string target, uint gid = 0) => Rpc<Rsymlink>(new Tsymlink(dirFid, name, target, gid)).Qid;
    public void Link(uint dirFid, uint fid, string name) => Rpc<Rlink>(new Tlink(dirFid, fid, name));
    public string Readlink(uint fid) => Rpc<Rreadlink>(new Treadlink(fid)).Target;
    public void RenameAt(uint oldDirFid, string oldName, uint newDirFid, string newName)
        => Rpc<Rrenameat>(new Trenameat(oldDirFid, oldName, newDirFid, newName));
    public void UnlinkAt(uint dirFid, string name, uint flags = 0) => Rpc<Runlinkat>(new Tunlinkat(dirFid, name, flags));

    /// <summary>The value of extended attribute <paramref name="name"/> (the NUL-separated name list when empty).</summary>
    public byte[] GetXattr(uint fid, string name)
    {
        uint x = AllocateFid();
        try
        {
            ulong size = Rpc<Rxattrwalk>(new Txattrwalk(fid, x, name)).Size;
            try
            {
                if (size > 64 << 10) throw new P9ConnectionException($"xattr of {size} bytes");
                var value = new byte[size];
                int got = 0;
                while (got < value.Length)
                {
                    int n = Read(x, (ulong)got, value.AsSpan(got));
                    if (n == 0) break;
                    got += n;
                }
                return value[..got];
            }
            finally { Clunk(x, freeNumber: false); }
        }
        finally { FreeFid(x); }
    }

    /// <summary>Sets (flags: 0, XATTR_CREATE 1, XATTR_REPLACE 2) an extended attribute through a cloned fid.</summary>
    public void SetXattr(uint fid, string name, ReadOnlySpan<byte> value, uint flags = 0)
    {
        uint x = Clone(fid);
        try
        {
            Rpc<Rxattrcreate>(new Txattrcreate(x, name, (ulong)value.Length, flags));
            int off = 0;
            while (off < value.Length) off += Write(x, (ulong)off, value[off..]);
        }
        finally { Clunk(x); }
    }

    public byte Lock(uint fid, byte type, uint flags, ulong start, ulong length, uint procId, string clientId = "")
        => Rpc<Rlock>(new Tlock(fid, type, flags, start, length, procId, clientId)).Status;

    public Rgetlock GetLock(uint fid, byte type, ulong start, ulong length, uint procId, string clientId = "")
        => Rpc<Rgetlock>(new Tgetlock(fid, type, start, length, procId, clientId));
}
