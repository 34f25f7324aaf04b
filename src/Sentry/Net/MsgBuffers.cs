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
