using System.Buffers;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Vfs;
using Sandbox.Sentry.Vfs.Pipe;

namespace Sandbox.Sentry.Syscalls;

/// <summary>
/// Moving data between two files without the program's buffer: sendfile, splice, tee,
/// copy_file_range. The Sentry copies through one pooled buffer.
/// </summary>
internal static unsafe class FileTransfer
{
    private const long MaxRw = 0x7ffff000;
    private const int Chunk = 1 << 16;
    private const uint SPLICE_F_NONBLOCK = 2, SPLICE_F_ALL = 0xf;

    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Sendfile] = &Sendfile;
        t[Sysno.Splice] = &Splice;
        t[Sysno.Tee] = &Tee;
        t[Sysno.CopyFileRange] = &CopyFileRange;
    }

    /// <summary>
    /// Copies up to <paramref name="count"/> bytes. A pipe or other stream on the input is read
    /// once (never blocking again after data came); a regular file is read until count or EOF.
    /// Offsets of -1 mean the files' own positions.
    /// </summary>
    private static long Copy(FileDescription input, ref long inOff, FileDescription output, ref long outOff, long count)
    {
        var buf = ArrayPool<byte>.Shared.Rent(Chunk);
        long done = 0;
        try
        {
            while (done < count)
            {
                int want = (int)Math.Min(Chunk, count - done);
                long n = input.Read(buf.AsSpan(0, want), inOff);
                if (n < 0) return done > 0 ? done : n;
                if (n == 0) break;
                long w = output.Write(buf.AsSpan(0, (int)n), outOff);
                if (w < 0) return done > 0 ? done : w;
                if (inOff >= 0) inOff += w;
                else if (w < n && input.Positional) input.Seek(w - n, Linux.Abi.Seek.CUR);
                if (outOff >= 0) outOff += w;
                done += w;
                if (w < n || !input.Positional) break;
            }
            return done;
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }

    private static int ReadOffset(Task t, ulong addr, out long off)
    {
        off = -1;
        if (addr == 0) return 0;
        int r = t.MM.Read(addr, out off);
        if (r < 0) return r;
        return off < 0 ? -(int)Errno.EINVAL : 0;
    }

    // sendfile(2): in_fd must be a file that can be read at an offset; a NULL offset uses and advances its position.
    private static long Sendfile(Task t)
    {
        var output = t.Fds.Get((int)t.A0);
        var input = t.Fds.Get((int)t.A1);
        if (input == null || output == null || !input.Readable || !output.Writable) return Err.EBADF;
        if ((output.Flags & OpenFlags.O_APPEND) != 0) return Err.EINVAL;
        if (!input.Positional || (input.Stat(out var ist) == 0 && FileMode.IsDir(ist.Mode))) return Err.EINVAL;
        int r = ReadOffset(t, t.A2, out long off);
        if (r < 0) return r;
        long count = (long)Math.Min(t.A3, (ulong)MaxRw);
        long outOff = -1;
        long n = Copy(input, ref off, output, ref outOff, count);
        if (t.A2 != 0 && n >= 0 && (r = t.MM.Write(t.A2, off)) < 0) return r;
        return n;
    }

    // copy_file_range(2): between regular files, flags must be 0, no overlap within one file.
    private static long CopyFileRange(Task t)
    {
        var input = t.Fds.Get((int)t.A0);
        var output = t.Fds.Get((int)t.A2);
        if (input == null || output == null || (input.Flags & OpenFlags.O_PATH) != 0 || (output.Flags & OpenFlags.O_PATH) != 0) return Err.EBADF;
        // The kernel's order: offsets copied in, flags, file types, access modes, then the offsets' values.
        long inOff = -1, outOff = -1;
        int r = t.A1 != 0 ? t.MM.Read(t.A1, out inOff) : 0;
        if (r == 0 && t.A3 != 0) r = t.MM.Read(t.A3, out outOff);
        if (r < 0) return r;
        if (t.A5 != 0) return Err.EINVAL;
        if (input.Stat(out var ist) < 0 || output.Stat(out var ost) < 0) return Err.EBADF;
        if (FileMode.IsDir(ist.Mode) || FileMode.IsDir(ost.Mode)) return Err.EISDIR;
        if (!FileMode.IsReg(ist.Mode) || !FileMode.IsReg(ost.Mode)) return Err.EINVAL;
        if (!input.Readable || !output.Writable || (output.Flags & OpenFlags.O_APPEND) != 0) return Err.EBADF;
        if ((t.A1 != 0 && inOff < 0) || (t.A3 != 0 && outOff < 0)) return -(long)Errno.EOVERFLOW;
        if (t.A1 == 0) inOff = -1;
        if (t.A3 == 0) outOff = -1;
        long count = (long)Math.Min(t.A4, (ulong)MaxRw);
        if (ist.Dev == ost.Dev && ist.Ino == ost.Ino)
        {
            long a = inOff >= 0 ? inOff : input.Seek(0, Linux.Abi.Seek.CUR), b = outOff >= 0 ? outOff : output.Seek(0, Linux.Abi.Seek.CUR);
            if (a < b + count && b < a + count) return Err.EINVAL;
        }
        if (count == 0) return 0;
        long n = Copy(input, ref inOff, output, ref outOff, count);
        if (n > 0 && t.A1 != 0 && (r = t.MM.Write(t.A1, inOff)) < 0) return r;
        if (n > 0 && t.A3 != 0 && (r = t.MM.Write(t.A3, outOff)) < 0) return r;
        return n;
    }

    // splice(2): one side must be a pipe; a pipe takes no offset (ESPIPE).
    private static long Splice(Task t)
    {
        var input = t.Fds.Get((int)t.A0);
        var output = t.Fds.Get((int)t.A2);
        uint flags = (uint)t.A5;
        if ((flags & ~SPLICE_F_ALL) != 0) return Err.EINVAL;
        if (input == null || output == null || !input.Readable || !output.Writable) return Err.EBADF;
        bool inPipe = input is PipeEnd, outPipe = output is PipeEnd;
        if (!inPipe && !outPipe) return Err.EINVAL;
        if ((inPipe && t.A1 != 0) || (outPipe && t.A3 != 0)) return Err.ESPIPE;
        if ((output.Flags & OpenFlags.O_APPEND) != 0 && !outPipe) return Err.EINVAL;
        if (inPipe && outPipe && ((PipeEnd)input).Pipe == ((PipeEnd)output).Pipe) return Err.EINVAL;
        int r = ReadOffset(t, t.A1, out long inOff);
        if (r == 0) r = ReadOffset(t, t.A3, out _);
        if (r < 0) return r;
        ReadOffset(t, t.A3, out long outOff);
        if ((inOff >= 0 && !input.Positional) || (outOff >= 0 && !output.Positional)) return Err.ESPIPE;
        long count = (long)Math.Min(t.A4, (ulong)MaxRw);
        if (count == 0) return 0;
        // SPLICE_F_NONBLOCK makes the pipe side non-blocking for this call.
        int inFlags = input.Flags, outFlags = output.Flags;
        if ((flags & SPLICE_F_NONBLOCK) != 0) { if (inPipe) input.Flags |= OpenFlags.O_NONBLOCK; if (outPipe) output.Flags |= OpenFlags.O_NONBLOCK; }
        long n;
        try { n = Copy(input, ref inOff, output, ref outOff, count); }
        finally { if ((flags & SPLICE_F_NONBLOCK) != 0) { input.Flags = inFlags; output.Flags = outFlags; } }
        if (n > 0 && t.A1 != 0 && (r = t.MM.Write(t.A1, inOff)) < 0) return r;
        if (n > 0 && t.A3 != 0 && (r = t.MM.Write(t.A3, outOff)) < 0) return r;
        return n;
    }

    // tee(2): duplicates what one pipe holds into another, consuming nothing.
    private static long Tee(Task t)
    {
        var input = t.Fds.Get((int)t.A0) as PipeEnd;
        var output = t.Fds.Get((int)t.A1) as PipeEnd;
        uint flags = (uint)t.A3;
        if ((flags & ~SPLICE_F_ALL) != 0) return Err.EINVAL;
        if (t.Fds.Get((int)t.A0) == null || t.Fds.Get((int)t.A1) == null) return Err.EBADF;
        if (input == null || output == null || !input.Readable || !output.Writable) return Err.EINVAL;
        if (input.Pipe == output.Pipe) return Err.EINVAL;
        long count = (long)Math.Min(t.A2, (ulong)MaxRw);
        if (count == 0) return 0;
        var pipe = input.Pipe;
        bool nonBlocking = (flags & SPLICE_F_NONBLOCK) != 0 || input.NonBlocking;
        var buf = ArrayPool<byte>.Shared.Rent(Chunk);
        try
        {
            int n;
            while (true)
            {
                lock (pipe.Lock)
                {
                    n = pipe.PeekLocked(buf.AsSpan(0, (int)Math.Min(count, Math.Min(Chunk, output.Pipe.Capacity))));
                    if (n > 0 || pipe.Writers == 0) break;
                }
                if (nonBlocking) return Err.EAGAIN;
                if (t.BlockUntil(() => { lock (pipe.Lock) return pipe.CountLocked > 0 || pipe.Writers == 0; }, -1, pipe.Queue) == BlockResult.Interrupted)
                    return -(long)Errno.ERESTARTSYS;
            }
            if (n == 0) return 0;
            return output.Pipe.Write(buf.AsSpan(0, n), (flags & SPLICE_F_NONBLOCK) != 0 || output.NonBlocking);
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }
}
