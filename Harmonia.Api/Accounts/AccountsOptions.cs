using System.ComponentModel.DataAnnotations;

namespace Harmonia.Api.Accounts;

/// <summary>The <c>Harmonia:Accounts</c> section: email verification, password reset and their one-time codes.</summary>
public sealed class AccountsOptions : IValidatableObject
{
    public const string SectionName = "Harmonia:Accounts";

    /// <summary>The app's public address; mail links point at its <c>/verify-email</c> and <c>/reset-password</c> pages, which post the token back.</summary>
    [Required, Url]
    public string PublicUrl { get; set; } = "";

    /// <summary>How long a verification code and link work; a new request replaces them sooner.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan VerificationCodeLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a password-reset code and link work; short, because they hand over the account.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ResetCodeLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Wrong tries a code survives; the next wrong one kills it (the link's token stays valid, as it cannot be guessed).</summary>
    [Range(1, 10)]
    public int MaxCodeAttempts { get; set; } = 5;

    /// <summary>How long a new account may stay unverified before it and everything it made are removed, freeing the address.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan UnverifiedAccountLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often each replica looks for unverified accounts past their lifetime.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RemovalSweepInterval { get; set; } = TimeSpan.FromHours(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(PublicUrl, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
        {
            yield return new ValidationResult("PublicUrl must be an absolute http(s) URL.", [nameof(PublicUrl)]);
        }
    }
}
