using System.Buffers;
using System.Collections.Concurrent;
using Sandbox.Linux.Native;
using Sandbox.P9;
using E = Sandbox.Linux.Errno;

namespace Sandbox.Gofer.Server;

/// <summary>
/// One 9P session on a connected stream socket: a reader thread frames requests and hands them
/// to a few worker threads, so that many requests are served at once; replies go out under a
/// send lock. A frame whose size field is impossible, or a tag reused while in flight, ends the
/// connection (there is no way to resynchronise a byte stream); a frame that is well framed but
/// malformed inside gets Rlerror(EINVAL).
/// </summary>
internal sealed class Connection(int fd, ServedTree tree, int workers = 4)
{
    private const int MaxQueued = 64;
    private readonly Handler _handler = new(tree);
    private readonly object _sendLock = new();
    private readonly Dictionary<ushort, ManualResetEventSlim> _inFlight = [];
    private readonly BlockingCollection<(byte[] Frame, int Length)> _queue = new(MaxQueued);
    private volatile uint _msize = P9.P9.MaxMsize;
    private volatile bool _versioned;
    private volatile bool _closed;

    /// <summary>Serves until the peer closes or breaks the protocol; never throws.</summary>
    public void Run()
    {
        try { ReadLoop(); }
        catch (Exception e) { Log($"connection error: {e.Message}"); }
        finally
        {
            _closed = true;
            _queue.CompleteAdding();
            List<Thread> threads;
            lock (_workers) threads = [.. _workers];
            foreach (var t in threads) t.Join();
            _handler.Reset();
            Host.Close(fd);
        }
    }

    private void ReadLoop()
    {
        var hdr = new byte[P9.P9.HeaderSize];
        while (true)
        {
            if (!ReadExact(hdr)) return;
            (int size, MessageType type, ushort tag) h;
            try { h = Codec.ParseHeader(hdr, _msize); }
            catch (P9FormatException e) { Log($"closing: {e.Message}"); return; }
            var frame = ArrayPool<byte>.Shared.Rent(h.size);
            hdr.CopyTo(frame, 0);
            if (!ReadExact(frame.AsSpan(P9.P9.HeaderSize, h.size - P9.P9.HeaderSize)))
            {
                ArrayPool<byte>.Shared.Return(frame);
                return;
            }
            if (h.type == MessageType.Tversion)
            {
                // Tversion starts a new session: finish what is in flight, then answer inline.
                WaitIdle();
                Version(frame, h.size, h.tag);
                ArrayPool<byte>.Shared.Return(frame);
                continue;
            }
            bool alone;
            lock (_sendLock)
            {
                if (!_inFlight.TryAdd(h.tag, new ManualResetEventSlim(false)))
                {
                    ArrayPool<byte>.Shared.Return(frame);
                    Log($"closing: tag {h.tag} reused while in flight");
                    return;
                }
                alone = _inFlight.Count == 1;
            }
            if (alone && h.type != MessageType.Tflush)
            {
                // Nothing else in flight: serve it on this thread and save two thread hand-offs
                // (most of a round trip's cost). Requests that arrive meanwhile wait in the socket.
                if (_inlineBuf.Length < _msize) _inlineBuf = new byte[_msize];
                ServeSafely(frame, h.size, _inlineBuf);
                continue;
            }
            _queue.Add((frame, h.size));
            // Workers start on demand: most sessions never have more than one request in flight.
            if (Volatile.Read(ref _idle) == 0)
                lock (_workers)
                    if (_workers.Count < workers)
                    {
                        var t = new Thread(Work) { IsBackground = true, Name = "gofer-worker" };
                        _workers.Add(t);
                        t.Start();
                    }
        }
    }

    private readonly List<Thread> _workers = [];
    private int _idle;

    private void Work()
    {
        var outBuf = Array.Empty<byte>();
        while (true)
        {
            Interlocked.Increment(ref _idle);
            bool got;
            (byte[] Frame, int Length) item;
            try { got = _queue.TryTake(out item, Timeout.Infinite); }
            catch (InvalidOperationException) { got = false; item = default; }
            finally { Interlocked.Decrement(ref _idle); }
            if (!got) return;
            var (frame, len) = (item.Frame!, item.Length);
            // msize only changes (Tversion) while nothing is in flight, so it holds until we reply.
            if (outBuf.Length < _msize) outBuf = new byte[_msize];
            ServeSafely(frame, len, outBuf);
        }
    }

    private byte[] _inlineBuf = [];

    /// <summary>Serves one request and returns its frame to the pool; never throws.</summary>
    private void ServeSafely(byte[] frame, int len, byte[] outBuf)
    {
        try { Serve(frame, len, outBuf); }
        catch (Exception e)
        {
            // A bug of ours, not the client's: answer EIO rather than die with the connection.
            // (No stack trace: rendering one loads assemblies, which the jail no longer allows.)
            Log($"internal error: {e.GetType().Name}: {e.Message}");
            ushort tag = (ushort)(frame[5] | frame[6] << 8);
            try { Reply(tag, Handler.Err(E.EIO), outBuf); }
            catch (Exception) { _closed = true; Sys.Syscall(SYS_shutdown, fd, 2); }
        }
        finally { ArrayPool<byte>.Shared.Return(frame); }
    }

