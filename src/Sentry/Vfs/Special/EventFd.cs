using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Vfs.Special;

/// <summary>eventfd(2): a 64-bit counter; reads take it (or 1 in semaphore mode), writes add.</summary>
public sealed class EventFd : AnonFile
{
    private ulong _count;
    private readonly bool _semaphore;
    private const ulong Max = 0xfffffffffffffffe;

    public EventFd(ulong initial, bool semaphore) { _count = initial; _semaphore = semaphore; }

    public override long Read(Span<byte> dst, long offset)
    {
        if (dst.Length < 8) return -(long)Errno.EINVAL;
        var t = Task.Current;
        while (true)
        {
            lock (this)
            {
                if (_count > 0)
                {
                    ulong v = _semaphore ? 1 : _count;
                    _count -= v;
                    BitConverter.TryWriteBytes(dst, v);
                    Queue.Notify();
                    return 8;
                }
                if (NonBlocking || t == null) return -(long)Errno.EAGAIN;
            }
            if (t.BlockUntil(() => { lock (this) return _count > 0; }, -1, Queue) == BlockResult.Interrupted) return -(long)Errno.ERESTARTSYS;
        }
    }

    public override long Write(ReadOnlySpan<byte> src, long offset)
    {
        if (src.Length < 8) return -(long)Errno.EINVAL;
        ulong v = BitConverter.ToUInt64(src);
        if (v == ulong.MaxValue) return -(long)Errno.EINVAL;
        var t = Task.Current;
        while (true)
        {
            lock (this)
            {
                if (Max - _count >= v)
                {
                    _count += v;
                    Queue.Notify();
                    return 8;
                }
                if (NonBlocking || t == null) return -(long)Errno.EAGAIN;
            }
            if (t.BlockUntil(() => { lock (this) return Max - _count >= v; }, -1, Queue) == BlockResult.Interrupted) return -(long)Errno.ERESTARTSYS;
        }
    }

    public override short Readiness(short events)
    {
        lock (this)
        {
            short r = 0;
            if (_count > 0) r |= (short)(events & (Poll.POLLIN | Poll.POLLRDNORM));
            if (_count < Max) r |= (short)(events & (Poll.POLLOUT | Poll.POLLWRNORM));
            return r;
        }
    }
}
