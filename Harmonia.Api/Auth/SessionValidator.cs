using Harmonia.Caching;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace Harmonia.Api.Auth;

/// <summary>
/// Answers "is this session still active?" for every authenticated request from the cache: L1 on most
/// requests (no network at all), Redis on an L1 miss, MongoDB only when both miss. Revocation removes the
/// entry, which the cache engine's backplane evicts from every replica's L1.
/// </summary>
public sealed class SessionValidator(
    HybridCache cache,
    CacheInvalidator invalidator,
    SessionStore store,
    IOptionsMonitor<CacheAreaOptions> areas,
    TimeProvider timeProvider)
{
    public async ValueTask<bool> IsActiveAsync(string userId, string sessionId, CancellationToken cancellationToken)
    {
        var state = await cache.GetOrCreateAsync(
            SessionKeys.Validity(userId, sessionId),
            (store.Sessions, userId, sessionId),
            static async (query, token) =>
            {
                var session = await query.Sessions
                    .Find(Builders<SessionDocument>.Filter.Eq(session => session.Id, query.sessionId)
                        & Builders<SessionDocument>.Filter.Eq(session => session.UserId, query.userId))
                    .FirstOrDefaultAsync(token);
                return session is null ? SessionState.Ended : SessionState.Of(session);
            },
            EntryOptions,
            cancellationToken: cancellationToken);

        return state.IsActive && state.ExpiresAt > timeProvider.GetUtcNow();
    }

    /// <summary>Caches a session known to be active (just signed in or refreshed), so its first request is an L1 hit.</summary>
    public ValueTask RememberAsync(SessionDocument session, CancellationToken cancellationToken) =>
        cache.SetAsync(SessionKeys.Validity(session.UserId, session.Id), SessionState.Of(session), EntryOptions, cancellationToken: cancellationToken);

    /// <summary>Drops a session's cached state everywhere, after MongoDB has recorded its end.</summary>
    public ValueTask ForgetAsync(string userId, string sessionId, string reason, CancellationToken cancellationToken) =>
        invalidator.RemoveAsync(SessionKeys.Area, SessionKeys.Validity(userId, sessionId), reason, cancellationToken);

    private HybridCacheEntryOptions EntryOptions => areas.Get(SessionKeys.Area).EntryOptions;
}
