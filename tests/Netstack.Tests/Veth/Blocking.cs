using Sandbox.Linux;

namespace Sandbox.Netstack.Tests;

/// <summary>Blocking calls over the non-blocking endpoint API, the way the Sentry's socket layer will use it.</summary>
internal static class Blocking
{
    public static void Connect(TcpEndpoint ep, SockAddr to, int timeoutMs = 10_000)
    {
        int r = ep.Connect(to);
        if (r != -(int)Errno.EINPROGRESS && r != 0) throw new IOException($"connect: {(Errno)(-r)}");
        if (!ep.Wait(PollEvents.Out, timeoutMs)) throw new TimeoutException("connect timed out");
        if (ep.State != TcpState.Established) throw new IOException($"connect: {(Errno)ep.TakeError()}");
    }

    public static void SendAll(TcpEndpoint ep, ReadOnlySpan<byte> data, int timeoutMs = 60_000)
    {
        while (data.Length > 0)
        {
            int n = ep.Send(data);
            if (n > 0) { data = data[n..]; continue; }
            if (n != -(int)Errno.EAGAIN) throw new IOException($"send: {(Errno)(-n)}");
            if (!ep.Wait(PollEvents.Out, timeoutMs)) throw new TimeoutException($"send stalled, state {ep.State}");
        }
    }

    /// <summary>Reads into <paramref name="buf"/>; 0 at end of stream.</summary>
    public static int Receive(TcpEndpoint ep, Span<byte> buf, int timeoutMs = 60_000)
    {
        while (true)
        {
            int n = ep.Receive(buf);
            if (n >= 0) return n;
            if (n != -(int)Errno.EAGAIN) throw new IOException($"recv: {(Errno)(-n)}");
            if (!ep.Wait(PollEvents.In, timeoutMs)) throw new TimeoutException($"recv stalled, state {ep.State}");
        }
    }

    public static TcpEndpoint Accept(TcpEndpoint l, int timeoutMs = 30_000)
    {
        while (true)
        {
            if (l.Accept(out var c) == 0) return c!;
            if (!l.Wait(PollEvents.In, timeoutMs)) throw new TimeoutException("accept timed out");
        }
    }
}
