using System.Buffers.Binary;
using System.Net.Sockets;

namespace Sandbox.MicroVm.VhostUser;

/// <summary>A vhost-user-net back-end: listens on a unix socket for the front-end (QEMU's
/// `-netdev vhost-user`), negotiates features, maps the guest memory it is given and runs the
/// two queues of one virtio-net queue pair through NetDataPath between the guest and a TAP
/// (or any fd that carries frames with a 12-byte virtio-net header). When the front-end goes
/// away the device is reset and the next connection starts over (QEMU's `reconnect=`).
/// Malformed messages end that connection, never the back-end.</summary>
public sealed unsafe class VhostUserNetBackend : IDisposable
{
    /// <summary>Checksum and TSO offloads cost nothing here: the TAP takes and gives the same
    /// virtio-net header (TUNSETOFFLOAD follows what the guest accepted).</summary>
    public const ulong OfferedFeatures = 1UL << Wire.VIRTIO_F_VERSION_1 | 1UL << Wire.VIRTIO_RING_F_EVENT_IDX |
        1UL << Wire.VHOST_USER_F_PROTOCOL_FEATURES | 1UL << Wire.VIRTIO_NET_F_CSUM | 1UL << Wire.VIRTIO_NET_F_GUEST_CSUM |
        1UL << Wire.VIRTIO_NET_F_GUEST_TSO4 | 1UL << Wire.VIRTIO_NET_F_GUEST_TSO6 | 1UL << Wire.VIRTIO_NET_F_HOST_TSO4 |
        1UL << Wire.VIRTIO_NET_F_HOST_TSO6;
    public const ulong OfferedProtocolFeatures = 1UL << Wire.PROTOCOL_F_REPLY_ACK;

    readonly Socket _listener;
    readonly NetDataPath _path;
    readonly Thread _thread;
    readonly Tap? _tap;
    readonly int _frameFd;
    Socket? _conn;
    ulong _features, _protocolFeatures;
    volatile bool _disposed;

    public string SocketPath { get; }
    /// <summary>Connections accepted so far.</summary>
    public int Connections { get; private set; }
    /// <summary>Why the last connection was closed by us (a refused message), or null.</summary>
    public string? LastError { get; private set; }
    public ulong Features => _features;
    public long TxFrames => _path.TxFrames;
    public long RxFrames => _path.RxFrames;
    public Action<string>? Log { get; init; }

    /// <summary>Serves the TAP (owned: closed on Dispose).</summary>
    public VhostUserNetBackend(string socketPath, Tap tap) : this(socketPath, tap.Fd) => _tap = tap;

    /// <summary>Serves any frame fd (not owned): a TAP with IFF_VNET_HDR and a 12-byte header,
    /// or a SOCK_SEQPACKET socket whose messages are such frames (tests).</summary>
    public VhostUserNetBackend(string socketPath, int frameFd)
    {
        SocketPath = socketPath;
        _frameFd = frameFd;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try { File.Delete(socketPath); } catch (IOException) { }
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen(1);
        _path = new NetDataPath(frameFd);
        _thread = new Thread(AcceptLoop) { IsBackground = true, Name = "vhost-user-ctl" };
        _thread.Start();
    }

    void AcceptLoop()
    {
        while (!_disposed)
        {
            Socket conn;
            try { conn = _listener.Accept(); }
            catch (Exception) { return; }
            Connections++;
            _conn = conn;
            try { Serve((int)conn.Handle); }
            catch (VhostUserProtocolException e)
            {
                LastError = e.Message;
                Log?.Invoke($"vhost-user-net: {e.Message}; closing the connection");
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                Log?.Invoke($"vhost-user-net: {e.Message}");
            }
            finally
            {
                _conn = null;
                conn.Dispose();
                Reset();
            }
        }
    }

    /// <summary>Closes the current front-end connection, as a crash of the back-end would (tests
    /// of reconnection).</summary>
    public void DropConnection()
    {
        try { _conn?.Shutdown(SocketShutdown.Both); } catch (Exception) { }
    }

    void Reset()
    {
        lock (_path.Gate)
        {
            foreach (var q in _path.Queues)
            {
                q.CloseFds();
                q.Unmap();
                q.Size = 0; q.AddressesSet = false; q.Enabled = false; q.LastAvail = 0; q.EventIdx = false;
            }
            var old = _path.Memory;
            _path.Memory = GuestMemory.Empty;
            if (old != GuestMemory.Empty) old.Dispose();
            _features = _protocolFeatures = 0;
        }
        _path.Wake();
    }

