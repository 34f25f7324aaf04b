using System.Text;

namespace Sandbox.Shim.Logs;

/// <summary>
/// Follows a CRI log file from its current end and hands each entry's content to a callback
/// (for Attach: the output as the container writes it, also after a server restart). A rotated
/// file (shorter than what was read: the monitor reopened a new one) is followed from its start.
/// </summary>
internal sealed class CriLogTailer(string path, Action<string, ReadOnlyMemory<byte>> onOutput)
{
    private long _position = File.Exists(path) ? new FileInfo(path).Length : 0;
    private readonly MemoryStream _partial = new();

    /// <summary>Reads what was added since the last call.</summary>
    public void Poll()
    {
        try { PollCore(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // rotated under us: next time
    }

    private void PollCore()
    {
        if (!File.Exists(path)) return;
        var info = new FileInfo(path);
        if (info.Length < _position) { _position = 0; _partial.SetLength(0); }
        if (info.Length == _position) return;
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        f.Seek(_position, SeekOrigin.Begin);
        var buf = new byte[info.Length - _position];
        int n = f.ReadAtLeast(buf, buf.Length, throwOnEndOfStream: false);
        _position += n;
        int start = 0;
        for (int i = 0; i < n; i++)
        {
            if (buf[i] != (byte)'\n') continue;
            _partial.Write(buf, start, i - start);
            Emit(_partial.ToArray());
            _partial.SetLength(0);
            start = i + 1;
        }
        _partial.Write(buf, start, n - start);
    }

    private void Emit(byte[] line)
    {
        // <time> <stream> <F|P> <content>
        int a = Array.IndexOf(line, (byte)' ');
        int b = a < 0 ? -1 : Array.IndexOf(line, (byte)' ', a + 1);
        int c = b < 0 ? -1 : Array.IndexOf(line, (byte)' ', b + 1);
        if (c < 0) return;
        string stream = Encoding.ASCII.GetString(line, a + 1, b - a - 1);
        bool full = line[b + 1] == (byte)'F';
        var content = new byte[line.Length - c - 1 + (full ? 1 : 0)];
        Array.Copy(line, c + 1, content, 0, line.Length - c - 1);
        if (full) content[^1] = (byte)'\n';
        onOutput(stream, content);
    }
}
