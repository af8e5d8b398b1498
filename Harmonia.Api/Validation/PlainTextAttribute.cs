using System.ComponentModel.DataAnnotations;

namespace Harmonia.Api.Validation;

/// <summary>Text shown to other people: no control characters, and not only white space.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class PlainTextAttribute() : ValidationAttribute("Use printable text.")
{
    /// <summary>Whether line breaks are allowed (multi-line fields such as a bio).</summary>
    public bool AllowLineBreaks { get; init; }

    /// <summary>Whether the empty string is allowed (a field that can be cleared).</summary>
    public bool AllowEmpty { get; init; }

    public override bool IsValid(object? value) =>
        value is not string text
        || (AllowEmpty && text.Length == 0)
        || (!string.IsNullOrWhiteSpace(text)
            && !text.Any(c => char.IsControl(c) && !(AllowLineBreaks && c is '\n' or '\r')));
}
