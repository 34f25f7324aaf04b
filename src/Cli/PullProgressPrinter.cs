using Sandbox.Shim.Images;

namespace Sandbox.Cli;

/// <summary>
/// Shows a pull as `ctr image pull` does. On a terminal: one line per layer (short digest,
/// state, bytes done / total), redrawn in place (cursor up, erase line: ECMA-48 CUU, EL).
/// Otherwise (a pipe, a file, TERM=dumb): one plain line per state change of a layer, no
/// control characters. Both end with the image ID. Reports arrive on the pulling thread, in order.
/// </summary>
internal sealed class PullProgressPrinter(TextWriter output, bool terminal) : IProgress<PullProgress>
{
    private readonly List<(string Digest, PullProgress Last)> _layers = new();
    private readonly object _lock = new();
    private int _drawn;   // lines drawn so far (terminal mode)

    public static bool IsTerminal()
        => !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") is { Length: > 0 } t && t != "dumb";

    public void Report(PullProgress p)
    {
        lock (_lock)
        {
            if (p.Phase == PullPhase.Done)
            {
                if (terminal) Redraw();
                output.WriteLine($"image {p.Digest}");
                output.Flush();
                return;
            }
            int i = _layers.FindIndex(l => l.Digest == p.Digest);
            bool changed = i < 0 || _layers[i].Last.Phase != p.Phase;
            if (i < 0) _layers.Add((p.Digest, p));
            else _layers[i] = (p.Digest, p);
            if (terminal) Redraw();
            else if (changed) output.WriteLine($"{p.Digest}: {Describe(p)}");
            output.Flush();
        }
    }

    private void Redraw()
    {
        if (_drawn > 0) output.Write($"\e[{_drawn}A");
        foreach (var (digest, last) in _layers)
            output.Write($"\r\e[2K{digest[7..Math.Min(digest.Length, 19)]}  {Describe(last)}\n");
        _drawn = _layers.Count;
    }

    private static string Describe(PullProgress p) => p.Phase switch
    {
        PullPhase.Waiting => $"waiting      {Size(p.Total)}",
        PullPhase.Downloading => $"downloading  {Size(p.Bytes)} / {Size(p.Total)}",
        PullPhase.Downloaded => $"downloaded   {Size(p.Total)}",
        PullPhase.Exists => $"exists       {Size(p.Total)}",
        PullPhase.Unpacking => "unpacking",
        PullPhase.Unpacked => "unpacked",
        _ => p.Phase.ToString(),
    };

    internal static string Size(long n) => n switch
    {
        < 1024 => $"{n} B",
        < 1024 * 1024 => $"{n / 1024.0:0.0} KiB",
        < 1024L * 1024 * 1024 => $"{n / (1024.0 * 1024):0.0} MiB",
        _ => $"{n / (1024.0 * 1024 * 1024):0.00} GiB",
    };
}
