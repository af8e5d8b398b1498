using Harmonia.Api.Users;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace Harmonia.Api.Auth;

/// <summary>
/// Sessions and their refresh-token families. MongoDB is the record; the cache only mirrors whether a
/// session is active, and every change here writes MongoDB first, then updates the cache.
/// </summary>
public sealed partial class SessionService(
    SessionStore store,
    UserStore users,
    SessionValidator validator,
    AccessTokens accessTokens,
    IOptions<AuthOptions> options,
    TimeProvider timeProvider,
    ILogger<SessionService> logger)
{
    public async Task<TokenResponse> StartAsync(UserDocument user, string device, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var session = new SessionDocument
        {
            UserId = user.Id,
            Device = device,
            CreatedAt = now,
            LastActivityAt = now,
            ExpiresAt = now + options.Value.RefreshTokenLifetime,
        };
        await store.Sessions.InsertOneAsync(session, cancellationToken: cancellationToken);
        return await IssueAsync(session, RolesOf(user), now, cancellationToken);
    }

    /// <summary>
    /// Exchanges a refresh token for a new pair. The old token is spent atomically (only one exchange can
    /// win); a spent token presented again means it leaked, so its whole session ends.
    /// </summary>
    public async Task<TokenResponse?> RefreshAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var hash = RefreshTokens.Hash(refreshToken);
        var spent = await store.RefreshTokens.FindOneAndUpdateAsync(
            token => token.Hash == hash && token.UsedAt == null && token.ExpiresAt > now,
            Builders<RefreshTokenDocument>.Update.Set(token => token.UsedAt, now),
            cancellationToken: cancellationToken);

        if (spent is null)
        {
            await EndSessionOnReuseAsync(hash, cancellationToken);
            return null;
        }

        var session = await store.Sessions.FindOneAndUpdateAsync(
            session => session.Id == spent.SessionId && session.RevokedAt == null && session.ExpiresAt > now,
            Builders<SessionDocument>.Update
                .Set(session => session.ExpiresAt, now + options.Value.RefreshTokenLifetime)
                .Set(session => session.LastActivityAt, now),
            new FindOneAndUpdateOptions<SessionDocument> { ReturnDocument = ReturnDocument.After },
            cancellationToken);
        if (session is null)
        {
            return null;
        }

        // Roles are read afresh so a refreshed token carries the user's current roles.
        var user = await users.Documents.Find(user => user.Id == session.UserId).FirstOrDefaultAsync(cancellationToken);
        return user is null ? null : await IssueAsync(session, RolesOf(user), now, cancellationToken);
    }

    public async Task<IReadOnlyList<SessionResponse>> ListAsync(string userId, string currentSessionId, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var sessions = await store.Sessions
            .Find(session => session.UserId == userId && session.RevokedAt == null && session.ExpiresAt > now)
            .SortByDescending(session => session.LastActivityAt)
            .ToListAsync(cancellationToken);

        return [.. sessions.Select(session => new SessionResponse(
            session.Id,
            session.Device,
            new DateTimeOffset(session.CreatedAt, TimeSpan.Zero),
            new DateTimeOffset(session.LastActivityAt, TimeSpan.Zero),
            session.Id == currentSessionId))];
    }

    /// <summary>Ends one of the user's sessions; false when the user has no such active session.</summary>
    public async Task<bool> EndAsync(string userId, string sessionId, string reason, CancellationToken cancellationToken) =>
        await RevokeAsync(
            Builders<SessionDocument>.Filter.Where(session => session.UserId == userId && session.Id == sessionId),
            reason,
            cancellationToken) > 0;

    /// <summary>Ends every session of the user except <paramref name="keepSessionId"/> (none when null).</summary>
    public Task<int> EndAllAsync(string userId, string? keepSessionId, string reason, CancellationToken cancellationToken) =>
        RevokeAsync(
            Builders<SessionDocument>.Filter.Where(session => session.UserId == userId && session.Id != keepSessionId),
            reason,
            cancellationToken);

    /// <param name="now">When the caller started, before it read the session; see <see cref="AccessTokens.Issue"/>.</param>
    private async Task<TokenResponse> IssueAsync(SessionDocument session, IReadOnlyCollection<string> roles, DateTime now, CancellationToken cancellationToken)
    {
        var (refreshToken, hash) = RefreshTokens.Create();
        await store.RefreshTokens.InsertOneAsync(
            new RefreshTokenDocument { Hash = hash, SessionId = session.Id, UserId = session.UserId, ExpiresAt = session.ExpiresAt },
            cancellationToken: cancellationToken);
        await validator.RememberAsync(session, cancellationToken);

        var (accessToken, accessTokenExpiresAt) = accessTokens.Issue(session.UserId, session.Id, roles, new DateTimeOffset(now, TimeSpan.Zero));
        return new TokenResponse(accessToken, accessTokenExpiresAt, refreshToken, new DateTimeOffset(session.ExpiresAt, TimeSpan.Zero), session.Id);
    }

    private string[] RolesOf(UserDocument user) =>
        options.Value.AdminEmails.Any(email => EmailAddress.Normalize(email) == user.NormalizedEmail)
            ? [.. user.Roles.Append(AccessTokens.AdminRole).Distinct()]
            : user.Roles;

    private async Task EndSessionOnReuseAsync(string hash, CancellationToken cancellationToken)
    {
        var known = await store.RefreshTokens.Find(token => token.Hash == hash).FirstOrDefaultAsync(cancellationToken);
        if (known is { UsedAt: not null })
        {
            LogReuse(logger, known.SessionId, known.UserId);
            await EndAsync(known.UserId, known.SessionId, "refresh-token-reuse", cancellationToken);
        }
    }

    /// <summary>Records the end in MongoDB first, then on every replica (<see cref="SessionValidator.EndAsync"/>), so a re-read can only see the end.</summary>
    private async Task<int> RevokeAsync(FilterDefinition<SessionDocument> filter, string reason, CancellationToken cancellationToken)
    {
        var active = filter & Builders<SessionDocument>.Filter.Eq(session => session.RevokedAt, null);
        var sessions = await store.Sessions.Find(active).ToListAsync(cancellationToken);
        if (sessions.Count == 0)
        {
            return 0;
        }

        await store.Sessions.UpdateManyAsync(
            Builders<SessionDocument>.Filter.In(session => session.Id, sessions.Select(session => session.Id)) & active,
            Builders<SessionDocument>.Update
                .Set(session => session.RevokedAt, timeProvider.GetUtcNow().UtcDateTime)
                .Set(session => session.RevokedReason, reason),
            cancellationToken: cancellationToken);

        await validator.EndAsync(sessions, reason, cancellationToken);
        return sessions.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A spent refresh token was presented again; ending session {SessionId} of user {UserId}.")]
    private static partial void LogReuse(ILogger logger, string sessionId, string userId);
}
