namespace Sandbox.Netstack;

/// <summary>
/// The thread that feeds a host link into a stack: waits for frames (or the next timer), hands
/// them over in batches so ACKs and output are coalesced per batch, and runs the timers.
/// </summary>
public sealed class LinkDispatcher : IDisposable
{
    private readonly NetStack _stack;
    private readonly Nic _nic;
    private readonly FdLinkEndpoint _link;
    private readonly Thread _thread;
    private volatile bool _stop;
    private const int Batch = 64;

    public LinkDispatcher(NetStack stack, Nic nic, FdLinkEndpoint link)
    {
        _stack = stack; _nic = nic; _link = link;
        _thread = new Thread(Loop) { IsBackground = true, Name = "netstack-" + nic.Name };
        _thread.Start();
    }

    private void Loop()
    {
        var buf = new byte[65536 + 64];
        while (!_stop)
        {
            try { Step(buf); }
            catch (Exception)
            {
                // Never let a stack bug end the thread (and with it the Sentry); count it.
                Interlocked.Increment(ref _stack.Stats.InternalErrors);
            }
        }
    }

    private void Step(byte[] buf)
    {
        long deadline = _stack.NextDeadlineUs;
        long now = _stack.Clock.NowUs;
        int timeout = deadline == long.MaxValue ? 50 : (int)Math.Clamp((deadline - now + 999) / 1000, 0, 50);
        if (_link.WaitReadable(timeout) > 0)
        {
            if (_link.IsPacketSocket)
            {
                int n = _link.ReceiveBatch();
                for (int i = 0; i < n; i++)
                {
                    var f = _link.BatchFrame(i, out bool verified);
                    if (f.Length > 0) _stack.DeliverFrame(_nic, f, settle: false, checksumVerified: verified);
                }
            }
            else
            {
                for (int i = 0; i < Batch; i++)
                {
                    int n = _link.Receive(buf, out int off, out bool verified);
                    if (n < 0) break;
                    if (n > 0) _stack.DeliverFrame(_nic, buf.AsSpan(off, n), settle: false, checksumVerified: verified);
                }
            }
            _stack.Settle();
        }
        _stack.RunTimers();
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
