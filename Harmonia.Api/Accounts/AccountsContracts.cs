using System.ComponentModel.DataAnnotations;
using Harmonia.Api.Auth;

namespace Harmonia.Api.Accounts;

/// <summary>Asks for a mail to an address (a new verification code, a reset code).</summary>
public sealed record EmailRequest([property: Required, StringLength(254)] string Email);

/// <summary>Proves the address with the mailed code, or with the token from the mail's link.</summary>
public sealed record VerifyEmailRequest(
    [property: Required, StringLength(254)] string Email,
    [property: RegularExpression("^[0-9]{6}$", ErrorMessage = "The code has six digits.")] string? Code,
    [property: StringLength(64)] string? Token) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => CodeOrToken.Check(Code, Token);

    public CodeProof Proof => new(Code, Token);
}

/// <summary>Sets a new password with the mailed code, or with the token from the mail's link.</summary>
public sealed record ResetPasswordRequest(
    [property: Required, StringLength(254)] string Email,
    [property: RegularExpression("^[0-9]{6}$", ErrorMessage = "The code has six digits.")] string? Code,
    [property: StringLength(64)] string? Token,
    [property: Required] string NewPassword) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        CodeOrToken.Check(Code, Token).Concat(PasswordPolicy.Check(NewPassword, Email, nameof(NewPassword)));

    public CodeProof Proof => new(Code, Token);
}

/// <summary>
/// The one answer to every request that may send mail, whether or not the address has an account, so the
/// answer tells nobody which addresses do.
/// </summary>
public sealed record MailAcceptedResponse(string Message)
{
    public static readonly MailAcceptedResponse Instance =
        new("If the address can receive mail from Harmonia, a message is on its way. It may take a minute.");
}

internal static class CodeOrToken
{
    public static IEnumerable<ValidationResult> Check(string? code, string? token)
    {
        if ((code is null) == (token is null))
        {
            yield return new ValidationResult("Send either the code from the mail or the token from its link.", ["code", "token"]);
        }
    }
}
