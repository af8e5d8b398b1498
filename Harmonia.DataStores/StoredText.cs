using System.Globalization;
using System.Text;

namespace Harmonia.DataStores;

/// <summary>Text people typed, cut to fit a stored field.</summary>
public static class StoredText
{
    /// <summary>
    /// The longest start of <paramref name="text"/> that is whole text elements (what a reader sees as one character:
    /// a letter with its accents, an emoji with its skin tone or zero-width joiners) and at most
    /// <paramref name="maximumLength"/> UTF-16 code units long. A cut through a surrogate pair leaves half a
    /// character, which MongoDB's driver refuses to encode (it writes strict UTF-8), so the insert throws; a cut
    /// through an emoji sequence shows as a different emoji. Only a first text element longer than the limit on its
    /// own (a letter under hundreds of accents) is cut inside, and then between whole code points.
    /// </summary>
    public static string Truncate(string text, int maximumLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maximumLength);
        if (text.Length <= maximumLength)
        {
            return text;
        }

        var length = 0;
        while (length + StringInfo.GetNextTextElementLength(text.AsSpan(length)) is var next && next <= maximumLength)
        {
            length = next;
        }

        if (length == 0)
        {
            while (length + CodePointLength(text.AsSpan(length)) is var next && next <= maximumLength)
            {
                length = next;
            }
        }

        return text[..length];
    }

    /// <summary>The code units of the code point <paramref name="text"/> starts with; 1 for a lone surrogate.</summary>
    private static int CodePointLength(ReadOnlySpan<char> text)
    {
        Rune.DecodeFromUtf16(text, out _, out var length);
        return length;
    }
}
