using System.Buffers;
using System.Net.Sockets;

namespace Sandbox.P9;

/// <summary>
/// The client's connection: any number of threads send requests, each under its own tag; one
/// reader thread routes replies to their tag's <see cref="Pending"/> slot. Reply frames are
/// pooled buffers handed to the waiting thread, which decodes and returns them.
/// </summary>
internal sealed class P9Transport : IDisposable
{
    private readonly Socket _socket;
    private readonly object _sendLock = new();
    private readonly Pending[] _slots;
    private readonly Stack<ushort> _free = new();
    private readonly SemaphoreSlim _freeCount;
    private Thread? _reader;
    private volatile Exception? _dead;
    public uint Msize = P9.MaxMsize;

    public P9Transport(Socket socket, int maxInFlight)
    {
        _socket = socket;
        _slots = new Pending[maxInFlight];
        for (int i = maxInFlight - 1; i >= 0; i--) { _slots[i] = new Pending((ushort)i); _free.Push((ushort)i); }
        _freeCount = new SemaphoreSlim(maxInFlight, maxInFlight);
    }

    public void StartReader()
    {
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "p9-client-reader" };
        _reader.Start();
    }

    public bool IsAlive => _dead == null;

    public Pending Acquire()
    {
        if (_dead != null) throw Dead();
        _freeCount.Wait();
        lock (_free)
        {
            var p = _slots[_free.Pop()];
            p.Done.Reset();
            p.Frame = null;
            p.DonatedFd = -1;
            p.Active = true;
            return p;
        }
    }

    public void Release(Pending p)
    {
        if (p.Frame != null) { ArrayPool<byte>.Shared.Return(p.Frame); p.Frame = null; }
        if (p.DonatedFd >= 0) { Linux.Native.Sys.Close(p.DonatedFd); p.DonatedFd = -1; } // nobody took it
        lock (_free) _free.Push(p.Tag);
        _freeCount.Release();
    }

    public void Send(ReadOnlySpan<byte> frame)
    {
        lock (_sendLock)
        {
            if (_dead != null) throw Dead();
            try
            {
                while (!frame.IsEmpty) frame = frame[_socket.Send(frame)..];
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                Fail(new P9ConnectionException("9P send failed: " + e.Message, e));
                throw Dead();
            }
        }
    }

    /// <summary>Waits for the reply to <paramref name="p"/>; the frame is in p.Frame[..p.Length].</summary>
    public void Wait(Pending p)
    {
        p.Done.Wait();
        if (p.Frame == null) throw Dead();
    }

    /// <summary>Synchronous exchange before the reader thread runs (Tversion uses NOTAG).</summary>
    public byte[] ReceiveOneDirect()
    {
        var hdr = new byte[P9.HeaderSize];
        ReceiveExact(hdr);
        var (size, _, _) = Codec.ParseHeader(hdr, P9.MaxMsize);
        var frame = new byte[size];
        hdr.CopyTo(frame, 0);
        ReceiveExact(frame.AsSpan(P9.HeaderSize));
        return frame;
    }

    private void ReceiveExact(Span<byte> buf)
    {
        while (!buf.IsEmpty)
        {
            int n = _socket.Receive(buf);
            if (n == 0) throw new P9ConnectionException("9P server closed the connection");
            buf = buf[n..];
        }
    }

    /// <summary>
    /// Reads a frame header with recvmsg, which also takes a file descriptor the server attached
    /// to the frame (it rides on the frame's first byte, so it arrives with the header).
    /// </summary>
    private int ReceiveHeader(Span<byte> hdr)
    {
        int sock = (int)_socket.Handle, fd = -1;
        while (!hdr.IsEmpty)
        {
            long n = Linux.Native.FdPassing.Receive(sock, hdr, out int got);
            if (got >= 0) { if (fd >= 0) Linux.Native.Sys.Close(fd); fd = got; }
            if (n == -(long)Linux.Errno.EAGAIN) { WaitReadable(sock); continue; }
            if (n <= 0)
            {
                if (fd >= 0) Linux.Native.Sys.Close(fd);
                throw new P9ConnectionException(n == 0 ? "9P server closed the connection" : $"9P receive: {Linux.ErrnoText.Name((int)-n)}");
            }
            hdr = hdr[(int)n..];
        }
        return fd;
    }

    private static unsafe void WaitReadable(int sock)
    {
        long pfd = (uint)sock | (1L /*POLLIN*/ << 32);
        Linux.Native.Sys.SyscallRetry(7 /*poll*/, (long)&pfd, 1, -1);
    }

    private void ReadLoop()
    {
        Span<byte> hdr = stackalloc byte[P9.HeaderSize];
        try
        {
            while (true)
            {
                int donated = ReceiveHeader(hdr);
                (int size, MessageType type, ushort tag) h;
                try { h = Codec.ParseHeader(hdr, Msize); }
                catch { if (donated >= 0) Linux.Native.Sys.Close(donated); throw; }
                var (size, _, tag) = h;
                var frame = ArrayPool<byte>.Shared.Rent(size);
                hdr.CopyTo(frame);
                ReceiveExact(frame.AsSpan(P9.HeaderSize, size - P9.HeaderSize));
                if (tag >= _slots.Length || !_slots[tag].Active)
                {
                    ArrayPool<byte>.Shared.Return(frame);
                    if (donated >= 0) Linux.Native.Sys.Close(donated);
                    throw new P9ConnectionException($"9P server answered tag {tag}, which has no request in flight");
                }
                var p = _slots[tag];
                p.Active = false;
                p.Frame = frame;
                p.Length = size;
                p.DonatedFd = donated;
                p.Done.Set();
            }
        }
        catch (Exception e)
        {
            Fail(e as P9ConnectionException ?? new P9ConnectionException("9P connection lost: " + e.Message, e));
        }
    }

    private void Fail(Exception e)
    {
        _dead ??= e;
        try { _socket.Shutdown(SocketShutdown.Both); } catch { }
        foreach (var p in _slots)
            if (p.Active) { p.Active = false; p.Done.Set(); }
    }

    private P9ConnectionException Dead() => _dead as P9ConnectionException ?? new P9ConnectionException("9P connection is closed", _dead);

    public void Dispose()
    {
        Fail(new P9ConnectionException("9P client disposed"));
        _socket.Dispose();
        _reader?.Join(2000);
    }
}
