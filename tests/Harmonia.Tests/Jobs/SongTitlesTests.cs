using System.Text;
using Harmonia.Worker.Jobs;

namespace Harmonia.Tests.Jobs;

public sealed class SongTitlesTests
{
    [Theory]
    [InlineData("  a calm   piano\nmelody ", "A calm piano melody")]
    [InlineData("ünïcode first", "Ünïcode first")]
    [InlineData("x", "X")]
    public void TitleIsThePromptTidied(string prompt, string title) =>
        Assert.Equal(title, SongTitles.FromPrompt(prompt));

    [Fact]
    public void LongPromptIsCutAtAWordBoundary()
    {
        var title = SongTitles.FromPrompt(string.Join(' ', Enumerable.Repeat("melody", 30)));

        Assert.InRange(title.Length, 1, SongTitles.MaximumLength);
        Assert.EndsWith("melody…", title, StringComparison.Ordinal);
    }

    [Fact]
    public void LongPromptWithoutSpacesIsCutAtTheLimit()
    {
        var title = SongTitles.FromPrompt(new string('a', 200));

        Assert.Equal(SongTitles.MaximumLength, title.Length);
        Assert.EndsWith("…", title, StringComparison.Ordinal);
    }

    /// <summary>MongoDB's driver writes strict UTF-8: half an emoji made every attempt's insert throw.</summary>
    [Theory]
    [InlineData("🎹", 40)]
    [InlineData("👍🏽", 20)]
    [InlineData("👩‍🎤", 20)]
    public void LongPromptWithoutSpacesIsCutBetweenWholeCharacters(string character, int count)
    {
        var title = SongTitles.FromPrompt(string.Concat(Enumerable.Repeat(character, count)));

        Assert.InRange(title.Length, 1, SongTitles.MaximumLength);
        Assert.Matches($"^({character})+…$", title);
        new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetBytes(title);
    }
}