    private void Serve(byte[] frame, int len, byte[] outBuf)
    {
        ushort tag = (ushort)(frame[5] | frame[6] << 8);
        var type = (MessageType)frame[4];
        if (!_versioned) { Reply(tag, Handler.Err(E.EPROTO), outBuf); return; }
        if (!Codec.IsKnown(type)) { Reply(tag, Handler.Err(E.EOPNOTSUPP), outBuf); return; }
        if (((byte)type & 1) != 0) { Reply(tag, Handler.Err(E.EINVAL), outBuf); return; } // a reply is no request
        Message m;
        try { m = Codec.Decode(frame.AsMemory(0, len), _msize).Message; }
        catch (P9FormatException) { Reply(tag, Handler.Err(E.EINVAL), outBuf); return; }

        switch (m)
        {
            case Tread r:
            {
                // Straight into the reply: header, count, then the bytes pread wrote in place.
                int room = (int)_msize - P9.P9.HeaderSize - 4;
                long n = _handler.ReadInto(r, outBuf.AsSpan(P9.P9.HeaderSize + 4, room));
                if (n < 0) { Reply(tag, Handler.Err(n), outBuf); return; }
                var w = new WireWriter(outBuf);
                w.SkipHeader();
                w.U32((uint)n);
                w.Reserve((int)n);
                w.PatchHeader(MessageType.Rread, tag);
                Send(tag, outBuf.AsSpan(0, w.Length));
                return;
            }
            case Tflush f:
            {
                ManualResetEventSlim? ev;
                lock (_sendLock) _inFlight.TryGetValue(f.OldTag, out ev);
                // Requests are never abandoned half-done; the flushed one is answered first (flush(5)).
                if (ev != null && f.OldTag != tag) ev.Wait();
                Reply(tag, new Rflush(), outBuf);
                return;
            }
            default:
            {
                var reply = _handler.Handle(m);
                int donate = -1;
                if (tree.DonateFds && reply is Rlopen or Rlcreate)
                    donate = _handler.DupOpenRegular(m is Tlopen o ? o.Fid : ((Tlcreate)m).Fid);
                try { Reply(tag, reply, outBuf, donate); }
                finally { if (donate >= 0) Host.Close(donate); }
                return;
            }
        }
    }

    private void Version(byte[] frame, int len, ushort tag)
    {
        var outBuf = new byte[1024];
        Message reply;
        try
        {
            var v = (Tversion)Codec.Decode(frame.AsMemory(0, len), P9.P9.MaxMsize).Message;
            _handler.Reset();
            if (v.Msize < P9.P9.MinMsize) reply = Handler.Err(E.EINVAL);
            else if (!v.Version.StartsWith(P9.P9.Version, StringComparison.Ordinal))
            {
                _versioned = false;
                reply = new Rversion(Math.Min(v.Msize, P9.P9.MaxMsize), "unknown");
            }
            else
            {
                _msize = Math.Min(v.Msize, P9.P9.MaxMsize);
                _handler.Msize = _msize;
                _versioned = true;
                reply = new Rversion(_msize, P9.P9.Version);
            }
        }
        catch (P9FormatException) { reply = Handler.Err(E.EINVAL); }
        int n = Codec.Encode(reply, tag, outBuf);
        lock (_sendLock) WriteAll(outBuf.AsSpan(0, n));
    }

    private void WaitIdle()
    {
        while (true)
        {
            lock (_sendLock) if (_inFlight.Count == 0) return;
            Thread.Sleep(1);
        }
    }

    private void Reply(ushort tag, Message m, byte[] outBuf, int donateFd = -1)
    {
        int n;
        try { n = Codec.Encode(m, tag, outBuf.AsSpan(0, (int)_msize)); }
        catch (P9FormatException) { n = Codec.Encode(Handler.Err(E.ENOBUFS), tag, outBuf); donateFd = -1; }
        Send(tag, outBuf.AsSpan(0, n), donateFd);
    }

    private void Send(ushort tag, ReadOnlySpan<byte> frame, int donateFd = -1)
    {
        ManualResetEventSlim? ev;
        lock (_sendLock)
        {
            // The tag is free again the moment its reply leaves, and Rflush must follow it.
            _inFlight.Remove(tag, out ev);
            if (!_closed && donateFd >= 0)
            {
                // The fd rides on the frame's first bytes; the client's reader takes it with the header.
                long n = FdPassing.Send(fd, frame, donateFd);
                if (n <= 0) { _closed = true; Sys.Syscall(SYS_shutdown, fd, 2); }
                else frame = frame[(int)n..];
            }
            if (!_closed) WriteAll(frame);
        }
        ev?.Set();
    }

    private unsafe void WriteAll(ReadOnlySpan<byte> b)
    {
        fixed (byte* p = b)
        {
            int done = 0;
            while (done < b.Length)
            {
                long n = Sys.SyscallRetry(Host.SYS_write, fd, (long)(p + done), b.Length - done);
                if (n <= 0) { _closed = true; Sys.Syscall(SYS_shutdown, fd, 2); return; }
                done += (int)n;
            }
        }
    }

    private const int SYS_shutdown = 48;

    private unsafe bool ReadExact(Span<byte> b)
    {
        fixed (byte* p = b)
        {
            int done = 0;
            while (done < b.Length)
            {
                if (_closed) return false;
                long n = Sys.SyscallRetry(Host.SYS_read, fd, (long)(p + done), b.Length - done);
                if (n <= 0) return false;
                done += (int)n;
            }
        }
        return true;
    }

    private static void Log(string s) => GoferLog.Write(s);
}
