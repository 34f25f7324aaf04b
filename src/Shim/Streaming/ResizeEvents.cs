using System.IO.Pipelines;
using System.Text.Json;

namespace Sandbox.Shim.Streaming;

/// <summary>
/// The remotecommand resize channel: a sequence of JSON objects {"Width":W,"Height":H}
/// (kubectl's TerminalSize), one after the other with no separator.
/// </summary>
internal static class ResizeEvents
{
    public static async Task ApplyAsync(PipeReader from, Func<int, int, Task> resize)
    {
        var pending = new List<byte>();
        try
        {
            while (true)
            {
                var r = await from.ReadAsync();
                foreach (var seg in r.Buffer) pending.AddRange(seg.Span.ToArray());
                from.AdvanceTo(r.Buffer.End);
                foreach (var (rows, cols) in Take(pending)) await resize(rows, cols);
                if (r.IsCompleted) return;
            }
        }
        catch (IOException) { }
    }

    /// <summary>Removes every complete object from the front of <paramref name="buf"/> and returns the sizes (rows, cols) they carry.</summary>
    internal static List<(int Rows, int Cols)> Take(List<byte> buf)
    {
        var sizes = new List<(int, int)>();
        while (true)
        {
            int end = buf.IndexOf((byte)'}');
            if (end < 0) return sizes;
            var one = buf.GetRange(0, end + 1).ToArray();
            buf.RemoveRange(0, end + 1);
            try
            {
                using var doc = JsonDocument.Parse(one.AsMemory(Math.Max(0, Array.IndexOf(one, (byte)'{'))));
                int w = 0, h = 0;
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    if (p.Name.Equals("Width", StringComparison.OrdinalIgnoreCase) && p.Value.TryGetInt32(out var x)) w = x;
                    else if (p.Name.Equals("Height", StringComparison.OrdinalIgnoreCase) && p.Value.TryGetInt32(out var y)) h = y;
                }
                if (w > 0 && h > 0) sizes.Add((h, w));
            }
            catch (JsonException) { } // not a size: skipped
        }
    }
}
