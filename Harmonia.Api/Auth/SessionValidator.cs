using Harmonia.Caching;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace Harmonia.Api.Auth;

/// <summary>
/// Answers "is this session still active?" for every authenticated request from memory on most requests: the
/// replica's set of ended sessions (<see cref="SessionRevocations"/>), then the cached state (L1, else Redis, else
/// MongoDB when both miss). The set makes a revocation final whatever raced it; the cached state answers for
/// sessions that expired, and bounds what a replica that cannot reach Redis misses by its L1 duration.
/// </summary>
public sealed class SessionValidator(
    HybridCache cache,
    CacheInvalidator invalidator,
    SessionRevocations revocations,
    SessionStore store,
    IOptionsMonitor<CacheAreaOptions> areas,
    TimeProvider timeProvider)
{
    public ValueTask<bool> IsActiveAsync(string userId, string sessionId, CancellationToken cancellationToken) =>
        IsActiveAsync(new SessionReference(userId, sessionId), cancellationToken);

    public async ValueTask<bool> IsActiveAsync(SessionReference session, CancellationToken cancellationToken)
    {
        if (revocations.IsEnded(session.SessionId))
        {
            return false;
        }

        var state = await cache.GetOrCreateAsync(
            session.ValidityKey,
            (store.Sessions, session.UserId, session.SessionId),
            static async (query, token) =>
            {
                var document = await query.Sessions
                    .Find(Builders<SessionDocument>.Filter.Eq(session => session.Id, query.SessionId)
                        & Builders<SessionDocument>.Filter.Eq(session => session.UserId, query.UserId))
                    .FirstOrDefaultAsync(token);
                return document is null ? SessionState.Ended : SessionState.Of(document);
            },
            EntryOptions,
            cancellationToken: cancellationToken);

        return state.IsActive && state.ExpiresAt > timeProvider.GetUtcNow();
    }

    /// <summary>Caches a session known to be active (just signed in or refreshed), so its first request is an L1 hit.</summary>
    public ValueTask RememberAsync(SessionDocument session) =>
        cache.SetAsync(SessionKeys.Validity(session.UserId, session.Id), SessionState.Of(session), EntryOptions);

    /// <summary>
    /// After MongoDB has recorded the ends: makes them final on every replica, then drops the cached states, so
    /// that the next read of each anywhere finds the end rather than an entry no longer needed.
    /// </summary>
    public async Task EndAsync(IReadOnlyCollection<SessionDocument> sessions, string reason)
    {
        await revocations.PublishAsync([.. sessions.Select(session => session.Id)]);
        foreach (var session in sessions)
        {
            await invalidator.RemoveAsync(SessionKeys.Area, SessionKeys.Validity(session.UserId, session.Id), reason);
        }
    }

    private HybridCacheEntryOptions EntryOptions => areas.Get(SessionKeys.Area).EntryOptions;
}
