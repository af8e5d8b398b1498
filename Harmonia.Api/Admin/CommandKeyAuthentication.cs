using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Harmonia.Api.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Harmonia.Api.Admin;

/// <summary>
/// Lets the AppHost's dashboard commands call admin endpoints: a request carrying the key the AppHost generated
/// (header <see cref="CommandKey.Header"/>) acts as an administrator. Without a configured key (as when deployed,
/// where the dashboard has no commands) nothing authenticates this way.
/// </summary>
internal sealed class CommandKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<AdminOptions> admin) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    public const string SchemeName = "CommandKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (admin.Value.CommandKey is not { Length: > 0 } expected || !Request.Headers.TryGetValue(CommandKey.Header, out var presented))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(presented.ToString())))
        {
            return Task.FromResult(AuthenticateResult.Fail("The command key is wrong."));
        }

        var identity = new ClaimsIdentity([new Claim(AccessTokens.RoleClaim, AccessTokens.AdminRole)], SchemeName, AccessTokens.UserIdClaim, AccessTokens.RoleClaim);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}

/// <summary>The <c>Harmonia:Admin</c> section.</summary>
public sealed class AdminOptions
{
    public const string SectionName = "Harmonia:Admin";

    /// <summary>The key dashboard commands present; set by the AppHost in run mode, absent when deployed.</summary>
    public string? CommandKey { get; set; }

    /// <summary>How many of the most recently active users "warm cache" preloads.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 10_000)]
    public int WarmUsers { get; set; } = 100;
}
