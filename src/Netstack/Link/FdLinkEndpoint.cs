using System.Buffers.Binary;

namespace Sandbox.Netstack;

/// <summary>
/// A link over a host file descriptor carrying whole Ethernet frames: an AF_PACKET socket bound
/// to an interface (a veth end in the sandbox's network namespace, packet(7)) or a TAP device
/// (/dev/net/tun with IFF_TAP|IFF_NO_PI). Host offloads must be off on the interface (checksums
/// are verified, frames are at most MTU-sized).
/// </summary>
public sealed unsafe class FdLinkEndpoint : ILinkEndpoint, IDisposable
{
    private readonly bool _socket;
    private readonly bool _vnet;
    private readonly byte[] _vnetHdr = new byte[VnetHeaderLength];
    private const int VnetHeaderLength = 10;
    public int Fd { get; private set; }
    public int GsoMaxSize { get; }
    public int Mtu { get; }
    public MacAddress Mac { get; }
    public bool NeedsResolution => true;
    public long SendErrors;

    // Batches for sendmmsg/recvmmsg on packet sockets: one syscall per batch instead of per frame.
    public const int BatchSize = 64;
    private readonly int _txSlot, _rxSlot;
    private readonly byte* _txBuf, _txMsgs, _txIovs, _rxBuf, _rxMsgs, _rxIovs;
    private int _txCount;
    private byte* _rxHdr;

