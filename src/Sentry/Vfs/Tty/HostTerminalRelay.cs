using Sandbox.Linux.Native;

namespace Sandbox.Sentry.Vfs.Tty;

/// <summary>
/// The host side of `sandbox run -t`: what arrives on the sandbox's own stdin is typed at the
/// program's terminal (the master), and what the terminal shows goes to the sandbox's stdout.
/// End of input is typed as the VEOF character, as a user pressing ^D.
/// </summary>
public sealed unsafe class HostTerminalRelay : IDisposable
{
    private readonly Pty _pty;
    private readonly int _in, _out;
    private readonly Thread _reader, _writer;
    private volatile bool _stopping;

    public HostTerminalRelay(Pty pty, int hostIn = 0, int hostOut = 1)
    {
        _pty = pty; _in = hostIn; _out = hostOut;
        _reader = new Thread(ReadInput) { IsBackground = true, Name = "tty input" };
        _writer = new Thread(WriteOutput) { IsBackground = true, Name = "tty output" };
        _reader.Start();
        _writer.Start();
    }

    private void ReadInput()
    {
        var buf = new byte[4096];
        while (!_stopping)
        {
            long n;
            fixed (byte* p = buf) n = Sys.Syscall(Sys.SYS_read, _in, (long)p, buf.Length);
            if (n == -4 /* EINTR */) continue;
            if (n <= 0)
            {
                byte eof;
                lock (_pty.Lock) eof = _pty.Ld.Canonical ? _pty.Ld.Cc[Linux.Abi.Termios.VEOF] : (byte)0;
                if (eof != 0) _pty.MasterWrite(new[] { eof }, nonBlocking: false);
                return;
            }
            _pty.MasterWrite(buf.AsSpan(0, (int)n), nonBlocking: false);
            if (_pty.HungUp) return;
        }
    }

    private void WriteOutput()
    {
        var buf = new byte[16 << 10];
        while (true)
        {
            int n;
            lock (_pty.Lock)
            {
                while (_pty.Ld.OutputCount == 0)
                {
                    if (_stopping) return;
                    Monitor.Wait(_pty.Lock, 200);
                }
                n = _pty.Ld.ReadOutput(buf);
            }
            _pty.Notify(); // writers blocked on a full queue
            for (int off = 0; off < n;)
            {
                long w;
                fixed (byte* p = buf) w = Sys.Syscall(Sys.SYS_write, _out, (long)(p + off), n - off);
                if (w == -4) continue;
                if (w <= 0) break;
                off += (int)w;
            }
        }
    }

    /// <summary>Shows what the program wrote last, then stops relaying.</summary>
    public void Dispose()
    {
        _stopping = true;
        lock (_pty.Lock) Monitor.PulseAll(_pty.Lock);
        _writer.Join(2000);
    }
}
