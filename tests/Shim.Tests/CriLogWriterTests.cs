using System.Text;
using System.Text.RegularExpressions;
using Sandbox.Shim.Logs;
using Sandbox.Shim.Tests.Support;
using Sandbox.Shim.Util;

namespace Sandbox.Shim.Tests;

public class CriLogWriterTests
{
    private static readonly Regex Line = new(@"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z) (stdout|stderr) ([FP]) (.*)$");

    [Fact]
    public async Task Writes_the_cri_format_with_partial_lines()
    {
        using var d = new TempDir();
        string path = Path.Combine(d.Path, "sub", "c.log");
        using (var w = new CriLogWriter(path))
        {
            var data = "one\ntwo\n" + new string('x', CriLogWriter.MaxLine + 10) + "\nlast-no-newline";
            await w.PumpAsync(new MemoryStream(Encoding.UTF8.GetBytes(data)), "stdout");
            await w.PumpAsync(new MemoryStream("err\n"u8.ToArray()), "stderr");
        }
        var lines = File.ReadAllLines(path);
        var parsed = lines.Select(l => Line.Match(l)).ToList();
        Assert.All(parsed, m => Assert.True(m.Success));
        Assert.Equal(new[] { "one", "two" }, parsed.Take(2).Select(m => m.Groups[5].Value));
        Assert.Equal("P", parsed[2].Groups[4].Value);
        Assert.Equal(CriLogWriter.MaxLine, parsed[2].Groups[5].Value.Length);
        Assert.Equal(("F", new string('x', 10)), (parsed[3].Groups[4].Value, parsed[3].Groups[5].Value));
        Assert.Equal(("F", "last-no-newline"), (parsed[4].Groups[4].Value, parsed[4].Groups[5].Value));
        Assert.Equal(("stderr", "err"), (parsed[5].Groups[3].Value, parsed[5].Groups[5].Value));
    }

    [Fact]
    public async Task An_unfinished_line_is_written_as_partial_after_a_pause()
    {
        using var d = new TempDir();
        string path = Path.Combine(d.Path, "c.log");
        var pipe = new System.IO.Pipelines.Pipe();
        using var w = new CriLogWriter(path);
        var pump = w.PumpAsync(pipe.Reader.AsStream(), "stdout");
        await pipe.Writer.WriteAsync("prompt> "u8.ToArray());
        await Task.Delay(CriLogWriter.PartialDelay * 4);
        Assert.EndsWith(" stdout P prompt> ", File.ReadAllText(path).TrimEnd('\n'));
        await pipe.Writer.WriteAsync("answer\n"u8.ToArray());
        await pipe.Writer.CompleteAsync();
        await pump;
        Assert.EndsWith(" stdout F answer", File.ReadAllText(path).TrimEnd('\n'));
    }

    [Fact]
    public void Reopen_continues_in_a_new_file_after_rotation()
    {
        using var d = new TempDir();
        string path = Path.Combine(d.Path, "c.log");
        using var w = new CriLogWriter(path);
        w.WriteEntry("stdout", "before"u8, false);
        File.Move(path, path + ".1");
        w.WriteEntry("stdout", "still old"u8, false);
        w.Reopen();
        w.WriteEntry("stdout", "after"u8, false);
        Assert.EndsWith("F after", File.ReadAllText(path).TrimEnd());
        Assert.Contains("still old", File.ReadAllText(path + ".1"));
    }

    [Fact]
    public void Rfc3339Nano_trims_trailing_zeros_like_go()
    {
        Assert.Equal("2024-01-02T03:04:05Z", Clock.Rfc3339Nano(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc)));
        Assert.Equal("2024-01-02T03:04:05.12Z", Clock.Rfc3339Nano(new DateTime(2024, 1, 2, 3, 4, 5, 120, DateTimeKind.Utc)));
        Assert.Equal("2024-01-02T03:04:05.0000001Z", Clock.Rfc3339Nano(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(1)));
    }
}
