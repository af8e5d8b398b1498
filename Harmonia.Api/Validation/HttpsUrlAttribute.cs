using System.ComponentModel.DataAnnotations;

namespace Harmonia.Api.Validation;

/// <summary>An absolute https URL, or the empty string (which clears the field).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class HttpsUrlAttribute() : ValidationAttribute("Use an absolute https:// URL.")
{
    public override bool IsValid(object? value) =>
        value is not string text
        || text.Length == 0
        || (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && !string.IsNullOrEmpty(uri.Host));
}
