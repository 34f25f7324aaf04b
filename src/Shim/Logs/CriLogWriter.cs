using System.Text;
using Sandbox.Shim.Util;

namespace Sandbox.Shim.Logs;

/// <summary>
/// Writes a container's output in the CRI log format the kubelet reads:
/// <c>&lt;RFC3339Nano time&gt; &lt;stdout|stderr&gt; &lt;F|P&gt; &lt;content&gt;\n</c>, one line per
/// output line; a line longer than <see cref="MaxLine"/> bytes, or one the program leaves
/// unfinished for a while, is written in pieces tagged P (partial) with its last piece tagged F.
/// </summary>
public sealed class CriLogWriter : IDisposable
{
    public const int MaxLine = 16 * 1024;
    /// <summary>How long an unfinished line waits for its end before it is written as a partial entry.</summary>
    public static readonly TimeSpan PartialDelay = TimeSpan.FromMilliseconds(100);
    private readonly string? _path;
    private readonly object _lock = new();
    private FileStream? _file;

    /// <param name="path">The log file, or null to discard output.</param>
    public CriLogWriter(string? path)
    {
        _path = string.IsNullOrEmpty(path) ? null : path;
        Open();
    }

    private void Open()
    {
        if (_path == null) return;
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        _file = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
    }

    /// <summary>Closes and opens the file again at the same path (after the kubelet rotated it).</summary>
    public void Reopen()
    {
        lock (_lock)
        {
            _file?.Dispose();
            _file = null;
            Open();
        }
    }

    public void WriteEntry(string stream, ReadOnlySpan<byte> content, bool partial)
    {
        lock (_lock)
        {
            if (_file == null) return;
            var head = Encoding.ASCII.GetBytes($"{Clock.Rfc3339Nano(DateTime.UtcNow)} {stream} {(partial ? 'P' : 'F')} ");
            var buf = new byte[head.Length + content.Length + 1];
            head.CopyTo(buf, 0);
            content.CopyTo(buf.AsSpan(head.Length));
            buf[^1] = (byte)'\n';
            _file.Write(buf);
            _file.Flush();
        }
    }

    /// <summary>Copies one output stream of the container into the log until it ends.</summary>
    public async Task PumpAsync(Stream source, string stream)
    {
        var pending = new MemoryStream();
        var buf = new byte[8192];
        int n;
        while (true)
        {
            // A line the program leaves unfinished while it waits (a prompt, `echo -n`) is written
            // as a partial entry after a short pause, so log readers (and Attach) see it now.
            var read = source.ReadAsync(buf).AsTask();
            if (pending.Length > 0 && await Task.WhenAny(read, Task.Delay(PartialDelay)).ConfigureAwait(false) != read)
                Flush(pending, stream, partial: true);
            if ((n = await read.ConfigureAwait(false)) <= 0) break;
            int start = 0;
            for (int i = 0; i < n; i++)
            {
                if (buf[i] == (byte)'\n')
                {
                    pending.Write(buf, start, i - start);
                    Flush(pending, stream, partial: false);
                    start = i + 1;
                }
                else if (pending.Length + (i - start + 1) >= MaxLine)
                {
                    pending.Write(buf, start, i - start + 1);
                    Flush(pending, stream, partial: true);
                    start = i + 1;
                }
            }
            pending.Write(buf, start, n - start);
        }
        // A last line without its newline is still a whole line (as containerd writes it).
        if (pending.Length > 0) Flush(pending, stream, partial: false);
    }

    private void Flush(MemoryStream pending, string stream, bool partial)
    {
        WriteEntry(stream, pending.GetBuffer().AsSpan(0, (int)pending.Length), partial);
        pending.SetLength(0);
    }

    public void Dispose()
    {
        lock (_lock) { _file?.Dispose(); _file = null; }
    }
}
