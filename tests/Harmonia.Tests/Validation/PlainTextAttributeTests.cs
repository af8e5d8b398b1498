using Harmonia.Api.Validation;

namespace Harmonia.Tests.Validation;

/// <summary>Text shown to other people has something visible in it, and nothing that hides or reorders it.</summary>
public sealed class PlainTextAttributeTests
{
    private readonly PlainTextAttribute _singleLine = new();
    private readonly PlainTextAttribute _multiLine = new() { AllowLineBreaks = true, AllowEmpty = true };

    [Theory]
    [InlineData("Ada")]
    [InlineData("Zoë Ørsted-Łukasz")]
    [InlineData("山田 太郎")]
    [InlineData("مريم")]
    [InlineData("\U0001F468\u200D\U0001F469\u200D\U0001F467")] // family: man, ZWJ, woman, ZWJ, girl
    [InlineData("\u2764\uFE0F DJ")] // red heart with its emoji variation selector
    [InlineData("1\uFE0F\u20E3 fan")] // keycap one
    [InlineData("a\u00ADb")] // soft hyphen beside letters
    public void VisibleTextIsAccepted(string text) => Assert.True(_singleLine.IsValid(text));

    [Theory]
    [InlineData("\u200B")] // zero-width space alone
    [InlineData("\u200B \u200D\uFEFF")]
    [InlineData("\u3164")] // Hangul filler
    [InlineData("\u2800\u2800")] // braille blank
    [InlineData("\u0301")] // a combining accent alone
    [InlineData("   ")]
    [InlineData("")]
    public void TextWithNothingVisibleIsRefused(string text) => Assert.False(_singleLine.IsValid(text));

    [Theory]
    [InlineData("admin\u202Enimda")]
    [InlineData("\u202Aleft embedding")]
    [InlineData("\u202Bright embedding")]
    [InlineData("\u202Cpop")]
    [InlineData("\u202Dleft override")]
    [InlineData("\u2066isolate\u2069")]
    [InlineData("\u2067isolate")]
    [InlineData("\u2068isolate")]
    [InlineData("bell\u0007")]
    public void ControlsThatHideOrReorderTextAreRefused(string text) => Assert.False(_singleLine.IsValid(text));

    [Theory]
    [InlineData("line\u2028break")]
    [InlineData("paragraph\u2029break")]
    [InlineData("line\nbreak")]
    public void ASingleLineFieldRefusesEveryLineBreak(string text) => Assert.False(_singleLine.IsValid(text));

    [Fact]
    public void AMultiLineFieldTakesLineFeedsButNotUnicodeSeparatorsOrOverrides()
    {
        Assert.True(_multiLine.IsValid("first line\r\nsecond line"));
        Assert.True(_multiLine.IsValid(""));
        Assert.False(_multiLine.IsValid("first\u2028second"));
        Assert.False(_multiLine.IsValid("bio \u202Egnirts"));
        Assert.False(_multiLine.IsValid("\n\u200B\n"));
    }
}
