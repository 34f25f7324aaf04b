namespace Sandbox.Netstack;

/// <summary>
/// A byte FIFO for TCP's send and receive buffers. <see cref="Capacity"/> is the limit (the
/// socket buffer size); the array behind it starts small and doubles as data arrives, so idle
/// sockets cost little.
/// </summary>
internal sealed class ByteRing
{
    private const int InitialBytes = 16 << 10;
    private byte[] _buf;
    private int _head, _count, _limit;

    public ByteRing(int capacity)
    {
        _limit = Math.Max(capacity, 1);
        _buf = new byte[Math.Min(_limit, InitialBytes)];
    }

    public int Count => _count;
    public int Capacity => _limit;
    public int Free => _limit - _count;

    /// <summary>Changes the limit (never below the data held).</summary>
    public void Resize(int capacity) => _limit = Math.Max(Math.Max(capacity, _count), 1);

    private void Grow(int needed)
    {
        int size = _buf.Length;
        while (size < needed) size = (int)Math.Min((long)size * 2, _limit);
        var nb = new byte[size];
        Peek(0, nb.AsSpan(0, _count));
        _buf = nb;
        _head = 0;
    }

    public int Write(ReadOnlySpan<byte> data)
    {
        int n = Math.Min(data.Length, Free);
        if (_count + n > _buf.Length) Grow(_count + n);
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
