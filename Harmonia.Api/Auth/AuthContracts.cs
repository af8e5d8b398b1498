using System.ComponentModel.DataAnnotations;
using Harmonia.Api.Validation;

namespace Harmonia.Api.Auth;

public sealed record RegisterRequest(
    [property: Required, Email] string Email,
    [property: Required] string Password,
    [property: Required, StringLength(50), PlainText] string DisplayName) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        PasswordPolicy.Check(Password, Email, nameof(Password));
}

public sealed record LoginRequest(
    [property: Required, StringLength(254)] string Email,
    [property: Required, StringLength(PasswordPolicy.MaximumLength)] string Password);

public sealed record RefreshRequest(
    [property: Required, StringLength(128)] string RefreshToken);

public sealed record ChangePasswordRequest(
    [property: Required, StringLength(PasswordPolicy.MaximumLength)] string CurrentPassword,
    [property: Required] string NewPassword) : IValidatableObject
{
    /// <remarks>The account's address is not in the request: <see cref="AccountService.ChangePasswordAsync"/> checks the new password against it.</remarks>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        PasswordPolicy.Check(NewPassword, email: null, nameof(NewPassword));
}

/// <summary>A signed-in session's credentials: send the access token as <c>Authorization: Bearer</c>, and the refresh token to <c>/auth/refresh</c> for the next pair.</summary>
public sealed record TokenResponse(
    string AccessToken,
    DateTimeOffset AccessTokenExpiresAt,
    string RefreshToken,
    DateTimeOffset RefreshTokenExpiresAt,
    string SessionId)
{
    public string TokenType => "Bearer";
}

/// <summary>One signed-in device.</summary>
public sealed record SessionResponse(
    string Id,
    string Device,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastActivityAt,
    bool Current);
