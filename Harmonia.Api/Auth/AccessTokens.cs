using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Harmonia.Api.Auth;

/// <summary>Issues access tokens and describes how they are validated; the two must agree, so they live together.</summary>
public sealed class AccessTokens(IOptions<AuthOptions> options, TimeProvider timeProvider)
{
    public const string UserIdClaim = JwtRegisteredClaimNames.Sub;
    public const string SessionIdClaim = JwtRegisteredClaimNames.Sid;
    public const string RoleClaim = "role";
    public const string AdminRole = "admin";

    /// <summary>How far past its expiry a token is still accepted, for clocks that differ between issuer and validator.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private readonly JsonWebTokenHandler _handler = new();
    private readonly SigningCredentials _credentials = new(SigningKey(options.Value), SecurityAlgorithms.HmacSha256);

    /// <param name="issuedAt">
    /// When the token counts as issued; a refresh passes the time it started, before it read the session, so that a
    /// token minted by a refresh racing a revocation expires no later than one issued just before the revocation.
    /// </param>
    public (string Token, DateTimeOffset ExpiresAt) Issue(string userId, string sessionId, IEnumerable<string> roles, DateTimeOffset? issuedAt = null)
    {
        var now = issuedAt ?? timeProvider.GetUtcNow();
        var expiresAt = now + options.Value.AccessTokenLifetime;
        var claims = new Dictionary<string, object>
        {
            [UserIdClaim] = userId,
            [SessionIdClaim] = sessionId,
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
        };
        if (roles.ToArray() is { Length: > 0 } granted)
        {
            claims[RoleClaim] = granted;
        }

        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Value.Issuer,
            Audience = options.Value.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expiresAt.UtcDateTime,
            Claims = claims,
            SigningCredentials = _credentials,
        });
        return (token, expiresAt);
    }

    /// <summary>
    /// Exactly what this service issues: its issuer and audience, an unexpired lifetime, and an HS256 signature
    /// with its key. Any other algorithm (<c>none</c>, or RS256 over the same key bytes) is refused.
    /// </summary>
    public static TokenValidationParameters ValidationParameters(AuthOptions options) => new()
    {
        ValidIssuer = options.Issuer,
        ValidAudience = options.Audience,
        IssuerSigningKey = SigningKey(options),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ClockSkew = ClockSkew,
        NameClaimType = UserIdClaim,
        RoleClaimType = RoleClaim,
    };

    private static SymmetricSecurityKey SigningKey(AuthOptions options) => new(Encoding.UTF8.GetBytes(options.SigningKey));
}

public static class ClaimsPrincipalExtensions
{
    /// <summary>The signed-in user's id; only call on endpoints that require authorization.</summary>
    public static string GetUserId(this ClaimsPrincipal user) =>
        user.FindUserId() ?? throw new InvalidOperationException("The principal has no user id.");

    /// <summary>The id of the session the access token belongs to.</summary>
    public static string GetSessionId(this ClaimsPrincipal user) =>
        (user as SessionPrincipal)?.Session.SessionId
        ?? user.FindFirstValue(AccessTokens.SessionIdClaim)
        ?? throw new InvalidOperationException("The principal has no session id.");

    /// <summary>The user id of a principal signed in with an access token; null for anyone else.</summary>
    public static string? FindUserId(this ClaimsPrincipal user) =>
        (user as SessionPrincipal)?.Session.UserId ?? user.FindFirstValue(AccessTokens.UserIdClaim);
}
