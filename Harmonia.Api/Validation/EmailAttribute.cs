using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace Harmonia.Api.Validation;

/// <summary>
/// A plain ASCII address: <c>local@domain.tld</c>, the local part a dot-atom (letters, digits and
/// <c>!#$%&amp;'*+/=?^_`{|}~-</c>, dots between them), the domain LDH labels, at most 64 and 254 characters
/// (RFC 5321). Accounts are keyed by one spelling of an address, so spellings a mail server delivers to the same
/// mailbox (a quoted or escaped local part, fullwidth or other non-ASCII characters) would each make an account and
/// a quota of their own; they are refused. An internationalised domain is typed in its <c>xn--</c> form.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed partial class EmailAttribute()
    : ValidationAttribute("Enter a plain email address such as name@example.com: ASCII characters, no quotes or backslashes; an international domain in its xn-- form.")
{
    private const int MaximumLength = 254;
    private const int MaximumLocalPartLength = 64;

    public override bool IsValid(object? value)
    {
        if (value is not string text)
        {
            return true;
        }

        var address = text.Trim();
        return address.Length <= MaximumLength
            && address.IndexOf('@', StringComparison.Ordinal) is > 0 and <= MaximumLocalPartLength
            && PlainAddress().IsMatch(address);
    }

    // \z, not $: $ also matches before a final line feed.
    [GeneratedRegex(
        @"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\z",
        RegexOptions.CultureInvariant)]
    private static partial Regex PlainAddress();
}
