using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Harmonia.Api.Auth;

/// <summary>
/// Validates access tokens as <see cref="JsonWebTokenHandler"/> does, and remembers each valid one until it
/// expires: a client sends the same token with every request for its lifetime, and parsing it, checking its
/// signature and building its claims was the largest share of what an authenticated request allocated
/// (docs/benchmarks.md). A remembered token is the exact string that passed, signature included, so a changed
/// byte is a different token; it is refused from the moment its lifetime check would refuse it (expiry plus the
/// clock skew; <see cref="TimeProvider"/> is the system clock the validators read, except in tests); and the
/// session check still runs on every request (<see cref="ActiveSessionEvents"/>). At most
/// <see cref="AuthOptions.RememberedAccessTokens"/> are kept; when full, expired ones are dropped and new ones beyond
/// the bound are validated in full every time.
/// </summary>
/// <remarks>
/// Every request of a token shares its validated <c>ClaimsIdentity</c>; nothing in Harmonia changes an identity after
/// authentication. Only the JWT bearer options' validation parameters are ever passed here, so results do not depend on them.
/// </remarks>
public sealed class RememberingAccessTokenHandler(IOptions<AuthOptions> options, TimeProvider timeProvider) : JsonWebTokenHandler
{
    private readonly ConcurrentDictionary<string, Remembered> _valid = new(StringComparer.Ordinal);
    private readonly int _capacity = options.Value.RememberedAccessTokens;

    /// <summary>When a full table may next be swept for expired tokens; once a second at most, so a flood of new tokens costs no scan each.</summary>
    private long _nextSweep;

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        if (_valid.TryGetValue(token, out var remembered))
        {
            if (timeProvider.GetUtcNow() < remembered.RefusedFrom)
            {
                return remembered.Result;
            }

            _valid.TryRemove(token, out _);
        }

        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && _capacity > 0)
        {
            // Built once here, so that requests sharing the result do not race to build it.
            _ = result.ClaimsIdentity;
            var expiresAt = new DateTimeOffset(result.SecurityToken.ValidTo, TimeSpan.Zero);
            Remember(token, new Remembered(result, expiresAt + validationParameters.ClockSkew));
        }

        return result;
    }

    private void Remember(string token, Remembered remembered)
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

    private sealed record Remembered(TokenValidationResult Result, DateTimeOffset RefusedFrom);
}
