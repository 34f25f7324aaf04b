using Sandbox.Linux;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Net;

/// <summary>
/// Where a message's data comes from or goes to: the application's iovecs (sendmsg, recvmsg,
/// readv), one application buffer (send, read), or a host buffer (splice-like callers of
/// FileDescription.Read/Write). Copies go through the address space, so a bad pointer is EFAULT.
/// </summary>
public readonly unsafe struct MsgBuffers
{
    private readonly Task? _task;
    private readonly ulong[]? _iov;   // base, len pairs
    private readonly ulong _base;     // one application buffer when _iov is null
    private readonly byte* _host;     // a host buffer when _task is null

    public long Length { get; }

    private MsgBuffers(Task? task, ulong[]? iov, ulong addr, byte* host, long length)
    {
        _task = task; _iov = iov; _base = addr; _host = host; Length = length;
    }

    public static MsgBuffers App(Task t, ulong addr, long len) => new(t, null, addr, null, len);

    /// <summary>Iovecs already checked (lengths non-negative, total capped at MAX_RW_COUNT).</summary>
    public static MsgBuffers AppVector(Task t, ulong[] iov, long total) => new(t, iov, 0, null, total);

    /// <summary>A pinned host buffer; valid only while the caller keeps it pinned.</summary>
    public static MsgBuffers Host(byte* p, int len) => new(null, null, 0, p, len);

    /// <summary>
    /// The buffers from offset <paramref name="at"/> as host iovecs (pointer, length pairs into
    /// the memory file), at most <paramref name="max"/> bytes and iov.Length/2 entries, so a host
    /// call can move the data in place. Stops before the first byte that is not mapped (or not
    /// writable when <paramref name="write"/>). Returns the entries used; <paramref name="bytes"/>
    /// is what they cover.
    /// </summary>
    public int HostRanges(long at, long max, Span<long> iov, bool write, out long bytes)
    {
        bytes = 0;
        int used = 0;
        max = Math.Min(max, Length - at);
        if (max <= 0) return 0;
        if (_task == null) { iov[0] = (long)(_host + at); iov[1] = max; bytes = max; return 1; }
        if (_iov == null) { Translate(_base + (ulong)at, max, iov, ref used, write, ref bytes); return used; }
        for (int i = 0; i < _iov.Length / 2 && bytes < max; i++)
        {
            long len = (long)_iov[2 * i + 1];
            if (at >= len) { at -= len; continue; }
            long n = Math.Min(len - at, max - bytes);
            if (!Translate(_iov[2 * i] + (ulong)at, n, iov, ref used, write, ref bytes)) break;
            at = 0;
        }
        return used;
    }

    /// <summary>Appends one application range's host pieces; false when it stopped early (unmapped or out of entries).</summary>
    private bool Translate(ulong addr, long len, Span<long> iov, ref int used, bool write, ref long bytes)
    {
        long done = 0;
        while (done < len)
        {
            if (2 * used + 1 >= iov.Length) return false;
            byte* p = _task!.MM.Translate(addr + (ulong)done, (ulong)(len - done), write, out ulong n);
            if (p == null || n == 0) return false;
            iov[2 * used] = (long)p; iov[2 * used + 1] = (long)n;
            used++;
            done += (long)n;
            bytes += (long)n;
        }
        return true;
    }

    /// <summary>Copies src to the buffers at offset <paramref name="at"/>. Bytes copied or -EFAULT.</summary>
    public int CopyOut(long at, ReadOnlySpan<byte> src)
    {
        if (_task == null) { src.CopyTo(new Span<byte>(_host + at, src.Length)); return src.Length; }
        if (_iov == null) return _task.MM.CopyOut(_base + (ulong)at, src) < 0 ? -(int)Errno.EFAULT : src.Length;
        int done = 0;
        for (int i = 0; i < _iov.Length / 2 && done < src.Length; i++)
        {
            long len = (long)_iov[2 * i + 1];
            if (at >= len) { at -= len; continue; }
            int n = (int)Math.Min(len - at, src.Length - done);
            if (_task.MM.CopyOut(_iov[2 * i] + (ulong)at, src.Slice(done, n)) < 0) return done > 0 ? done : -(int)Errno.EFAULT;
            done += n;
            at = 0;
        }
        return done;
    }

    /// <summary>Fills dst from the buffers at offset <paramref name="at"/>. Bytes copied or -EFAULT.</summary>
    public int CopyIn(long at, Span<byte> dst)
    {
        if (_task == null) { new ReadOnlySpan<byte>(_host + at, dst.Length).CopyTo(dst); return dst.Length; }
        if (_iov == null) return _task.MM.CopyIn(_base + (ulong)at, dst) < 0 ? -(int)Errno.EFAULT : dst.Length;
        int done = 0;
        for (int i = 0; i < _iov.Length / 2 && done < dst.Length; i++)
        {
            long len = (long)_iov[2 * i + 1];
            if (at >= len) { at -= len; continue; }
            int n = (int)Math.Min(len - at, dst.Length - done);
            if (_task.MM.CopyIn(_iov[2 * i] + (ulong)at, dst.Slice(done, n)) < 0) return done > 0 ? done : -(int)Errno.EFAULT;
            done += n;
            at = 0;
        }
        return done;
    }
}
