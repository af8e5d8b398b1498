using System.Security.Claims;
using Harmonia.Api.Auth;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Harmonia.Tests.Auth;

/// <summary>A remembered access token answers as validating it again would: same claims, no altered copy, not past its expiry.</summary>
public sealed class RememberingAccessTokenHandlerTests
{
    private static readonly AuthOptions Settings = new() { SigningKey = new string('k', 64), AccessTokenLifetime = TimeSpan.FromMinutes(1) };

    private readonly RememberingAccessTokenHandler _handler = new(Options.Create(Settings), TimeProvider.System);
    private readonly TokenValidationParameters _parameters = AccessTokens.ValidationParameters(Settings);
    private readonly AccessTokens _tokens = new(Options.Create(Settings), TimeProvider.System);

    [Fact]
    public async Task ARememberedTokenIsValidWithTheSameClaimsEachTime()
    {
        var (token, _) = _tokens.Issue("user-1", "session-1", ["admin"]);

        var first = await _handler.ValidateTokenAsync(token, _parameters);
        var second = await _handler.ValidateTokenAsync(token, _parameters);

        Assert.True(first.IsValid);
        Assert.True(second.IsValid);
        Assert.Equal("user-1", second.ClaimsIdentity.FindFirst(AccessTokens.UserIdClaim)?.Value);
        Assert.Equal("session-1", second.ClaimsIdentity.FindFirst(AccessTokens.SessionIdClaim)?.Value);
        Assert.True(new ClaimsPrincipal(second.ClaimsIdentity).IsInRole(AccessTokens.AdminRole));
    }

    [Fact]
    public async Task ACopyOfARememberedTokenWithOneCharacterChangedIsRefused()
    {
        var (token, _) = _tokens.Issue("user-1", "session-1", []);
        Assert.True((await _handler.ValidateTokenAsync(token, _parameters)).IsValid);
        var signatureStart = token.LastIndexOf('.') + 1;
        var altered = token[..signatureStart] + (token[signatureStart] == 'A' ? 'B' : 'A') + token[(signatureStart + 1)..];
        var otherPayload = _tokens.Issue("user-2", "session-2", []).Token.Split('.')[1];
        var spliced = string.Join('.', token.Split('.')[0], otherPayload, token.Split('.')[2]);

        Assert.False((await _handler.ValidateTokenAsync(altered, _parameters)).IsValid);
        Assert.False((await _handler.ValidateTokenAsync(spliced, _parameters)).IsValid);
    }

    [Fact]
    public async Task ARememberedTokenIsRefusedOnceItsExpiryAndTheClockSkewHavePassed()
    {
        // Issued so that its expiry plus the skew is two seconds away: validation by the library's own clock still accepts it now.
        var refusedFrom = DateTimeOffset.UtcNow.AddSeconds(2);
        var (token, expiresAt) = _tokens.Issue("user-1", "session-1", [], issuedAt: refusedFrom - AccessTokens.ClockSkew - Settings.AccessTokenLifetime);
        Assert.True((await _handler.ValidateTokenAsync(token, _parameters)).IsValid);

        // Waiting is the condition here: the guarantee is about the moment the clock passes the token's expiry plus the skew.
        var remaining = expiresAt + AccessTokens.ClockSkew - DateTimeOffset.UtcNow;
        await Task.Delay(remaining + TimeSpan.FromMilliseconds(50), TestContext.Current.CancellationToken);

        Assert.False((await _handler.ValidateTokenAsync(token, _parameters)).IsValid);
    }
}
