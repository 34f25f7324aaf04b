using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Sandbox.MicroVm.VhostUser;

namespace Sandbox.MicroVm.Tests;

/// <summary>A minimal vhost-user front-end for tests: what QEMU does, message by message, with
/// the guest memory a memfd mapped here.</summary>
public sealed unsafe partial class VhostUserFrontEnd : IDisposable
{
    [LibraryImport("libc", SetLastError = true)] private static partial nint sendmsg(int fd, MsgHdr* msg, int flags);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int memfd_create(string name, uint flags);
    [LibraryImport("libc", SetLastError = true)] private static partial int ftruncate(int fd, long len);
    [LibraryImport("libc", SetLastError = true)] private static partial void* mmap(void* a, nuint len, int prot, int flags, int fd, long off);
    [LibraryImport("libc", SetLastError = true)] private static partial int munmap(void* a, nuint len);
    [LibraryImport("libc", SetLastError = true)] public static partial int eventfd(uint v, int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial int close(int fd);
    [LibraryImport("libc", SetLastError = true)] public static partial nint read(int fd, void* b, nint n);
    [LibraryImport("libc", SetLastError = true)] public static partial nint write(int fd, void* b, nint n);
    [LibraryImport("libc", SetLastError = true)] public static partial int socketpair(int d, int t, int p, int* sv);

    [StructLayout(LayoutKind.Sequential)] struct IoVec { public void* Base; public nuint Len; }
    [StructLayout(LayoutKind.Sequential)]
    struct MsgHdr { public void* Name; public uint NameLen; public IoVec* Iov; public nuint IovLen; public void* Control; public nuint ControlLen; public int Flags; }

    public const ulong MemSize = 1 << 20, UserBase = 0x7f0000000000;
    public readonly Socket Conn;
    public readonly int MemFd;
    public readonly byte* Mem;

    public VhostUserFrontEnd(string path)
    {
        Conn = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        Conn.Connect(new UnixDomainSocketEndPoint(path));
        Conn.ReceiveTimeout = 10000;
        MemFd = memfd_create("guest", 0);
        ftruncate(MemFd, (long)MemSize);
        Mem = (byte*)mmap(null, (nuint)MemSize, 3, 1, MemFd, 0);
    }

    public void Send(uint request, ReadOnlySpan<byte> body, uint flags = 1, params int[] fds) => SendRaw(request, flags, (uint)body.Length, body, fds);

    public void SendRaw(uint request, uint flags, uint size, ReadOnlySpan<byte> body, int[] fds)
    {
        var m = new byte[12 + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(m, request);
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(4), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(8), size);
        body.CopyTo(m.AsSpan(12));
        byte* control = stackalloc byte[64];
        fixed (byte* p = m)
        {
            var iov = new IoVec { Base = p, Len = (nuint)m.Length };
            var msg = new MsgHdr { Iov = &iov, IovLen = 1 };
            if (fds.Length > 0)
            {
                *(ulong*)control = (ulong)(16 + 4 * fds.Length);
                *(int*)(control + 8) = 1; *(int*)(control + 12) = 1;
                for (int i = 0; i < fds.Length; i++) *(int*)(control + 16 + 4 * i) = fds[i];
                msg.Control = control;
                msg.ControlLen = (nuint)((16 + 4 * fds.Length + 7) & ~7);
            }
            if (sendmsg((int)Conn.Handle, &msg, 0x4000) != m.Length) throw new IOException($"sendmsg: {Marshal.GetLastPInvokeError()}");
        }
    }

    public void Send64(uint request, ulong v, uint flags = 1, params int[] fds)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        Send(request, b, flags, fds);
    }

    public void SendState(uint request, uint index, uint num, uint flags = 1)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(b, index);
        BinaryPrimitives.WriteUInt32LittleEndian(b[4..], num);
        Send(request, b, flags);
    }

    /// <summary>Reads one reply: (request, payload); null at end of stream.</summary>
    public (uint Request, byte[] Body)? Reply()
    {
        var h = new byte[12];
        if (!ReadExact(h)) return null;
        var body = new byte[BinaryPrimitives.ReadUInt32LittleEndian(h.AsSpan(8))];
        if (!ReadExact(body)) return null;
        return (BinaryPrimitives.ReadUInt32LittleEndian(h), body);
    }

    public ulong Reply64() => BinaryPrimitives.ReadUInt64LittleEndian(Reply()!.Value.Body);

    bool ReadExact(byte[] b)
    {
        int got = 0;
        while (got < b.Length)
        {
            int n;
            try { n = Conn.Receive(b, got, b.Length - got, SocketFlags.None); }
            catch (SocketException) { return false; }
            if (n == 0) return false;
            got += n;
        }
        return true;
    }

    /// <summary>True when the back-end closed the connection (within the receive timeout).</summary>
    public bool Closed() => Reply() is null;

    public void SetMemTable()
    {
        var b = new byte[8 + 32];
        BinaryPrimitives.WriteUInt32LittleEndian(b, 1);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8), 0);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(16), MemSize);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(24), UserBase);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(32), 0);
        Send(5, b, 1, MemFd);
    }

    /// <summary>Ring of queue q: descriptors at 0x1000 + q*0x4000, avail +0x1000, used +0x2000.</summary>
    public static ulong Desc(int q) => 0x1000 + (ulong)q * 0x4000;
    public static ulong Avail(int q) => Desc(q) + 0x1000;
    public static ulong Used(int q) => Desc(q) + 0x2000;

    public void SetVringAddr(int q)
    {
        var b = new byte[40];
        BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)q);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8), UserBase + Desc(q));
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(16), UserBase + Used(q));
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(24), UserBase + Avail(q));
        Send(9, b);
    }

    public void SetDesc(int q, int i, ulong gpa, uint len, ushort flags, ushort next = 0)
    {
        byte* d = Mem + Desc(q) + (ulong)(16 * i);
        *(ulong*)d = gpa; *(uint*)(d + 8) = len; *(ushort*)(d + 12) = flags; *(ushort*)(d + 14) = next;
    }

    /// <summary>Offers chain head in the available ring and publishes the index.</summary>
    public void Offer(int q, ushort head, int size)
    {
        ushort* avail = (ushort*)(Mem + Avail(q));
        ushort idx = avail[1];
        avail[2 + idx % size] = head;
        Volatile.Write(ref avail[1], (ushort)(idx + 1));
    }

    public ushort UsedIdx(int q) => Volatile.Read(ref *(ushort*)(Mem + Used(q) + 2));
    public (uint Id, uint Len) UsedElem(int q, int i) => (*(uint*)(Mem + Used(q) + 4 + (ulong)(8 * i)), *(uint*)(Mem + Used(q) + 8 + (ulong)(8 * i)));

    public static void Kick(int fd) { ulong one = 1; write(fd, &one, 8); }

    public void Dispose()
    {
        Conn.Dispose();
        munmap(Mem, (nuint)MemSize);
        close(MemFd);
    }
}
