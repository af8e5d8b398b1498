using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;

namespace Harmonia.Api.Validation;

/// <summary>
/// Text shown to other people: at least one visible character, and nothing that hides or rearranges text. No control
/// characters, no bidirectional overrides, embeddings or isolates (U+202A–U+202E, U+2066–U+2069: a name could show
/// as another's), no line or paragraph separators (U+2028, U+2029). Other format characters may appear, because emoji
/// sequences are built with U+200D (zero-width joiner) and U+FE0F (variation selector), but never alone: a name of
/// zero-width spaces looks empty.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class PlainTextAttribute() : ValidationAttribute("Use printable text.")
{
    /// <summary>Letters and symbols fonts draw as nothing, a known way to make a name look empty.</summary>
    private static readonly HashSet<int> BlankLetters = [0x115F, 0x1160, 0x2800, 0x3164, 0xFFA0];

    /// <summary>Whether line breaks are allowed (multi-line fields such as a bio).</summary>
    public bool AllowLineBreaks { get; init; }

    /// <summary>Whether the empty string is allowed (a field that can be cleared).</summary>
    public bool AllowEmpty { get; init; }

    public override bool IsValid(object? value)
    {
        if (value is not string text || (AllowEmpty && text.Length == 0))
        {
            return true;
        }

        var visible = false;
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsRefused(rune))
            {
                return false;
            }

            visible |= IsVisible(rune);
        }

        return visible;
    }

    private bool IsRefused(Rune rune) =>
        (Rune.IsControl(rune) && !(AllowLineBreaks && rune.Value is '\n' or '\r'))
        || rune.Value is (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069) or 0x2028 or 0x2029;

    /// <summary>Whether the character draws something by itself: not white space, a format character or a mark.</summary>
    private static bool IsVisible(Rune rune) =>
        !Rune.IsWhiteSpace(rune)
        && Rune.GetUnicodeCategory(rune) is not (UnicodeCategory.Format or UnicodeCategory.NonSpacingMark
            or UnicodeCategory.EnclosingMark or UnicodeCategory.Control)
        && !BlankLetters.Contains(rune.Value);
}
