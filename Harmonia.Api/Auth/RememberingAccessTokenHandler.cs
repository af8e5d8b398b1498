using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Harmonia.Api.Auth;

/// <summary>
/// Validates access tokens as <see cref="JsonWebTokenHandler"/> does, and remembers each valid one until it
/// expires: a client sends the same token with every request for its lifetime, and parsing it, checking its
/// signature and building its claims was the largest share of what an authenticated request allocated
/// (docs/benchmarks.md). A remembered token is the exact string that passed, signature included, so a changed
/// byte is a different token; it is recalled only before the moment its lifetime check would refuse it (expiry plus
/// the clock skew; <see cref="TimeProvider"/> is the system clock the validators read, except in tests); and the
/// session check still runs on every request (<see cref="ActiveSessionEvents"/>). At most
/// <see cref="AuthOptions.RememberedAccessTokens"/> are kept; when full, expired ones are dropped and new ones beyond
/// the bound are validated in full every time.
/// </summary>
/// <remarks>
/// Only the JWT bearer options' validation parameters are ever passed here, so what is remembered does not depend on them.
/// </remarks>
public sealed class RememberingAccessTokenHandler(IOptions<AuthOptions> options, TimeProvider timeProvider) : JsonWebTokenHandler
{
    private readonly ConcurrentDictionary<string, RememberedAccessToken> _valid = new(StringComparer.Ordinal);
    private readonly int _capacity = options.Value.RememberedAccessTokens;

    /// <summary>When a full table may next be swept for expired tokens; once a second at most, so a flood of new tokens costs no scan each.</summary>
    private long _nextSweep;

    /// <summary>
    /// The remembered validation of exactly <paramref name="token"/>, looked up by its characters so that no string is
    /// cut from the request's header; <see langword="false"/> for a token not seen, not valid, or past its lifetime.
    /// </summary>
    public bool TryRecall(ReadOnlySpan<char> token, [NotNullWhen(true)] out RememberedAccessToken? remembered)
    {
        var lookup = _valid.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(token, out var key, out remembered))
        {
            return false;
        }

        if (timeProvider.GetUtcNow() < remembered.RefusedFrom)
        {
            return true;
        }

        _valid.TryRemove(key, out _);
        remembered = null;
        return false;
    }

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && _capacity > 0
            && result.ClaimsIdentity.FindFirst(AccessTokens.UserIdClaim)?.Value is { } userId
            && result.ClaimsIdentity.FindFirst(AccessTokens.SessionIdClaim)?.Value is { } sessionId)
        {
            var expiresAt = new DateTimeOffset(result.SecurityToken.ValidTo, TimeSpan.Zero);
            Remember(token, new RememberedAccessToken(new SharedClaimsIdentity(result.ClaimsIdentity), new SessionReference(userId, sessionId), expiresAt + validationParameters.ClockSkew));
        }

        return result;
    }

    private void Remember(string token, RememberedAccessToken remembered)
    {
        if (_valid.Count >= _capacity)
        {
            var now = timeProvider.GetUtcNow();
            var due = Interlocked.Read(ref _nextSweep);
            if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextSweep, now.UtcTicks + TimeSpan.TicksPerSecond, due) != due)
            {
                return;
            }

            foreach (var (key, value) in _valid)
            {
                if (now >= value.RefusedFrom)
                {
                    _valid.TryRemove(key, out _);
                }
            }

            if (_valid.Count >= _capacity)
            {
                return;
            }
        }

        _valid.TryAdd(token, remembered);
    }
}

/// <summary>
/// What validating an access token established, kept for its later requests: its claims, the session it belongs to
/// (read from the claims once, rather than searched for on every request), and when it stops being valid.
/// </summary>
/// <remarks>
/// Every request of the token wraps the one <see cref="Identity"/> in a principal of its own. The identity cannot be
/// changed (<see cref="SharedClaimsIdentity"/>), so sharing it shares nothing a request changes.
/// </remarks>
public sealed record RememberedAccessToken(ClaimsIdentity Identity, SessionReference Session, DateTimeOffset RefusedFrom);
