using System.ComponentModel.DataAnnotations;

namespace Harmonia.Api.Auth;

/// <summary>
/// Harmonia's password policy, after NIST SP 800-63B: length over composition rules. A password has 10 to
/// 128 characters, at least 5 of them different, and does not contain the part of the email before the '@' (as the account keeps it: without surrounding white space).
/// </summary>
public static class PasswordPolicy
{
    public const int MinimumLength = 10;
    public const int MaximumLength = 128;
    public const int MinimumDistinctCharacters = 5;

    public static IEnumerable<ValidationResult> Check(string? password, string? email, string memberName)
    {
        if (password is null)
        {
            yield break;
        }

        if (password.Length is < MinimumLength or > MaximumLength)
        {
            yield return new($"Use {MinimumLength} to {MaximumLength} characters.", [memberName]);
        }
        else if (password.Distinct().Count() < MinimumDistinctCharacters)
        {
            yield return new($"Use at least {MinimumDistinctCharacters} different characters.", [memberName]);
        }
        else if (email?.Trim().Split('@')[0] is { Length: >= 3 } localPart && password.Contains(localPart, StringComparison.OrdinalIgnoreCase))
        {
            yield return new("Do not build the password from your email address.", [memberName]);
        }
    }
}
