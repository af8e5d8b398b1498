using System.ComponentModel.DataAnnotations;
using System.Net.Mail;

namespace Harmonia.Api.Validation;

/// <summary>
/// A deliverable-looking address: one <c>local@domain.tld</c>, no display name or comments, at most 254
/// characters (RFC 5321). Stricter than <see cref="EmailAddressAttribute"/>, which only looks for an '@'.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class EmailAttribute() : ValidationAttribute("Enter an email address such as name@example.com.")
{
    private const int MaximumLength = 254;

    public override bool IsValid(object? value) =>
        value is not string text
        || (text.Length <= MaximumLength
            && MailAddress.TryCreate(text.Trim(), out var address)
            && address.Address == text.Trim()
            && address.Host.Contains('.', StringComparison.Ordinal)
            && !address.Host.EndsWith('.'));
}
