using System.Text;
using Harmonia.DataStores;

namespace Harmonia.Tests.DataStores;

/// <summary>Cut text stays whole characters, so MongoDB's strict UTF-8 encoding takes it and it shows as typed.</summary>
public sealed class StoredTextTests
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    [Theory]
    [InlineData("short", 10, "short")]
    [InlineData("abcdef", 3, "abc")]
    // An emoji is a surrogate pair: a cut at 3 code units keeps one emoji, not one and a half.
    [InlineData("😀😀😀", 3, "😀")]
    // A family emoji is five emoji joined by zero-width joiners: all of it or none.
    [InlineData("a👨‍👩‍👧‍👦", 5, "a")]
    [InlineData("e\u0301e\u0301", 3, "e\u0301")]
    public void CutKeepsWholeTextElements(string text, int maximumLength, string expected)
    {
        var cut = StoredText.Truncate(text, maximumLength);

        Assert.Equal(expected, cut);
        StrictUtf8.GetBytes(cut);
    }

    [Fact]
    public void ATextElementLongerThanTheLimitIsCutBetweenCodePoints()
    {
        var cut = StoredText.Truncate("😀" + new string('\u0301', 10), 4);

        Assert.Equal("😀\u0301\u0301", cut);
    }
}
