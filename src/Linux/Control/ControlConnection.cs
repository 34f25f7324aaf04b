using System.Buffers.Binary;
using System.Text;
using Sandbox.Linux.Native;

namespace Sandbox.Linux.Control;

/// <summary>A broken or malformed control connection: the peer sent what is not a frame.</summary>
public sealed class ControlProtocolException(string message) : IOException(message);

/// <summary>
/// One end of a control connection (a unix stream socket): frames (see <see cref="ControlFrame"/>)
/// with file descriptors passed alongside. Raw system calls, so the confined Sentry needs
/// nothing from the host beyond the socket.
/// </summary>
public sealed unsafe class ControlConnection : IDisposable
{
    private const int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0x80000;
    private const int SYS_socket = 41, SYS_connect = 42, SYS_bind = 49, SYS_listen = 50, SYS_accept4 = 288;
    private int _fd;

    public ControlConnection(int fd) { _fd = fd; }

    public int Fd => _fd;

    /// <summary>Connects to the pod listening at <paramref name="path"/>.</summary>
    public static ControlConnection Connect(string path)
    {
        int fd = (int)Sys.Syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) throw new IOException($"socket: {ErrnoText.Name(-fd)}");
        byte* addr = stackalloc byte[110];
        int len = Address(path, addr);
        long r = Sys.SyscallRetry(SYS_connect, fd, (long)addr, len);
        if (r < 0) { Sys.Close(fd); throw new IOException($"connect {path}: {ErrnoText.Message((int)-r)}"); }
        return new ControlConnection(fd);
    }

    /// <summary>A listening socket bound at <paramref name="path"/> (a stale socket file there is replaced); its fd.</summary>
    public static int Listen(string path)
    {
        int fd = (int)Sys.Syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) throw new IOException($"socket: {ErrnoText.Name(-fd)}");
        byte* addr = stackalloc byte[110];
        int len = Address(path, addr);
        if (File.Exists(path)) File.Delete(path);
        long r = Sys.Syscall(SYS_bind, fd, (long)addr, len);
        if (r == 0) r = Sys.Syscall(SYS_listen, fd, 16);
        if (r < 0) { Sys.Close(fd); throw new IOException($"listen on {path}: {ErrnoText.Message((int)-r)}"); }
        return fd;
    }

    /// <summary>The next connection on a listening socket, or null once it is closed.</summary>
    public static ControlConnection? Accept(int listener)
    {
        long fd = Sys.SyscallRetry(SYS_accept4, listener, 0, 0, SOCK_CLOEXEC);
        return fd < 0 ? null : new ControlConnection((int)fd);
    }

    private static int Address(string path, byte* addr)
    {
        var bytes = Encoding.UTF8.GetBytes(path);
        if (bytes.Length > 107) throw new IOException($"socket path too long ({bytes.Length} bytes, at most 107): {path}");
        new Span<byte>(addr, 110).Clear();
        *(ushort*)addr = AF_UNIX;
        bytes.CopyTo(new Span<byte>(addr + 2, 108));
        return 2 + bytes.Length + 1;
    }

    /// <summary>Sends one message with <paramref name="fds"/> attached (they stay open here).</summary>
    public void Send(IReadOnlyList<string> fields, ReadOnlySpan<int> fds = default)
    {
        var frame = ControlFrame.Encode(fields);
        int at = 0;
        while (at < frame.Length)
        {
            long n = at == 0 ? FdPassing.Send(_fd, frame, fds) : FdPassing.Send(_fd, frame.AsSpan(at), ReadOnlySpan<int>.Empty);
            if (n < 0) throw new IOException($"control socket: {ErrnoText.Message((int)-n)}");
            at += (int)n;
        }
    }

    /// <summary>
    /// The next message, with the descriptors that came with it added to <paramref name="fds"/>;
    /// null at end of stream. Throws <see cref="ControlProtocolException"/> for a malformed one
    /// (the stream cannot be trusted after it).
    /// </summary>
    public List<string>? Receive(List<int> fds)
    {
        Span<byte> header = stackalloc byte[4];
        int got = ReadFully(header, fds, allowEof: true);
        if (got == 0) return null;
        uint len = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (len > ControlFrame.MaxBody) throw new ControlProtocolException($"a message of {len} bytes (at most {ControlFrame.MaxBody})");
        var body = new byte[len];
        ReadFully(body, fds, allowEof: false);
        return ControlFrame.Decode(body, out string error) ?? throw new ControlProtocolException(error);
    }

    private int ReadFully(Span<byte> buf, List<int> fds, bool allowEof)
    {
        int at = 0;
        while (at < buf.Length)
        {
            if (fds.Count > 64) throw new ControlProtocolException("too many file descriptors");
            long n = FdPassing.Receive(_fd, buf[at..], fds);
            if (n < 0) throw new IOException($"control socket: {ErrnoText.Message((int)-n)}");
            if (n == 0)
            {
                if (at == 0 && allowEof) return 0;
                throw new ControlProtocolException("the connection ended inside a message");
            }
            at += (int)n;
        }
        return at;
    }

    /// <summary>Sends a request and waits for its reply (fields after "ok"); an "error" reply throws.</summary>
    public List<string> Call(IReadOnlyList<string> request, ReadOnlySpan<int> fds = default)
    {
        Send(request, fds);
        var none = new List<int>();
        var reply = Receive(none) ?? throw new IOException("the pod closed the connection");
        foreach (var fd in none) Sys.Close(fd);
        if (reply[0] == "error") throw new ControlErrorException(reply.Count > 1 ? reply[1] : "error");
        return reply;
    }

    /// <summary>
    /// Like <see cref="Call(IReadOnlyList{string}, ReadOnlySpan{int})"/>, keeping the descriptors
    /// the reply carries in <paramref name="replyFds"/> (the caller's to close; none on an error).
    /// </summary>
    public List<string> Call(IReadOnlyList<string> request, List<int> replyFds)
    {
        Send(request);
        var got = new List<int>();
        var reply = Receive(got);
        if (reply == null || reply[0] == "error")
        {
            foreach (var fd in got) Sys.Close(fd);
            if (reply == null) throw new IOException("the pod closed the connection");
            throw new ControlErrorException(reply.Count > 1 ? reply[1] : "error");
        }
        replyFds.AddRange(got);
        return reply;
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) Sys.Close(fd);
    }
}

/// <summary>The pod answered a request with an error.</summary>
public sealed class ControlErrorException(string message) : IOException(message);
