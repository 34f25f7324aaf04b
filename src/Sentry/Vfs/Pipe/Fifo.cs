using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Vfs.Pipe;

/// <summary>Opening a named pipe (fifo(7)): readers wait for a writer and writers for a reader unless O_NONBLOCK.</summary>
public static class Fifo
{
    public static int Open(Pipe pipe, int flags, out FileDescription? file)
    {
        file = null;
        int acc = flags & OpenFlags.O_ACCMODE;
        bool nonBlocking = (flags & OpenFlags.O_NONBLOCK) != 0;
        var t = Task.Current;
        if (acc == OpenFlags.O_RDWR)
        {
            file = new PipeEnd(pipe, reader: true, flags, both: true);
            pipe.Queue.Notify();
            return 0;
        }
        if (acc == OpenFlags.O_RDONLY)
        {
            int writerOpens;
            lock (pipe.Lock) writerOpens = pipe.WriterOpens;
            var end = new PipeEnd(pipe, reader: true, flags);
            pipe.Queue.Notify();
            // A writer that opened and already closed again still ends the wait (wait_for_partner).
            if (!nonBlocking && t != null && t.BlockUntil(() => { lock (pipe.Lock) return pipe.Writers > 0 || pipe.WriterOpens != writerOpens; }, -1, pipe.Queue) == BlockResult.Interrupted)
            {
                end.DecRef();
                return -(int)Errno.ERESTARTSYS;
            }
            file = end;
            return 0;
        }
        int readerOpens;
        lock (pipe.Lock)
        {
            if (nonBlocking && pipe.Readers == 0) return -(int)Errno.ENXIO;
            readerOpens = pipe.ReaderOpens;
        }
        var w = new PipeEnd(pipe, reader: false, flags);
        pipe.Queue.Notify();
        if (!nonBlocking && t != null && t.BlockUntil(() => { lock (pipe.Lock) return pipe.Readers > 0 || pipe.ReaderOpens != readerOpens; }, -1, pipe.Queue) == BlockResult.Interrupted)
        {
            w.DecRef();
            return -(int)Errno.ERESTARTSYS;
        }
        file = w;
        return 0;
    }
}
