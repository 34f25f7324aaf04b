namespace Sandbox.Sentry.Vfs.Tty;

/// <summary>A fixed-size byte FIFO (the tty's input and output queues). Not thread-safe.</summary>
internal sealed class ByteRing
{
    private readonly byte[] _buf;
    private int _head;

    public ByteRing(int capacity) { _buf = new byte[capacity]; }

    public int Count { get; private set; }
    public int Free => _buf.Length - Count;

    /// <summary>Appends as much of <paramref name="src"/> as fits; returns how much did.</summary>
    public int Write(ReadOnlySpan<byte> src)
    {
        int n = Math.Min(src.Length, Free);
        int tail = (_head + Count) % _buf.Length;
        int first = Math.Min(n, _buf.Length - tail);
        src.Slice(0, first).CopyTo(_buf.AsSpan(tail));
        src.Slice(first, n - first).CopyTo(_buf);
        Count += n;
        return n;
    }

    public bool Put(byte b) { if (Free == 0) return false; _buf[(_head + Count++) % _buf.Length] = b; return true; }

    public int Read(Span<byte> dst)
    {
        int n = Math.Min(dst.Length, Count);
        int first = Math.Min(n, _buf.Length - _head);
        _buf.AsSpan(_head, first).CopyTo(dst);
        _buf.AsSpan(0, n - first).CopyTo(dst.Slice(first));
        _head = (_head + n) % _buf.Length;
        Count -= n;
        return n;
    }

    /// <summary>The last byte, removed (canonical-mode erase).</summary>
    public int PopLast()
    {
        if (Count == 0) return -1;
        Count--;
        return _buf[(_head + Count) % _buf.Length];
    }

    public byte PeekLast(int fromEnd) => _buf[(_head + Count - 1 - fromEnd) % _buf.Length];

    public void Clear() { _head = 0; Count = 0; }
}
