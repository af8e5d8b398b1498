using System.Security.Claims;
using Harmonia.Api.Auth;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;

namespace Harmonia.Tests.Auth;

/// <summary>A remembered access token answers as validating it again would: same claims, no altered copy, not past its expiry.</summary>
public sealed class RememberingAccessTokenHandlerTests
{
    private static readonly AuthOptions Settings = new() { SigningKey = new string('k', 64), AccessTokenLifetime = TimeSpan.FromMinutes(1) };

    // The recall clock is fake so that expiry can be reached without waiting; the library's validators read the system clock, which the tokens are issued by.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly RememberingAccessTokenHandler _handler;
    private readonly TokenValidationParameters _parameters = AccessTokens.ValidationParameters(Settings);
    private readonly AccessTokens _tokens = new(Options.Create(Settings), TimeProvider.System);

    public RememberingAccessTokenHandlerTests() => _handler = new(Options.Create(Settings), _time);

    [Fact]
    public async Task AValidatedTokenIsRecalledWithItsClaimsAndSession()
    {
        var (token, _) = _tokens.Issue("user-1", "session-1", ["admin"]);

        Assert.True((await _handler.ValidateTokenAsync(token, _parameters)).IsValid);

        Assert.True(_handler.TryRecall(token, out var remembered));
        Assert.Equal("user-1", remembered.Session.UserId);
        Assert.Equal("session-1", remembered.Session.SessionId);
        Assert.Equal(SessionKeys.Validity("user-1", "session-1"), remembered.Session.ValidityKey);
        Assert.Equal("user-1", remembered.Identity.FindFirst(AccessTokens.UserIdClaim)?.Value);
        Assert.True(new ClaimsPrincipal(remembered.Identity).IsInRole(AccessTokens.AdminRole));
    }

    [Fact]
    public async Task TheClaimsOfARememberedTokenCannotBeChangedByOneOfItsRequests()
    {
        var (token, _) = _tokens.Issue("user-1", "session-1", []);
        await _handler.ValidateTokenAsync(token, _parameters);
        Assert.True(_handler.TryRecall(token, out var remembered));
        var claims = remembered.Identity.Claims.ToList();

        Assert.Throws<InvalidOperationException>(() => remembered.Identity.AddClaim(new Claim(AccessTokens.RoleClaim, AccessTokens.AdminRole)));
        Assert.Throws<InvalidOperationException>(() => remembered.Identity.RemoveClaim(claims[0]));

        Assert.True(_handler.TryRecall(token, out var again));
        Assert.Equal(claims, again.Identity.Claims);
        Assert.False(new ClaimsPrincipal(again.Identity).IsInRole(AccessTokens.AdminRole));
    }

    [Fact]
    public async Task ATokenIsRecalledFromTheCharactersOfALongerHeader()
    {
        var (token, _) = _tokens.Issue("user-1", "session-1", []);
        await _handler.ValidateTokenAsync(token, _parameters);

        Assert.True(_handler.TryRecall(("Bearer " + token).AsSpan(7), out _));
    }

    [Fact]
    public async Task ATokenNeverValidatedOrInvalidIsNotRecalled()
    {
        var (token, _) = _tokens.Issue("user-1", "session-1", []);
        var forged = new AccessTokens(Options.Create(new AuthOptions { SigningKey = new string('x', 64) }), TimeProvider.System)
            .Issue("user-1", "session-1", []).Token;

        Assert.False((await _handler.ValidateTokenAsync(forged, _parameters)).IsValid);

        Assert.False(_handler.TryRecall(token, out _));
        Assert.False(_handler.TryRecall(forged, out _));
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

        Assert.False(_handler.TryRecall(altered, out _));
        Assert.False(_handler.TryRecall(spliced, out _));
        Assert.False((await _handler.ValidateTokenAsync(altered, _parameters)).IsValid);
        Assert.False((await _handler.ValidateTokenAsync(spliced, _parameters)).IsValid);
    }

    [Fact]
    public async Task ARememberedTokenIsNoLongerRecalledOnceItsExpiryAndTheClockSkewHavePassed()
    {
        var (token, expiresAt) = _tokens.Issue("user-1", "session-1", []);
        Assert.True((await _handler.ValidateTokenAsync(token, _parameters)).IsValid);
        // JWT times are whole seconds, so the remembered expiry is the issued one rounded down.
        var refusedFrom = DateTimeOffset.FromUnixTimeSeconds(expiresAt.ToUnixTimeSeconds()) + AccessTokens.ClockSkew;

        _time.SetUtcNow(refusedFrom - TimeSpan.FromTicks(1));
        Assert.True(_handler.TryRecall(token, out _));

        _time.SetUtcNow(refusedFrom);
        Assert.False(_handler.TryRecall(token, out _));
    }
}
