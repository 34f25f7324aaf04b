namespace Sandbox.Netstack;

/// <summary>A byte FIFO over one array, for TCP's send and receive buffers.</summary>
internal sealed class ByteRing
{
    private byte[] _buf;
    private int _head, _count;

    public ByteRing(int capacity) => _buf = new byte[Math.Max(capacity, 1)];

    public int Count => _count;
    public int Capacity => _buf.Length;
    public int Free => _buf.Length - _count;

    /// <summary>Grows (never shrinks below the data held) to <paramref name="capacity"/>.</summary>
    public void Resize(int capacity)
    {
        capacity = Math.Max(capacity, _count);
        if (capacity == _buf.Length) return;
        var nb = new byte[Math.Max(capacity, 1)];
        Peek(0, nb.AsSpan(0, _count));
        _buf = nb;
        _head = 0;
    }

    public int Write(ReadOnlySpan<byte> data)
    {
        int n = Math.Min(data.Length, Free);
        int tail = (_head + _count) % _buf.Length;
        int first = Math.Min(n, _buf.Length - tail);
        data[..first].CopyTo(_buf.AsSpan(tail));
        data[first..n].CopyTo(_buf);
        _count += n;
        return n;
    }

    /// <summary>Copies bytes starting <paramref name="offset"/> bytes after the head.</summary>
    public void Peek(int offset, Span<byte> dst)
    {
        int start = (_head + offset) % _buf.Length;
        int first = Math.Min(dst.Length, _buf.Length - start);
        _buf.AsSpan(start, first).CopyTo(dst);
        _buf.AsSpan(0, dst.Length - first).CopyTo(dst[first..]);
    }

    public void Discard(int n)
    {
        n = Math.Min(n, _count);
        _head = (_head + n) % _buf.Length;
        _count -= n;
        if (_count == 0) _head = 0;
    }
}