    void Serve(int fd)
    {
        var payload = new byte[Wire.MaxPayload];
        Span<byte> header = stackalloc byte[Wire.HeaderSize];
        Span<int> fds = stackalloc int[Wire.MaxFds];
        while (true)
        {
            int nfds = Receive(fd, header, fds);
            if (nfds < 0) return;
            try
            {
                var req = (Request)BinaryPrimitives.ReadUInt32LittleEndian(header);
                uint flags = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
                uint size = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
                if ((flags & Wire.VersionMask) != Wire.Version) throw new VhostUserProtocolException($"request {(uint)req}: version {flags & Wire.VersionMask} (expected 1)");
                if ((flags & Wire.ReplyFlag) != 0) throw new VhostUserProtocolException($"request {(uint)req}: a reply sent to the back-end");
                if (size > Wire.MaxPayload) throw new VhostUserProtocolException($"request {(uint)req}: payload of {size} bytes (at most {Wire.MaxPayload})");
                if (!ReadExact(fd, payload.AsSpan(0, (int)size))) return;
                bool ok = Handle(fd, req, payload.AsSpan(0, (int)size), fds[..nfds]);
                if ((flags & Wire.NeedReplyFlag) != 0 && (_protocolFeatures & OfferedProtocolFeatures) != 0 && !RepliesItself(req))
                    Reply(fd, req, ok ? 0UL : 1UL);
            }
            finally
            {
                foreach (var f in fds[..nfds]) if (f >= 0) Libc.close(f);
            }
        }
    }

    static bool RepliesItself(Request r) => r is Request.GetFeatures or Request.GetProtocolFeatures or Request.GetVringBase or Request.GetQueueNum;

