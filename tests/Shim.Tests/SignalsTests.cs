using Sandbox.Shim.Util;

namespace Sandbox.Shim.Tests;

public class SignalsTests
{
    [Theory]
    [InlineData("SIGTERM", 15)]
    [InlineData("TERM", 15)]
    [InlineData("sigquit", 3)]
    [InlineData("9", 9)]
    [InlineData("SIGRTMIN+3", 37)]
    [InlineData("SIGRTMINPLUS3", 37)]
    [InlineData("SIGIOT", 6)]
    public void Parses_names_and_numbers(string s, int n) => Assert.Equal(n, Signals.Parse(s));

    [Theory]
    [InlineData("")]
    [InlineData("SIGNOPE")]
    [InlineData("99")]
    public void Rejects_unknown(string s) => Assert.Null(Signals.Parse(s));

    [Fact]
    public void Names_round_trip() => Assert.All(Enumerable.Range(1, 64), n => Assert.Equal(n, Signals.Parse(Signals.Name(n))));
}