    private FdLinkEndpoint(int fd, bool socket, int mtu, MacAddress mac, bool vnet = false)
    {
        Fd = fd; _socket = socket; Mtu = mtu; Mac = mac; _vnet = vnet;
        GsoMaxSize = vnet ? 65535 + EthernetHeader.Length : 0;
        if (!socket) return;
        _txSlot = (Math.Max(mtu, 1500) + EthernetHeader.Length + VnetHeaderLength + 63) & ~63;
        _rxSlot = vnet ? 65536 + 128 : (Math.Max(mtu, 1500) + EthernetHeader.Length + 63) & ~63;
        _txBuf = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)(_txSlot * BatchSize));
        _rxBuf = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)(_rxSlot * BatchSize));
        _txMsgs = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(HostNative.MmsgSize * BatchSize);
        _rxMsgs = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(HostNative.MmsgSize * BatchSize);
        _txIovs = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(32 * BatchSize);
        _rxIovs = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(32 * BatchSize);
        for (int i = 0; i < BatchSize; i++)
            HostNative.SetMessage(_rxMsgs, _rxIovs, i, _rxBuf + i * _rxSlot, _rxSlot, null, 0);
    }

    /// <summary>
    /// Opens a packet socket on <paramref name="ifname"/>, in the network namespace at
    /// <paramref name="netnsPath"/> when given (entered on a short-lived thread of its own, so the
    /// caller's namespace never changes).
    /// </summary>
    /// <param name="offload">Use virtio-net headers (PACKET_VNET_HDR): receive the host's
    /// super-segments with partial checksums and send TCP super-segments for it to cut up, as
    /// gVisor does; the interface's offloads may then stay on.</param>
    public static FdLinkEndpoint OpenPacket(string ifname, string? netnsPath = null, bool offload = false)
    {
        return HostNative.InNetNamespace(netnsPath, () => OpenPacketHere(ifname, offload));
    }

    private static FdLinkEndpoint OpenPacketHere(string ifname, bool offload)
    {
        ushort proto = BinaryPrimitives.ReverseEndianness((ushort)HostNative.ETH_P_ALL);
        int fd = HostNative.Socket(HostNative.AF_PACKET, HostNative.SOCK_RAW | HostNative.SOCK_CLOEXEC, proto);
        if (fd < 0) throw new IOException($"socket(AF_PACKET): errno {-fd}");
        try
        {
            var req = HostNative.IfReq(ifname);
            int r = HostNative.Ioctl(fd, HostNative.SIOCGIFINDEX, req);
            if (r < 0) throw new IOException($"SIOCGIFINDEX {ifname}: errno {-r}");
            int index = BinaryPrimitives.ReadInt32LittleEndian(req.AsSpan(16));
            req = HostNative.IfReq(ifname);
            if ((r = HostNative.Ioctl(fd, HostNative.SIOCGIFHWADDR, req)) < 0) throw new IOException($"SIOCGIFHWADDR: errno {-r}");
            var mac = MacAddress.Read(req.AsSpan(18));
            req = HostNative.IfReq(ifname);
            if ((r = HostNative.Ioctl(fd, HostNative.SIOCGIFMTU, req)) < 0) throw new IOException($"SIOCGIFMTU: errno {-r}");
            int mtu = BinaryPrimitives.ReadInt32LittleEndian(req.AsSpan(16));
            // struct sockaddr_ll: family, protocol (network order), ifindex, hatype, pkttype, halen, addr[8].
            var sll = new byte[20];
            BinaryPrimitives.WriteUInt16LittleEndian(sll, HostNative.AF_PACKET);
            BinaryPrimitives.WriteUInt16LittleEndian(sll.AsSpan(2), proto);
            BinaryPrimitives.WriteInt32LittleEndian(sll.AsSpan(4), index);
            if ((r = HostNative.Bind(fd, sll)) < 0) throw new IOException($"bind(AF_PACKET): errno {-r}");
            if (offload && (r = HostNative.SetSockOptInt(fd, HostNative.SOL_PACKET, HostNative.PACKET_VNET_HDR, 1)) < 0)
                throw new IOException($"PACKET_VNET_HDR: errno {-r}");
            // Our own transmissions would otherwise be looped back to us (packet(7)).
            HostNative.SetSockOptInt(fd, HostNative.SOL_PACKET, HostNative.PACKET_IGNORE_OUTGOING, 1);
            if (HostNative.SetSockOptInt(fd, HostNative.SOL_SOCKET, HostNative.SO_RCVBUFFORCE, 8 << 20) < 0)
                HostNative.SetSockOptInt(fd, HostNative.SOL_SOCKET, HostNative.SO_RCVBUF, 8 << 20);
            if (HostNative.SetSockOptInt(fd, HostNative.SOL_SOCKET, HostNative.SO_SNDBUFFORCE, 8 << 20) < 0)
                HostNative.SetSockOptInt(fd, HostNative.SOL_SOCKET, HostNative.SO_SNDBUF, 8 << 20);
            return new FdLinkEndpoint(fd, socket: true, mtu, mac, offload);
        }
        catch
        {
            HostNative.Close(fd);
            throw;
        }
    }

    /// <summary>Creates (or attaches to) TAP device <paramref name="name"/>; the stack uses <paramref name="mac"/> on it.</summary>
    public static FdLinkEndpoint OpenTap(string name, MacAddress mac, int mtu = 1500)
    {
        int fd = HostNative.Open("/dev/net/tun", HostNative.O_RDWR | HostNative.O_CLOEXEC | HostNative.O_NONBLOCK);
        if (fd < 0) throw new IOException($"open /dev/net/tun: errno {-fd}");
        var req = HostNative.IfReq(name);
        BinaryPrimitives.WriteInt16LittleEndian(req.AsSpan(16), (short)(HostNative.IFF_TAP | HostNative.IFF_NO_PI));
        int r = HostNative.Ioctl(fd, HostNative.TUNSETIFF, req);
        if (r < 0) { HostNative.Close(fd); throw new IOException($"TUNSETIFF {name}: errno {-r}"); }
        return new FdLinkEndpoint(fd, socket: false, mtu, mac);
    }

    public void Send(ReadOnlySpan<byte> frame)
    {
        // A full host queue drops the frame, as a NIC would; TCP recovers.
        int hdr = _vnet ? VnetHeaderLength : 0;
        if (_socket && hdr + frame.Length <= _txSlot)
        {
            byte* slot = _txBuf + _txCount * _txSlot;
            new Span<byte>(slot, hdr).Clear();
            frame.CopyTo(new Span<byte>(slot + hdr, frame.Length));
            HostNative.SetMessage(_txMsgs, _txIovs, _txCount, slot, hdr + frame.Length, null, 0);
            if (++_txCount == BatchSize) Flush();
            return;
        }
        Flush();
        int r;
        if (_vnet)
        {
            Array.Clear(_vnetHdr);
            r = HostNative.Send2(Fd, _vnetHdr, frame);
        }
        else r = HostNative.Send(Fd, frame, _socket);
        if (r < 0) Interlocked.Increment(ref SendErrors);
    }

    /// <summary>Sends the frames batched so far in one sendmmsg.</summary>
    public void Flush()
    {
        if (_txCount == 0) return;
        int r = HostNative.SendMany(Fd, _txMsgs, _txCount);
        if (r < _txCount) Interlocked.Add(ref SendErrors, _txCount - Math.Max(r, 0));
        _txCount = 0;
    }

    /// <summary>
    /// struct virtio_net_hdr (legacy, little-endian): flags, gso_type, hdr_len, gso_size,
    /// csum_start, csum_offset (virtio spec 5.1.6).
    /// </summary>
    public void SendGso(ReadOnlySpan<byte> frame, in GsoRequest g)
    {
        if (!_vnet) { Interlocked.Increment(ref SendErrors); return; }
        Flush(); // keep the order of frames
        var h = _vnetHdr.AsSpan();
        h[0] = 1;                                 // VIRTIO_NET_HDR_F_NEEDS_CSUM
        h[1] = (byte)(g.V6 ? 4 : 1);              // GSO_TCPV6 / GSO_TCPV4
        BinaryPrimitives.WriteUInt16LittleEndian(h[2..], (ushort)g.HeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], (ushort)g.SegmentSize);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], (ushort)g.TransportOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(h[8..], 16);   // offsetof(struct tcphdr, check)
        if (HostNative.Send2(Fd, h, frame) < 0) Interlocked.Increment(ref SendErrors);
    }

    /// <summary>
    /// Reads one frame without blocking (packet socket) or blocking (TAP); -EAGAIN when none.
    /// With virtio-net headers the frame starts at <paramref name="offset"/> and
    /// <paramref name="checksumVerified"/> says the host vouches for its transport checksum.
    /// </summary>
    public int Receive(Span<byte> buf, out int offset, out bool checksumVerified)
    {
        int n = HostNative.Receive(Fd, buf, _socket);
        _rxHdr = null;
        offset = 0;
        checksumVerified = false;
        if (!_vnet || n < 0) return n;
        if (n < VnetHeaderLength) return 0;
        // NEEDS_CSUM: a local sender left the checksum partial; DATA_VALID: already checked.
        checksumVerified = (buf[0] & 3) != 0;
        offset = VnetHeaderLength;
        return n - VnetHeaderLength;
    }

    /// <summary>Receives up to <see cref="BatchSize"/> frames without blocking (packet sockets only); count or -errno.</summary>
    public int ReceiveBatch() => _socket ? HostNative.ReceiveMany(Fd, _rxMsgs, BatchSize) : -(int)Sandbox.Linux.Errno.EOPNOTSUPP;

    /// <summary>Frame <paramref name="i"/> of the last <see cref="ReceiveBatch"/>.</summary>
    public ReadOnlySpan<byte> BatchFrame(int i, out bool checksumVerified)
    {
        int n = Math.Min(HostNative.MessageLength(_rxMsgs, i), _rxSlot);
        byte* p = _rxBuf + i * _rxSlot;
        checksumVerified = false;
        _rxHdr = null;
        if (!_vnet) return new ReadOnlySpan<byte>(p, n);
        if (n < VnetHeaderLength) return default;
        _rxHdr = p;
        checksumVerified = (p[0] & 3) != 0;
        return new ReadOnlySpan<byte>(p + VnetHeaderLength, n - VnetHeaderLength);
    }

    public ReadOnlySpan<byte> ReceivedOffload => _rxHdr == null ? default : new ReadOnlySpan<byte>(_rxHdr, VnetHeaderLength);

    public void SendForwarded(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> offload)
    {
        // Without offload work left (no GSO, no partial checksum) it is an ordinary frame.
        if (offload.Length < VnetHeaderLength || (offload[0] & 1) == 0 && offload[1] == 0) { Send(frame); return; }
        // A link without virtio-net headers cannot take it: the stack does not cut super-segments up.
        if (!_vnet) { Interlocked.Increment(ref SendErrors); return; }
        Flush();
        Span<byte> h = stackalloc byte[VnetHeaderLength];
        offload[..VnetHeaderLength].CopyTo(h);
        h[0] &= 1;  // NEEDS_CSUM only: DATA_VALID means nothing on transmit
        if (HostNative.Send2(Fd, h, frame) < 0) Interlocked.Increment(ref SendErrors);
    }

    public bool IsPacketSocket => _socket;

    public int WaitReadable(int timeoutMs) => HostNative.PollIn(Fd, timeoutMs);

    public void Dispose()
    {
        if (Fd < 0) return;
        HostNative.Close(Fd);
        Fd = -1;
        if (!_socket) return;
        foreach (var p in new[] { _txBuf, _rxBuf, _txMsgs, _rxMsgs, _txIovs, _rxIovs })
            System.Runtime.InteropServices.NativeMemory.Free(p);
    }
}