    /// <summary>Reads one header and the fds sent with it; -1 at end of stream.</summary>
    static int Receive(int fd, Span<byte> header, Span<int> fds)
    {
        const int cmsgSpace = 16 + 4 * Wire.MaxFds;
        byte* control = stackalloc byte[cmsgSpace + 16];
        int got = 0, nfds = 0;
        fixed (byte* h = header)
        {
            while (got < Wire.HeaderSize)
            {
                var iov = new Libc.IoVec { Base = h + got, Len = (nuint)(Wire.HeaderSize - got) };
                var msg = new Libc.MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = cmsgSpace + 16 };
                nint n = Libc.recvmsg(fd, &msg, Libc.MSG_CMSG_CLOEXEC);
                if (n < 0 && Libc.Errno == Libc.EINTR) continue;
                if (n <= 0) { CloseAll(fds[..nfds]); return -1; }
                // Collect SCM_RIGHTS (each control message: u64 len, i32 level, i32 type, data).
                for (nuint off = 0; off + 16 <= msg.ControlLen;)
                {
                    ulong len = *(ulong*)(control + off);
                    int level = *(int*)(control + off + 8), type = *(int*)(control + off + 12);
                    if (len < 16 || off + (nuint)len > msg.ControlLen) break;
                    if (level == Libc.SOL_SOCKET && type == Libc.SCM_RIGHTS)
                        for (ulong i = 0; i < (len - 16) / 4; i++)
                        {
                            int f = *(int*)(control + off + 16 + 4 * i);
                            if (nfds < fds.Length) fds[nfds++] = f; else Libc.close(f);
                        }
                    off += (nuint)((len + 7) & ~7UL);
                }
                if ((msg.Flags & 0x8 /* MSG_CTRUNC */) != 0)
                {
                    CloseAll(fds[..nfds]);
                    throw new VhostUserProtocolException("too many file descriptors with one message");
                }
                got += (int)n;
            }
        }
        return nfds;
    }

    static void CloseAll(Span<int> fds)
    {
        foreach (ref var f in fds) { if (f >= 0) Libc.close(f); f = -1; }
    }

    static bool ReadExact(int fd, Span<byte> buf)
    {
        fixed (byte* p = buf)
        {
            int got = 0;
            while (got < buf.Length)
            {
                var iov = new Libc.IoVec { Base = p + got, Len = (nuint)(buf.Length - got) };
                var msg = new Libc.MsgHdr { Iov = &iov, IovLen = 1 };
                nint n = Libc.recvmsg(fd, &msg, Libc.MSG_CMSG_CLOEXEC);
                if (n < 0 && Libc.Errno == Libc.EINTR) continue;
                if (n <= 0) return false;
                got += (int)n;
            }
        }
        return true;
    }

    static void Reply(int fd, Request req, ulong value) => Reply(fd, req, MemoryMarshalBytes(value));

    static byte[] MemoryMarshalBytes(ulong v)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        return b;
    }

    static void Reply(int fd, Request req, ReadOnlySpan<byte> body)
    {
        Span<byte> m = stackalloc byte[Wire.HeaderSize + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(m, (uint)req);
        BinaryPrimitives.WriteUInt32LittleEndian(m[4..], Wire.Version | Wire.ReplyFlag);
        BinaryPrimitives.WriteUInt32LittleEndian(m[8..], (uint)body.Length);
        body.CopyTo(m[Wire.HeaderSize..]);
        fixed (byte* p = m)
        {
            int sent = 0;
            while (sent < m.Length)
            {
                nint n = Libc.send(fd, p + sent, m.Length - sent, 0x4000 /* MSG_NOSIGNAL */);
                if (n < 0 && Libc.Errno == Libc.EINTR) continue;
                if (n <= 0) throw new IOException($"vhost-user reply: {Libc.ErrText(Libc.Errno)}");
                sent += (int)n;
            }
        }
    }

    static void Expect(Request r, ReadOnlySpan<byte> body, int size)
    {
        if (body.Length != size) throw new VhostUserProtocolException($"{r}: payload of {body.Length} bytes (expected {size})");
    }

    SplitQueue Queue(Request r, uint index)
    {
        if (index >= _path.Queues.Length) throw new VhostUserProtocolException($"{r}: queue {index} (this device has {_path.Queues.Length})");
        return _path.Queues[index];
    }

    /// <summary>One request; returns false for a refusal that leaves the connection usable.</summary>
    bool Handle(int fd, Request req, ReadOnlySpan<byte> body, Span<int> fds)
    {
        switch (req)
        {
            case Request.GetFeatures:
                Reply(fd, req, OfferedFeatures);
                return true;
            case Request.SetFeatures:
            {
                Expect(req, body, 8);
                ulong f = BinaryPrimitives.ReadUInt64LittleEndian(body);
                if ((f & ~OfferedFeatures) != 0) throw new VhostUserProtocolException($"SET_FEATURES: {f:x} has features not offered ({f & ~OfferedFeatures:x})");
                if ((f & 1UL << Wire.VIRTIO_F_VERSION_1) == 0) throw new VhostUserProtocolException("SET_FEATURES: legacy virtio (no VIRTIO_F_VERSION_1) is not supported");
                lock (_path.Gate)
                {
                    _features = f;
                    foreach (var q in _path.Queues) q.EventIdx = (f & 1UL << Wire.VIRTIO_RING_F_EVENT_IDX) != 0;
                }
                Tap.SetOffloads(_frameFd, f);
                return true;
            }
            case Request.GetProtocolFeatures:
                Reply(fd, req, OfferedProtocolFeatures);
                return true;
            case Request.SetProtocolFeatures:
                Expect(req, body, 8);
                _protocolFeatures = BinaryPrimitives.ReadUInt64LittleEndian(body) & OfferedProtocolFeatures;
                return true;
            case Request.SetOwner:
                return true;
            case Request.ResetOwner:
                Reset();
                return true;
            case Request.GetQueueNum:
                Reply(fd, req, 1UL);
                return true;
            case Request.SetMemTable:
            {
                var mem = GuestMemory.Map(body, fds);
                CloseAll(fds);
                GuestMemory old;
                lock (_path.Gate)
                {
                    old = _path.Memory;
                    _path.Memory = mem;
                    foreach (var q in _path.Queues) q.Map(mem);
                }
                _path.Wake();
                if (old != GuestMemory.Empty) old.Dispose();
                return true;
            }
            case Request.SetVringNum:
            {
                Expect(req, body, 8);
                var q = Queue(req, BinaryPrimitives.ReadUInt32LittleEndian(body));
                uint num = BinaryPrimitives.ReadUInt32LittleEndian(body[4..]);
                if (num is 0 or > 32768 || (num & (num - 1)) != 0) throw new VhostUserProtocolException($"SET_VRING_NUM: size {num} (a power of 2 up to 32768)");
                lock (_path.Gate) { q.Size = (ushort)num; q.Map(_path.Memory); }
                _path.Wake();
                return true;
            }
            case Request.SetVringAddr:
            {
                Expect(req, body, 40);
                var q = Queue(req, BinaryPrimitives.ReadUInt32LittleEndian(body));
                lock (_path.Gate)
                {
                    q.DescUser = BinaryPrimitives.ReadUInt64LittleEndian(body[8..]);
                    q.UsedUser = BinaryPrimitives.ReadUInt64LittleEndian(body[16..]);
                    q.AvailUser = BinaryPrimitives.ReadUInt64LittleEndian(body[24..]);
                    q.AddressesSet = true;
                    if (!q.Map(_path.Memory)) { q.AddressesSet = false; throw new VhostUserProtocolException($"SET_VRING_ADDR: queue {q.Index}'s rings are not in guest memory"); }
                }
                _path.Wake();
                return true;
            }
            case Request.SetVringBase:
            {
                Expect(req, body, 8);
                var q = Queue(req, BinaryPrimitives.ReadUInt32LittleEndian(body));
                uint b = BinaryPrimitives.ReadUInt32LittleEndian(body[4..]);
                if (b > 0xffff) throw new VhostUserProtocolException($"SET_VRING_BASE: {b} (a 16-bit index)");
                lock (_path.Gate) q.LastAvail = (ushort)b;
                return true;
            }
            case Request.GetVringBase:
            {
                Expect(req, body, 8);
                uint index = BinaryPrimitives.ReadUInt32LittleEndian(body);
                var q = Queue(req, index);
                ushort last;
                lock (_path.Gate)
                {
                    // Stopping the ring: no more processing until a new kick fd starts it.
                    if (q.KickFd >= 0) Libc.close(q.KickFd);
                    q.KickFd = -1;
                    last = q.LastAvail;
                }
                _path.Wake();
                Span<byte> state = stackalloc byte[8];
                BinaryPrimitives.WriteUInt32LittleEndian(state, index);
                BinaryPrimitives.WriteUInt32LittleEndian(state[4..], last);
                Reply(fd, req, state);
                return true;
            }
            case Request.SetVringKick or Request.SetVringCall or Request.SetVringErr:
            {
                Expect(req, body, 8);
                ulong v = BinaryPrimitives.ReadUInt64LittleEndian(body);
                var q = Queue(req, (uint)(v & Wire.VringIndexMask));
                bool noFd = (v & Wire.VringNoFd) != 0;
                if (noFd != (fds.Length == 0) || fds.Length > 1) throw new VhostUserProtocolException($"{req}: {fds.Length} fds with flags {v:x}");
                if (req == Request.SetVringKick && noFd) throw new VhostUserProtocolException("SET_VRING_KICK without an fd (polling) is not supported");
                int newFd = noFd ? -1 : fds[0];
                if (!noFd) fds[0] = -1;
                if (req == Request.SetVringErr) { if (newFd >= 0) Libc.close(newFd); return true; }
                lock (_path.Gate)
                {
                    if (req == Request.SetVringKick)
                    {
                        Libc.fcntl(newFd, Libc.F_SETFL, Libc.fcntl(newFd, Libc.F_GETFL, 0) | Libc.O_NONBLOCK);
                        if (q.KickFd >= 0) Libc.close(q.KickFd);
                        q.KickFd = newFd;
                        // Without VHOST_USER_F_PROTOCOL_FEATURES a ring is enabled as soon as it starts.
                        if ((_features & 1UL << Wire.VHOST_USER_F_PROTOCOL_FEATURES) == 0) q.Enabled = true;
                        q.Map(_path.Memory);
                    }
                    else
                    {
                        if (q.CallFd >= 0) Libc.close(q.CallFd);
                        q.CallFd = newFd;
                    }
                }
                _path.Wake();
                return true;
            }
            case Request.SetVringEnable:
            {
                Expect(req, body, 8);
                var q = Queue(req, BinaryPrimitives.ReadUInt32LittleEndian(body));
                lock (_path.Gate) q.Enabled = BinaryPrimitives.ReadUInt32LittleEndian(body[4..]) != 0;
                _path.Wake();
                return true;
            }
            default:
                // Not offered (logging, config space, memory slots, ...): refused, the connection stays.
                Log?.Invoke($"vhost-user-net: request {(uint)req} is not supported");
                LastError = $"request {(uint)req} is not supported";
                return false;
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _listener.Dispose();
        DropConnection();
        _thread.Join(2000);
        _path.Dispose();
        Reset();
        _tap?.Dispose();
        try { File.Delete(SocketPath); } catch (IOException) { }
    }
}
